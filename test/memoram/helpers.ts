/**
 * Helpers for the Memoram client tests: a real emulator over HTTP, a client wired to it with a
 * recording sleep and a capturing logger (so tests can check delays and that nothing secret is
 * logged), and thin wrappers over the emulator's control API. Everything closes itself when the
 * test ends.
 */
import { Writable } from 'node:stream';
import { onTestFinished } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import type { LoggedRequest } from '../../src/emulator/request-log.js';
import { createLogger } from '../../src/log/logger.js';
import { MemoramClient, type MemoramClientOptions } from '../../src/memoram/client.js';
import type { CreateMemoryBlobRequest } from '../../src/memoram/schemas.js';

export type { LoggedRequest };

export interface Harness {
  emu: RunningEmulator;
  client: MemoramClient;
  /** Delays the client asked to sleep, in order; the sleeps themselves return at once. */
  sleeps: number[];
  /** Everything the client logged (debug level). */
  logged: () => string;
  user: { user_id: string; memory_key: string; encryption_key: string };
}

export async function emulator(): Promise<RunningEmulator> {
  const emu = await startEmulator({ port: 0 });
  onTestFinished(() => emu.close());
  return emu;
}

/** An emulator and a client; with `approved` the demo user has approved this developer's request. */
export async function harness(
  options: Partial<MemoramClientOptions> & { approved?: boolean } = {},
): Promise<Harness> {
  const { approved = true, ...clientOptions } = options;
  const emu = await emulator();
  const sleeps: number[] = [];
  let output = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      output += String(chunk);
      done();
    },
  });
  const client = new MemoramClient({
    apiUrl: emu.apiUrl,
    apiKey: emu.apiKey,
    logger: createLogger('debug', stream),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...clientOptions,
  });
  onTestFinished(() => client.close());
  if (approved) await approveDemoUser(emu);
  return { emu, client, sleeps, logged: () => output, user: emu.demoUser };
}

/** Approves access to the demo user with plain fetch, so the client under test starts cold. */
async function approveDemoUser(emu: RunningEmulator): Promise<void> {
  const post = async (path: string, body: unknown, token?: string) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const response = await fetch(`${emu.apiUrl}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
    });
    return (await response.json()) as { token: string; id: string };
  };
  const { token } = await post('/auth/token', { api_key: emu.apiKey });
  const request = await post(
    '/access-requests',
    { memoryKey: emu.demoUser.memory_key, reason: 'tests' },
    token,
  );
  await control(emu, 'POST', `/access-requests/${request.id}/approve`);
  await control(emu, 'DELETE', '/requests');
}

export async function control(emu: RunningEmulator, method: string, path: string, body?: unknown) {
  const response = await fetch(`${emu.origin}/__emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`control ${method} ${path}: HTTP ${response.status} ${text}`);
  // biome-ignore lint/suspicious/noExplicitAny: control replies are asserted field by field
  return (text ? JSON.parse(text) : null) as any;
}

export interface FaultSpec {
  route: string;
  count?: number;
  status?: number;
  retryAfter?: number;
  delayMs?: number;
  drop?: boolean;
  afterHandling?: boolean;
}

export function fault(emu: RunningEmulator, spec: FaultSpec): Promise<unknown> {
  return control(emu, 'POST', '/faults', { count: 1, ...spec });
}

export async function requests(emu: RunningEmulator, route?: string): Promise<LoggedRequest[]> {
  const { requests } = (await control(emu, 'GET', '/requests')) as { requests: LoggedRequest[] };
  return route === undefined ? requests : requests.filter((request) => request.route === route);
}

export function blobBody(h: Harness, content: string, extra: Partial<CreateMemoryBlobRequest> = {}) {
  return { user_id: h.user.user_id, memoryKey: h.user.memory_key, content, ...extra };
}

/** The rejection of `promise`, failing the test if it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}
