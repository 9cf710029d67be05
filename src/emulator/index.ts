/**
 * The local Memoram emulator: every endpoint of the REST contract with its exact spellings, over
 * real HTTP, backed by the same SQLite store as the local backend, with the OAuth consent page and
 * token endpoint, the user's dashboard at /dashboard, and a control API under /__emulator/ for
 * tests and demos. Content is stored verbatim and never decrypted.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlobStore } from '../blob-store/blob-store.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { MemoramError } from '../memory/errors.js';
import { API_PREFIX, createApiRouter } from './api.js';
import { createClock } from './clock.js';
import { type EmulatorContext, MAX_JWT_LIFETIME_SECONDS } from './context.js';
import { CONTROL_PREFIX, createControlRouter } from './control.js';
import { createDashboardRouter } from './dashboard.js';
import { FaultQueue } from './faults.js';
import { OAuthStore } from './oauth-store.js';
import { DASHBOARD_PATH } from './page-layout.js';
import { RequestLog } from './request-log.js';
import { createEmulatorServer } from './server.js';
import { type DemoUser, EmulatorState } from './state.js';

export type { DemoUser } from './state.js';

export interface EmulatorOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 (an ephemeral port). */
  port?: number;
  /** SQLite file; default in-memory (':memory:'). With a file, all state survives a restart. */
  dbFile?: string;
  /**
   * Headless demos: OAuth consent is given without showing the page (the authorize URL redirects
   * with a code at once), and access requests are approved the moment they are created.
   */
  autoApprove?: boolean;
  /** Default 3600; clients may ask for up to 86400 via `expires_in`. */
  jwtLifetimeSeconds?: number;
  /** A fixed developer API key (default: a random `mem_` + 48 hex, kept in the database). */
  apiKey?: string;
  /** Default silent. */
  logger?: Logger;
}

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:40123 */
  origin: string;
  /** `${origin}/api/v1`, what MEMORAM_API_URL points at. */
  apiUrl: string;
  /** The developer API key (`mem_` + 48 hex). */
  apiKey: string;
  /** The OAuth client id of the developer app (a public client: PKCE, no secret). */
  clientId: string;
  /** `${apiUrl}/oauth/authorize`, memoram-mcp's default authorize URL for this API URL. */
  authorizeUrl: string;
  /** `${apiUrl}/oauth/token`. */
  tokenUrl: string;
  /** The demo user's dashboard: approve, reject and revoke access requests, rotate the key. */
  dashboardUrl: string;
  /** The demo user as it was at start (a later key rotation is not reflected here). */
  demoUser: DemoUser;
  close(): Promise<void>;
}

const DEFAULT_JWT_LIFETIME_SECONDS = 3600;

function originOf(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

function jwtLifetime(seconds: number | undefined): number {
  const lifetime = seconds ?? DEFAULT_JWT_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_JWT_LIFETIME_SECONDS) {
    throw new MemoramError('BAD_CONFIG', `jwtLifetimeSeconds must be an integer from 1 to 86400.`);
  }
  return lifetime;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const settings = {
    autoApprove: options.autoApprove ?? false,
    jwtLifetimeSeconds: jwtLifetime(options.jwtLifetimeSeconds),
    forcedJwtLifetimeSeconds: undefined,
  };
  const store = BlobStore.open(options.dbFile ?? ':memory:');
  try {
    const clock = createClock();
    const state = EmulatorState.open(store.database, clock, options.apiKey);
    const oauth = new OAuthStore(store.database, clock);
    const logger = options.logger ?? silentLogger;
    const ctx: EmulatorContext = { store, state, oauth, clock, settings, logger };
    const api = createApiRouter(ctx);
    const faults = new FaultQueue(api.keys());
    const log = new RequestLog();
    const host = options.host ?? '127.0.0.1';
    const emulator = createEmulatorServer({
      ctx,
      host,
      api,
      control: createControlRouter(ctx, faults, log),
      dashboard: createDashboardRouter(ctx),
      faults,
      log,
    });
    const address = await listen(emulator.server, host, options.port ?? 0);
    const origin = originOf(host, address.port);
    const developer = state.primaryDeveloper()!;
    ctx.logger.info('emulator: listening', { origin });
    let closing: Promise<void> | undefined;
    const apiUrl = `${origin}${API_PREFIX}`;
    return {
      origin,
      apiUrl,
      apiKey: developer.api_key,
      clientId: developer.client_id,
      authorizeUrl: `${apiUrl}/oauth/authorize`,
      tokenUrl: `${apiUrl}/oauth/token`,
      dashboardUrl: `${origin}${DASHBOARD_PATH}`,
      demoUser: state.demoUser()!,
      close: () => {
        closing ??= emulator.close().finally(() => store.close());
        return closing;
      },
    };
  } catch (error) {
    store.close();
    throw error;
  }
}

/** The text the CLI prints at start: where the emulator is and how to point memoram-mcp at it. */
export function emulatorBanner(e: RunningEmulator): string {
  const control = `${e.origin}${CONTROL_PREFIX}`;
  return [
    `Memoram emulator listening on ${e.origin}`,
    '',
    `  API base URL     ${e.apiUrl}`,
    `  API key          ${e.apiKey}`,
    `  OAuth client id  ${e.clientId}`,
    `  Authorize URL    ${e.authorizeUrl}`,
    `  Token URL        ${e.tokenUrl}`,
    `  Demo user id     ${e.demoUser.user_id}`,
    `  Demo memory key  ${e.demoUser.memory_key}`,
    `  Dashboard        ${e.dashboardUrl}  (approve, reject and revoke access requests; rotate the key)`,
    `  Control API      ${control}/  (approve a request: POST ${control}/access-requests/{id}/approve)`,
    '',
    'Point memoram-mcp at it (OAuth sign-in through the consent page):',
    `  MEMORAM_API_URL=${e.apiUrl}`,
    `  MEMORAM_API_KEY=${e.apiKey}`,
    `  MEMORAM_CLIENT_ID=${e.clientId}`,
    'or skip the sign-in with the memory key:',
    `  MEMORAM_MEMORY_KEY=${e.demoUser.memory_key}`,
  ].join('\n');
}
