/**
 * Builds each backend for the contract suite on real parts: the local backend on a SQLite file in
 * a temp dir, the remote backend on the emulator over HTTP with a user who approved access.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { MemoramClient } from '../../src/memoram/client.js';
import type { MemoryBackend } from '../../src/memory/types.js';
import { RemoteBackend, type RemoteCredentials } from '../../src/replica/remote-backend.js';
import { openLocalBackend } from '../../src/store/local-backend.js';

export async function control(
  emu: RunningEmulator,
  route: string,
  body?: unknown,
  method = 'POST',
): Promise<unknown> {
  const response = await fetch(`${emu.origin}/__emulator/${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`control ${route}: ${response.status} ${await response.text()}`);
  return response.json().catch(() => null);
}

export async function loggedRequests(emu: RunningEmulator): Promise<
  {
    route: string | null;
    method: string;
    body: string | null;
    connection: number;
    headers: Record<string, string>;
  }[]
> {
  return ((await control(emu, 'requests', undefined, 'GET')) as { requests: never[] }).requests;
}

export interface RemoteSetup {
  emu: RunningEmulator;
  client: MemoramClient;
  credentials: RemoteCredentials & { access_request_id: string };
  backend: RemoteBackend;
  refreshes: number;
}

/** An emulator, a client, and the demo user's approved credentials. */
export async function approvedRemote(): Promise<RemoteSetup> {
  const emu = await startEmulator({ port: 0 });
  const client = new MemoramClient({ apiUrl: emu.apiUrl, apiKey: emu.apiKey, logger: silentLogger });
  onTestFinished(async () => {
    await client.close();
    await emu.close();
  });
  const request = await client.createAccessRequest({
    memoryKey: emu.demoUser.memory_key,
    reason: 'contract tests',
  });
  await control(emu, `access-requests/${request.id}/approve`);
  const credentials = { ...(await client.getCredentials(request.id)), access_request_id: request.id };
  const setup: RemoteSetup = { emu, client, credentials, refreshes: 0 } as RemoteSetup;
  setup.backend = new RemoteBackend({
    client,
    credentials,
    refreshCredentials: async () => {
      setup.refreshes++;
      return client.getCredentials(request.id);
    },
    logger: silentLogger,
  });
  return setup;
}

export async function localBackend(): Promise<MemoryBackend> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'memoram-contract-'));
  const backend = await openLocalBackend({
    storeFile: path.join(root, 'memories.db'),
    configDir: path.join(root, 'config'),
  });
  onTestFinished(async () => {
    await backend.close();
    await rm(root, { recursive: true, force: true });
  });
  return backend;
}

export const BACKENDS: [string, () => Promise<MemoryBackend>][] = [
  ['local', localBackend],
  ['remote (emulator)', async () => (await approvedRemote()).backend],
];
