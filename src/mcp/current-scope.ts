/**
 * The current scope of one client's session: from MEMORAM_SCOPE (a name), or with `auto` from the
 * client's roots where it offers them (2025-11-25 era: asked once the session is initialized, and
 * again when the client says they changed), else from the git repository holding the server's
 * working directory, else none. Each MCP session has its own (one HTTP server serves several
 * clients, each in its own project); tools, resources and the tool text read it from here.
 */
import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/server';
import type { Logger } from '../log/logger.js';
import { AUTO_SCOPE, folderScopeName, type ScopeSetting, startingScope } from '../memory/scope-source.js';
import type { CurrentScope } from '../memory/scopes.js';

export type { ScopeSetting } from '../memory/scope-source.js';

/** How long a tool call waits for the client's roots before it goes on with the scope it has. */
const ROOTS_WAIT_MS = 2000;

export class SessionScope {
  private current: CurrentScope;
  /** The roots lookup in flight, if any: a call made meanwhile waits for it (briefly). */
  private pending: Promise<void> | undefined;
  private readonly listeners = new Set<(scope: CurrentScope) => void>();

  constructor(
    private readonly setting: ScopeSetting,
    private readonly logger: Logger,
  ) {
    this.current = startingScope(setting);
  }

  get(): CurrentScope {
    return this.current;
  }

  /** The current scope once the client's roots are known (or after ROOTS_WAIT_MS without them). */
  async settled(): Promise<CurrentScope> {
    if (this.pending) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ROOTS_WAIT_MS).unref();
      });
      await Promise.race([this.pending, waited]);
      clearTimeout(timer);
    }
    return this.current;
  }

  onChange(listener: (scope: CurrentScope) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** With `auto`: asks the client for its roots once initialized, and whenever they change. */
  follow(server: McpServer): void {
    if (this.setting.scope !== AUTO_SCOPE) return;
    const previous = server.server.oninitialized;
    const lookUp = () => {
      const lookup = this.fromRoots(server).finally(() => {
        if (this.pending === lookup) this.pending = undefined;
      });
      this.pending = lookup;
      return lookup;
    };
    server.server.oninitialized = () => {
      previous?.();
      void lookUp();
    };
    server.server.setNotificationHandler('notifications/roots/list_changed', () => lookUp());
  }

  private async fromRoots(server: McpServer): Promise<void> {
    if (!server.server.getClientCapabilities()?.roots) return;
    let roots: { uri: string }[];
    try {
      ({ roots } = await server.server.listRoots());
    } catch (error) {
      this.logger.debug('the client did not list its roots', { error });
      return;
    }
    // The first root is the project the client works in (Claude Code lists the folder it runs in).
    const folder = roots.map((root) => fileFolder(root.uri)).find((found) => found !== null);
    const name = folder ? folderScopeName(folder) : null;
    // No usable root (the client left its project): back to what the server finds by itself,
    // never the last root's scope, which the client no longer works in.
    const next =
      folder && name !== null ? { name, reason: `the client's root ${folder}` } : startingScope(this.setting);
    if (next.name === this.current.name && next.reason === this.current.reason) return;
    this.current = next;
    this.logger.info('current scope', { scope: next.name, reason: next.reason });
    for (const listener of this.listeners) listener(next);
  }
}

function fileFolder(uri: string): string | null {
  try {
    return uri.startsWith('file:') ? fileURLToPath(uri) : null;
  } catch {
    return null;
  }
}
