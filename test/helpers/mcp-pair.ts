/**
 * An in-process client↔server pair over the real stack: the local backend in a temp dir, the
 * MemoryService, a Connection, createServer, and a real MCP Client over InMemoryTransport. The
 * `modern` era goes through serveStdio, the entry the CLI uses, so both protocol eras are served
 * exactly as in production.
 */
import path from 'node:path';
import { Writable } from 'node:stream';
import { Client, type ClientCapabilities, InMemoryTransport } from '@modelcontextprotocol/client';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import {
  type AuthorizeInput,
  type AuthorizeOptions,
  authRequired,
  type Connection,
  type ConnectionState,
  LocalConnection,
} from '../../src/connection/connection.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { createServer } from '../../src/mcp/server.js';
import type { ScopeSetting } from '../../src/memory/scope-source.js';
import { MemoryService } from '../../src/memory/service.js';
import { openLocalBackend } from '../../src/store/local-backend.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export type Era = 'legacy' | 'modern';

export interface PairOptions {
  readOnly?: boolean;
  clientName?: string;
  era?: Era;
  /** What the client declares (e.g. URL elicitation); handlers for it go in `setup`. */
  capabilities?: ClientCapabilities;
  /** Runs before the client connects, e.g. to set its elicitation handler. */
  setup?: (client: Client) => void;
  /** MEMORAM_SCOPE and the folder `auto` looks in. */
  scope?: ScopeSetting;
}

export interface Pair {
  client: Client;
  /** Everything the server logged (stderr in production). */
  logs: string[];
  close(): Promise<void>;
}

function captureLogger(): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('debug', stream), logs };
}

/** Connects a real client to createServer over the given connection. */
export async function connectPair(connection: Connection, options: PairOptions = {}): Promise<Pair> {
  const { logger, logs } = captureLogger();
  const deps = {
    connection,
    readOnly: options.readOnly ?? false,
    logger,
    version: '0.0.0-test',
    scope: options.scope,
  };
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  let stop: () => Promise<void>;
  if (options.era === 'modern') {
    const handle = serveStdio(() => createServer(deps), { transport: serverSide });
    stop = () => handle.close();
  } else {
    const server = createServer(deps);
    await server.connect(serverSide);
    stop = () => server.close();
  }
  const client = new Client(
    { name: options.clientName ?? 'test-client', version: '1.0.0' },
    {
      ...(options.era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    },
  );
  options.setup?.(client);
  await client.connect(clientSide);
  return {
    client,
    logs,
    close: async () => {
      await client.close();
      await stop();
    },
  };
}

/** A real MemoryService over the local backend in a fresh temp dir. */
export async function openLocalService(): Promise<{ service: MemoryService; dir: string }> {
  const dir = await makeTempDir('mcp');
  const backend = await openLocalBackend({
    storeFile: path.join(dir, 'memories.db'),
    configDir: path.join(dir, 'config'),
  });
  return { service: new MemoryService(backend), dir };
}

/** The embedded default, end to end, in a fresh temp dir. */
export async function startLocal(options: PairOptions = {}): Promise<Pair> {
  const { service, dir } = await openLocalService();
  const connection = new LocalConnection(service);
  const pair = await connectPair(connection, options);
  return {
    ...pair,
    close: async () => {
      await pair.close();
      await connection.close();
      await removeTempDir(dir);
    },
  };
}

/**
 * A stand-in for the Memoram connection: not authorized until a test calls `approve(service)`,
 * which switches it to that service the way an approved access request does. Its authorize reports
 * progress, then answers `answer(input)`.
 */
export class FakeRemoteConnection implements Connection {
  readonly backend = 'memoram';
  authorizeCalls: AuthorizeInput[] = [];
  private current: MemoryService | undefined;
  private readonly listeners = new Set<(service: MemoryService) => void>();
  answer: (input: AuthorizeInput) => ConnectionState = () => ({
    state: 'awaiting_approval',
    access_request_id: 'ar_1',
    message: 'Approve the access request in Memoram, then call authorize again.',
  });

  get listenerCount(): number {
    return this.listeners.size;
  }

  approve(service: MemoryService): void {
    this.current = service;
    for (const listener of this.listeners) listener(service);
  }

  service(): MemoryService {
    if (!this.current) throw authRequired();
    return this.current;
  }

  status(): ConnectionState {
    return this.current
      ? { state: 'authorized', user_id: 'user_1', key_version: 1, message: 'Connected to Memoram.' }
      : {
          state: 'awaiting_user_consent',
          authorization_url: 'https://memoram.example/oauth/authorize?state=s3cret-state',
          message: 'Open the authorization URL to connect.',
        };
  }

  async authorize(input: AuthorizeInput, options: AuthorizeOptions = {}): Promise<ConnectionState> {
    this.authorizeCalls.push(input);
    options.onProgress?.('Filed the access request.');
    options.onProgress?.('Waiting for the user to approve it.');
    return this.answer(input);
  }

  onServiceChange(listener: (service: MemoryService) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatusChange(): () => void {
    return () => {};
  }

  async close(): Promise<void> {}
}

type Notification = { method: string; params?: Record<string, unknown> };

/** Records the resource change notifications a client receives. */
export function recordResourceNotifications(client: Client) {
  const seen: Notification[] = [];
  client.setNotificationHandler('notifications/resources/updated', (notification) => {
    seen.push(notification);
  });
  client.setNotificationHandler('notifications/resources/list_changed', (notification) => {
    seen.push(notification);
  });
  return {
    seen,
    updatedUris: () => seen.filter((n) => n.method.endsWith('/updated')).map((n) => n.params?.['uri']),
    listChanges: () => seen.filter((n) => n.method.endsWith('/list_changed')).length,
  };
}

/** The parsed JSON of a tool result's structured content, typed loosely for assertions. */
export function structured<T = Record<string, unknown>>(result: { structuredContent?: unknown }): T {
  return result.structuredContent as T;
}

/** The first text block of a tool result. */
export function text(result: { content?: unknown }): string {
  const blocks = (result.content ?? []) as { type: string; text?: string }[];
  return blocks.find((block) => block.type === 'text')?.text ?? '';
}

export interface ToolResult {
  isError?: boolean;
  structuredContent?: unknown;
  content?: unknown;
}

/** Calls a tool and returns its result (a thrown protocol error stays thrown). */
export async function callTool(client: Client, name: string, args: Record<string, unknown> = {}) {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}
