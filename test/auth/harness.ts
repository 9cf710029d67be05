/**
 * The shared bench for the authorization, connection and remote-backend wire tests: a real emulator
 * over HTTP, a MemoramClient whose retry sleeps return at once (and are recorded), a credential
 * store in a temp config dir, flows with fast polls, the control API, and a capturing logger.
 *
 * It also guards the one rule every test here shares: when the test ends, nothing logged and
 * nothing a caller got (errors and states the test passed to `seen`) contains the API key, a JWT
 * the client sent, a memory key, an encryption key, memory plaintext, or anything of the OAuth
 * sign-in (an authorization code, a PKCE verifier, a client secret, an access or refresh token);
 * and no request carried an encryption key or memory plaintext (`sealed`).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { expect, onTestFinished } from 'vitest';
import type { ConsentSettings } from '../../src/auth/consent.js';
import { CredentialStore, profileId } from '../../src/auth/credentials.js';
import { AuthorizationFlow, type FlowOptions } from '../../src/auth/flow.js';
import type { ConnectionState } from '../../src/connection/connection.js';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import type { LoggedRequest } from '../../src/emulator/request-log.js';
import { createLogger, type Logger } from '../../src/log/logger.js';
import { MemoramClient, type MemoramClientOptions } from '../../src/memoram/client.js';

export type { LoggedRequest };

export interface Harness {
  emu: RunningEmulator;
  configDir: string;
  logger: Logger;
  client: MemoramClient;
  /** Another client like `client` (a restarted process has its own), closed when the test ends. */
  newClient(): MemoramClient;
  /** The delays the client asked to sleep between retries (the sleeps return at once). */
  sleeps: number[];
  store: CredentialStore;
  /** A flow on the harness's client and store (polling every 5 ms), closed when the test ends. */
  flow(options?: Partial<FlowOptions>): AuthorizationFlow;
  /** Browser sign-in settings for the emulator's own OAuth client; no browser is opened. */
  oauth(overrides?: Partial<ConsentSettings>): ConsentSettings;
  // biome-ignore lint/suspicious/noExplicitAny: control replies are asserted field by field
  control(route: string, body?: unknown, method?: string): Promise<any>;
  /** The emulator's request log, optionally only one route (`POST /access-requests`). */
  requests(route?: string): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  /** Strings that must never be logged or shown (tests add keys they make up). */
  secrets: Set<string>;
  /**
   * Stricter still: strings that must not even travel in a request (memory plaintext, encryption
   * keys), checked against every request the emulator logged as well.
   */
  sealed: Set<string>;
  /** Records an error, a state or any value a caller got, for the end-of-test secret scan. */
  seen(value: unknown): void;
}

export async function harness(
  client: Partial<MemoramClientOptions> = {},
  emulator: EmulatorOptions = {},
): Promise<Harness> {
  const emu = await startEmulator({ port: 0, ...emulator });
  const configDir = await fs.mkdtemp(path.join(os.tmpdir(), 'memoram-auth-'));
  let output = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const logger = createLogger('debug', stream);
  const sleeps: number[] = [];
  const clients: MemoramClient[] = [];
  const newClient = () => {
    const made = new MemoramClient({
      apiUrl: emu.apiUrl,
      apiKey: emu.apiKey,
      logger,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...client,
    });
    clients.push(made);
    return made;
  };
  const memoram = newClient();
  const flows: AuthorizationFlow[] = [];
  const seen: unknown[] = [];
  const wire: string[] = [];
  const tokens = new Set<string>();

  const control = async (route: string, body?: unknown, method = 'POST') => {
    const response = await fetch(`${emu.origin}/__emulator/${route}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`control ${method} ${route}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  /** Reads the log, keeping every JWT the client sent and every OAuth secret for the secret scan. */
  const requests = async (route?: string): Promise<LoggedRequest[]> => {
    const { requests: all } = (await control('requests', undefined, 'GET')) as { requests: LoggedRequest[] };
    for (const request of all) {
      const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
      if (token) tokens.add(token);
      for (const secret of oauthSecretsIn(request)) tokens.add(secret);
    }
    return route === undefined ? all : all.filter((request) => request.route === route);
  };

  const h: Harness = {
    emu,
    configDir,
    logger,
    client: memoram,
    newClient,
    sleeps,
    store: new CredentialStore(configDir, profileId(emu.apiUrl, emu.apiKey)),
    flow: (options = {}) => {
      const flow = new AuthorizationFlow({
        client: memoram,
        store: new CredentialStore(configDir, profileId(emu.apiUrl, emu.apiKey)),
        logger,
        pollDelay: () => 5,
        waitMs: 20,
        progressEveryMs: 10,
        ...options,
      });
      flows.push(flow);
      return flow;
    },
    oauth: (overrides = {}) => ({
      authorizeUrl: emu.authorizeUrl,
      tokenUrl: emu.tokenUrl,
      clientId: emu.clientId,
      redirectPort: 0,
      openBrowser: undefined,
      ...overrides,
    }),
    control,
    requests,
    clearRequests: async () => {
      wire.push(JSON.stringify(await requests()));
      await control('requests', undefined, 'DELETE');
    },
    secrets: new Set([emu.apiKey, emu.demoUser.memory_key]),
    sealed: new Set([emu.demoUser.encryption_key]),
    seen: (value) => seen.push(value),
  };

  onTestFinished(async () => {
    try {
      await Promise.all(flows.map((flow) => flow.close()));
      wire.push(JSON.stringify(await requests()));
      for (const token of storedOAuthTokens(h.store)) tokens.add(token);
      const shown = [output, ...seen.map(visibleText)].join('\n');
      for (const secret of [...h.secrets, ...h.sealed, ...tokens]) {
        expect(shown.includes(secret), `a secret (${secret.slice(0, 6)}…) was logged or shown`).toBe(false);
      }
      const sent = wire.join('\n');
      for (const secret of h.sealed) {
        expect(sent.includes(secret), `a sealed value (${secret.slice(0, 6)}…) went out in the clear`).toBe(
          false,
        );
      }
    } finally {
      await Promise.all(clients.map((made) => made.close()));
      await emu.close();
      await fs.rm(configDir, { recursive: true, force: true });
    }
  });
  return h;
}

/** The code, verifier, refresh token and client secret a token request carried (form or JSON). */
function oauthSecretsIn(request: LoggedRequest): string[] {
  if (request.route !== 'POST /oauth/token' || !request.body) return [];
  let fields: Record<string, unknown>;
  try {
    fields = request.body.trimStart().startsWith('{')
      ? JSON.parse(request.body)
      : Object.fromEntries(new URLSearchParams(request.body));
  } catch {
    return [];
  }
  return ['code', 'code_verifier', 'refresh_token', 'client_secret']
    .map((name) => fields[name])
    .filter((value): value is string => typeof value === 'string' && value.length >= 8);
}

/** The OAuth tokens the flow cached, which must stay in the credentials file. */
function storedOAuthTokens(store: CredentialStore): string[] {
  const oauth = store.load().oauth;
  return oauth ? [oauth.access_token, oauth.refresh_token].filter((t): t is string => !!t) : [];
}

/** Everything of a value a person or a model could get to see: for errors, the cause chain too. */
function visibleText(value: unknown): string {
  if (!(value instanceof Error)) return JSON.stringify(value) ?? String(value);
  const parts: string[] = [];
  for (let error: unknown = value; error instanceof Error; error = error.cause) {
    parts.push(error.message, error.stack ?? '', String((error as { hint?: unknown }).hint ?? ''));
  }
  return parts.join('\n');
}

/**
 * Resolves with the flow's state once it is `state` (at once if it already is). The 10 s guard only
 * turns a hang into a message naming the state the flow got stuck in.
 */
export function stateBecomes(
  flow: AuthorizationFlow,
  state: ConnectionState['state'],
): Promise<ConnectionState> {
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      stop();
      reject(new Error(`the flow stayed ${flow.current().state}, never ${state}`));
    }, 10_000);
    const check = () => {
      if (flow.current().state !== state) return;
      clearTimeout(guard);
      stop();
      resolve(flow.current());
    };
    const stop = flow.onChange(check);
    check();
  });
}

/** Files an access request for the demo user and approves it in the "dashboard". */
export async function authorizeDemoUser(h: Harness, flow: AuthorizationFlow) {
  const pending = await flow.authorize({ memory_key: h.emu.demoUser.memory_key });
  if (pending.state !== 'awaiting_approval') throw new Error(`unexpected state ${pending.state}`);
  await h.control(`access-requests/${pending.access_request_id}/approve`);
  await stateBecomes(flow, 'authorized');
  return flow.credentials()!;
}

/** The rejection of `promise` (recorded for the secret scan); fails the test if it resolves. */
export async function rejectionOf(h: Harness, promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    h.seen(error);
    return error as Error;
  }
  throw new Error('expected the call to fail');
}
