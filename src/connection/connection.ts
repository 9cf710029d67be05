/**
 * The connection: which backend the server talks to right now, and how it gets authorized. The MCP
 * layer asks it for the MemoryService on every call, so a server can switch from "not connected"
 * to Memoram while running, without a restart.
 */
import { MemoramError } from '../memory/errors.js';
import type { MemoryService } from '../memory/service.js';

export type ConnectionState =
  | { state: 'local'; message: string }
  | { state: 'not_connected'; message: string }
  | { state: 'authorized'; user_id: string; key_version: number; message: string }
  | { state: 'awaiting_user_consent'; authorization_url: string; message: string }
  | { state: 'awaiting_approval'; access_request_id: string; message: string }
  /** The user said no: on the consent page (no access request yet) or in the dashboard. */
  | { state: 'rejected'; access_request_id?: string; message: string }
  | { state: 'revoked'; access_request_id: string; message: string }
  | { state: 'error'; message: string };

export interface AuthorizeInput {
  memory_key?: string | undefined;
  reason?: string | undefined;
}

export interface AuthorizeOptions {
  /** Ends the call's wait (the flow itself goes on in the background). */
  signal?: AbortSignal;
  /** Called while the call waits, for MCP progress notifications. */
  onProgress?: (message: string) => void;
  /**
   * Called as soon as a browser sign-in is waiting for the user (on every call while it waits), so
   * the URL can reach them before the call returns: URL elicitation, a terminal line.
   */
  onAuthorizationUrl?: (url: string, details: { browserOpened: boolean }) => void;
  /** The caller shows the sign-in URL to the user itself (URL elicitation): open no browser too. */
  urlShownByCaller?: boolean;
  /** Called on every change of state during the call, for a terminal that prints each step. */
  onStateChange?: (state: ConnectionState) => void;
}

export interface Connection {
  readonly backend: 'local' | 'memoram';
  /** The service for memory tools; throws MemoramError AUTH_REQUIRED until authorized. */
  service(): MemoryService;
  status(): ConnectionState;
  authorize(input: AuthorizeInput, options?: AuthorizeOptions): Promise<ConnectionState>;
  /** Called whenever service() starts returning a different service (e.g. after approval). */
  onServiceChange(listener: (service: MemoryService) => void): () => void;
  /** Called whenever status() changes, whether or not an authorize call is waiting. */
  onStatusChange(listener: (state: ConnectionState) => void): () => void;
  close(): Promise<void>;
}

/** The embedded default: always connected, to the local store. */
export class LocalConnection implements Connection {
  readonly backend = 'local';

  constructor(private readonly memory: MemoryService) {}

  service(): MemoryService {
    return this.memory;
  }

  status(): ConnectionState {
    return {
      state: 'local',
      message:
        'Memories are stored locally on this computer, encrypted with a local key. To use a Memoram account instead, ' +
        'set MEMORAM_API_KEY (a Memoram developer API key) in this server’s configuration and restart it, then call authorize.',
    };
  }

  async authorize(): Promise<ConnectionState> {
    return this.status();
  }

  onServiceChange(): () => void {
    return () => {};
  }

  onStatusChange(): () => void {
    return () => {};
  }

  async close(): Promise<void> {
    await this.memory.close();
  }
}

export function authRequired(): MemoramError {
  return new MemoramError('AUTH_REQUIRED', 'This server is not connected to a Memoram account yet.', {
    hint: 'Call the authorize tool to connect it, then retry.',
  });
}
