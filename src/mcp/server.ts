/**
 * The MCP server factory: an McpServer with the tools, resources, prompts and instructions, wired
 * to the connection. No I/O and nothing at import time; safe to call once per client connection
 * (serveStdio, Streamable HTTP), since each instance stops following memory changes when it closes.
 */
import { McpServer } from '@modelcontextprotocol/server';
import type { Connection } from '../connection/connection.js';
import type { Logger } from '../log/logger.js';
import { type ScopeSetting, SessionScope } from './current-scope.js';
import { INSTRUCTIONS } from './instructions.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';
import { registerTools } from './tools/define-tool.js';
import { TOOLS } from './tools/index.js';

export interface ServerDeps {
  connection: Connection;
  /** MEMORAM_READ_ONLY: only tools that write no memories are offered. */
  readOnly: boolean;
  logger: Logger;
  version: string;
  /** MEMORAM_SCOPE and where `auto` looks; without it, no current scope. */
  scope?: ScopeSetting | undefined;
}

/** What the tools and resources of one client's session get: the server's deps and its current scope. */
export interface SessionDeps extends ServerDeps {
  currentScope: SessionScope;
}

/**
 * Builds the server. It sets `server.server.onclose` (keeping any handler set before); a caller
 * that wants its own close handler should chain it rather than replace it.
 */
export function createServer(deps: ServerDeps): McpServer {
  const server = new McpServer(
    { name: 'memoram-mcp', title: 'Memoram', version: deps.version },
    {
      capabilities: {
        // The tools change only in their text, when the current scope does (MEMORAM_SCOPE=auto and
        // the client's roots); the prompt list never changes; the resource list follows the memories.
        tools: { listChanged: true },
        prompts: { listChanged: false },
        resources: { subscribe: true, listChanged: true },
        // Tags for the recall prompt's topic, memory ids for the memory template (completions.ts).
        completions: {},
      },
      instructions: INSTRUCTIONS,
    },
  );
  const session: SessionDeps = { ...deps, currentScope: new SessionScope(deps.scope ?? {}, deps.logger) };
  registerTools(server, TOOLS, session);
  const stopWatching = registerResources(server, session);
  session.currentScope.follow(server);
  registerPrompts(server, session);
  const previous = server.server.onclose;
  server.server.onclose = () => {
    stopWatching();
    previous?.();
  };
  return server;
}
