/**
 * The whole memory-key path through a real MCP client over stdio: the built CLI, spawned the way an
 * MCP client spawns it, against an in-process emulator over real HTTP. Memory tools are refused
 * until authorized; authorize with the demo user's memory key; a restart while the request waits;
 * the user approves in the "dashboard" (the control API); the memory tools work on Memoram, with
 * content stored as ciphertext; a restart runs on the cached credentials; status and logout; a
 * revoke. It ends with a scan of everything
 * the servers and commands printed, and every tool result, for keys, tokens and memory plaintext.
 *
 * The phases share one emulator and one config directory and run in order, each building on the
 * one before (as a user's day would). Nothing here waits on a clock: the server's real poll delays
 * (1 s, 1.5 s, …) decide how long authorize takes, and the test only calls again until it settles.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyFromHex, open } from '../../src/crypto/codec.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { MemoramClient } from '../../src/memoram/client.js';
import { NotFoundError } from '../../src/memoram/errors.js';
import { runCli } from '../cli/spawn.js';
import { type Session, Transcript, textOf, withoutRequestedPlaintext } from './transcript.js';

interface LoggedRequest {
  connection: number;
  route: string | null;
  path: string;
  headers: Record<string, string>;
  body: string | null;
}
interface AccessRequest {
  id: string;
  status: string;
}
interface Hit {
  id: string;
  snippet: string;
}
interface FullMemory {
  id: string;
  content: string;
}

// Each memory carries a random canary, so the scan at the end can tell its plaintext anywhere.
const canary = () => `canary${randomBytes(6).toString('hex')}`;
const COFFEE = `Alice takes her coffee black, without sugar (${canary()}).`;
const COFFEE_NOW = `Alice switched to oat milk flat whites in the spring (${canary()}).`;
const TRAIN = `Alice commutes by train on Tuesdays and Thursdays (${canary()}).`;
const CANARIES = [COFFEE, COFFEE_NOW, TRAIN].map((content) => /canary[0-9a-f]+/.exec(content)![0]);

let emu: RunningEmulator;
let home: string;
let env: Record<string, string>;
/** The test's own view of the account: what the emulator stores, read over the REST API. */
let memoram: MemoramClient;
const transcript = new Transcript();
let server: Session;
let firstRequestId: string;
let coffeeId: string;
let trainId: string;

// biome-ignore lint/suspicious/noExplicitAny: control replies are asserted field by field
async function control(route: string, method = 'POST'): Promise<any> {
  const response = await fetch(`${emu.origin}/__emulator/${route}`, { method });
  if (!response.ok)
    throw new Error(`control ${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}
const accessRequests = async (): Promise<AccessRequest[]> => (await control('state', 'GET')).access_requests;
const requestLog = async (): Promise<LoggedRequest[]> => (await control('requests', 'GET')).requests;

/** Calls authorize (no arguments, as a model checking back would) until it is no longer waiting. */
async function settle(session: Session): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const state = (await session.call('authorize')).structuredContent as Record<string, unknown>;
    if (state.state !== 'awaiting_approval') return state;
  }
  throw new Error('authorize still awaits approval after five calls');
}

async function statusResource(): Promise<Record<string, unknown>> {
  const { contents } = await server.client.readResource({ uri: 'memoram://status' });
  return JSON.parse((contents[0] as { text: string }).text);
}

async function command(args: string[]) {
  const result = await runCli(args, env);
  transcript.commands += `${result.stdout}\n${result.stderr}\n`;
  return result;
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  home = await mkdtemp(path.join(os.tmpdir(), 'memoram-e2e-'));
  env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    MEMORAM_API_URL: emu.apiUrl,
    MEMORAM_API_KEY: emu.apiKey,
    MEMORAM_CONFIG_DIR: path.join(home, 'config'),
    MEMORAM_DATA_DIR: path.join(home, 'data'),
    MEMORAM_LOG_LEVEL: 'debug',
    MEMORAM_EMBEDDINGS: 'off',
  };
  memoram = new MemoramClient({ apiUrl: emu.apiUrl, apiKey: emu.apiKey });
});

afterAll(async () => {
  await server?.close();
  await memoram?.close();
  await emu?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('the memory-key path, end to end over stdio', () => {
  it('refuses memory tools until the user approves the request authorize filed, across a restart', async () => {
    server = await transcript.startServer(env, 'e2e-desktop');
    const refused = await server.call('search_memories', { query: 'coffee' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/not connected.*call the authorize tool/i);

    const progress: string[] = [];
    const pending = await server.call('authorize', { memory_key: emu.demoUser.memory_key }, (message) =>
      progress.push(message),
    );
    expect(pending.structuredContent).toMatchObject({ state: 'awaiting_approval' });
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toMatch(/waiting for the user to approve/i);
    firstRequestId = (pending.structuredContent as { access_request_id: string }).access_request_id;
    expect(await accessRequests()).toEqual([
      expect.objectContaining({ id: firstRequestId, status: 'pending' }),
    ]);

    const waiting = await server.call('read_memories', { ids: ['anything'] });
    expect(waiting.isError).toBe(true);
    expect(textOf(waiting)).toMatch(/waiting for the user’s approval/);
    expect(await statusResource()).toMatchObject({ state: 'awaiting_approval', memory_count: null });

    // The client restarts the server before the user gets to it: the cached request is picked up.
    await server.close();
    server = await transcript.startServer(env, 'e2e-desktop');
    await control(`access-requests/${firstRequestId}/approve`);
    expect(await settle(server)).toMatchObject({
      state: 'authorized',
      user_id: emu.demoUser.user_id,
      key_version: emu.demoUser.key_version,
    });
    expect(await accessRequests()).toEqual([
      expect.objectContaining({ id: firstRequestId, status: 'approved' }),
    ]);
  });

  it('keeps memories in the Memoram account, sealed with the user’s encryption key', async () => {
    const coffee = await server.call('create_memory', {
      content: COFFEE,
      title: 'Coffee',
      tags: ['Preferences', 'food'],
    });
    expect(coffee.isError).toBeFalsy();
    coffeeId = (coffee.structuredContent as { id: string }).id;
    const train = await server.call('create_memory', { content: TRAIN, title: 'Commute', tags: ['travel'] });
    trainId = (train.structuredContent as { id: string }).id;

    const found = await server.call('search_memories', { query: 'coffee' });
    const [hit] = (found.structuredContent as { memories: Hit[] }).memories;
    expect(hit?.id).toBe(coffeeId);
    expect(hit?.snippet).toContain('coffee');

    const read = await server.call('read_memories', { ids: [coffeeId] });
    expect((read.structuredContent as { memories: FullMemory[] }).memories).toEqual([
      expect.objectContaining({ id: coffeeId, content: COFFEE }),
    ]);

    const updated = await server.call('update_memory', {
      id: coffeeId,
      content: COFFEE_NOW,
      tags: ['preferences', 'drinks'],
    });
    expect(updated.isError).toBeFalsy();
    expect(updated.structuredContent).not.toHaveProperty('content');

    const deleted = await server.call('delete_memories', { ids: [trainId] });
    expect(deleted.structuredContent).toEqual({ deleted: [trainId], not_found: [] });
    const gone = await server.call('read_memories', { ids: [trainId] });
    expect(gone.structuredContent).toEqual({ memories: [], not_found: [trainId] });

    const tags = await server.call('list_tags');
    expect((tags.structuredContent as { tags: { name: string; count: number }[] }).tags).toEqual([
      expect.objectContaining({ name: 'drinks', count: 1 }),
      expect.objectContaining({ name: 'preferences', count: 1 }),
    ]);
    const again = await server.call('search_memories', { query: 'flat whites' });
    expect((again.structuredContent as { memories: Hit[] }).memories.map((m) => m.id)).toEqual([coffeeId]);

    // What Memoram holds: the demo user's blob, its content ciphertext that the user's key opens.
    const blob = await memoram.getMemoryBlob(coffeeId, emu.demoUser.user_id);
    expect(blob).toMatchObject({ title: 'Coffee', tags: ['preferences', 'drinks'] });
    expect(blob.content).toMatch(/^[0-9a-f]{24}:[0-9a-f]{32}:[0-9a-f]+$/);
    expect(open(blob.content, keyFromHex(emu.demoUser.encryption_key))).toBe(COFFEE_NOW);
    await expect(memoram.getMemoryBlob(trainId, emu.demoUser.user_id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('comes back after a restart on the cached credentials, filing no new access request', async () => {
    await server.close();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // Both servers so far (the one restarted while approval was pending, and this one) left on their own.
    expect(transcript.stderr.match(/shutting down \(stdin closed\)/g)).toHaveLength(2);

    const before = (await requestLog()).length;
    server = await transcript.startServer(env, 'e2e-restarted');
    const read = await server.call('read_memories', { ids: [coffeeId] });
    expect(read.isError).toBeFalsy();
    expect((read.structuredContent as { memories: FullMemory[] }).memories[0]?.content).toBe(COFFEE_NOW);
    const found = await server.call('search_memories', { query: 'oat milk' });
    expect((found.structuredContent as { memories: Hit[] }).memories.map((m) => m.id)).toEqual([coffeeId]);
    await server.close();

    const since = (await requestLog()).slice(before);
    expect(since.length).toBeGreaterThan(0);
    expect(since.filter((request) => request.path.includes('/access-requests'))).toEqual([]);
    expect(await accessRequests()).toEqual([
      expect.objectContaining({ id: firstRequestId, status: 'approved' }),
    ]);
  });

  it('reports the account in status --json, and forgets it on logout', async () => {
    const status = await command(['status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      backend: 'memoram',
      state: 'authorized',
      user_id: emu.demoUser.user_id,
      key_version: emu.demoUser.key_version,
      memory_count: 1,
    });

    const logout = await command(['logout']);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('Forgot the cached Memoram credentials');
    expect(JSON.parse((await command(['status', '--json'])).stdout)).toMatchObject({
      state: 'not_connected',
      memory_count: null,
    });

    server = await transcript.startServer(env, 'e2e-after-logout');
    const refused = await server.call('read_memories', { ids: [coffeeId] });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/call the authorize tool/i);
  });

  it('reconnects, and a revoke in the dashboard ends access with a clear error', async () => {
    // Logout forgets; cutting access is the user's move in the dashboard, as logout's message says.
    await control(`access-requests/${firstRequestId}/revoke`);

    // This time the user approves while authorize is still waiting (on its first progress report).
    let approving: Promise<unknown> | undefined;
    const approvePending = async () => {
      const pending = (await accessRequests()).find((request) => request.status === 'pending');
      await control(`access-requests/${pending!.id}/approve`);
    };
    const first = await server.call('authorize', { memory_key: emu.demoUser.memory_key }, () => {
      approving ??= approvePending();
    });
    await (approving ?? approvePending());
    const state = first.structuredContent as Record<string, unknown>;
    expect(state.state === 'awaiting_approval' ? await settle(server) : state).toMatchObject({
      state: 'authorized',
    });
    const read = await server.call('read_memories', { ids: [coffeeId] });
    expect(read.isError).toBeFalsy();

    const second = (await accessRequests()).find((request) => request.status === 'approved')!;
    await control(`access-requests/${second.id}/revoke`);
    const refused = await server.call('read_memories', { ids: [coffeeId] });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/refused access.*revoked in the Memoram dashboard.*call authorize/);

    // The 403 makes the server check the request; from then on it says plainly what happened.
    await expect.poll(async () => (await statusResource()).state).toBe('revoked');
    const after = await server.call('search_memories', { query: 'coffee' });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toMatch(/revoked this server’s access.*call authorize again/);
    await server.close();
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('never shows a key, a token, or memory plaintext the model did not ask for', async () => {
    // stdout carries JSON-RPC only: every line of every server parses as a JSON-RPC message.
    const lines = transcript.stdoutLines();
    const messages = lines.map((line) => JSON.parse(line) as { jsonrpc?: unknown });
    expect(messages.every((message) => message.jsonrpc === '2.0')).toBe(true);
    expect(transcript.stderr).toMatch(/memoram-mcp debug: /);

    const log = await requestLog();
    const jwts = new Set(
      log.map((request) => /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1]),
    );
    jwts.delete(undefined);
    expect(jwts.size).toBeGreaterThan(0);
    const secrets: [string, string][] = [
      ['the API key', emu.apiKey],
      ['the memory key', emu.demoUser.memory_key],
      ['the encryption key', emu.demoUser.encryption_key],
      ...[...jwts].map((jwt, at): [string, string] => [`JWT #${at + 1}`, jwt!]),
    ];
    const everything = [
      lines.join('\n'),
      transcript.stderr,
      transcript.commands,
      JSON.stringify(transcript.results),
    ].join('\n');
    for (const [name, secret] of secrets) expect(everything.includes(secret), name).toBe(false);

    // Memory plaintext reaches the model only where it asked for it: read_memories content and
    // search snippets. Everything else (other results, notifications, progress, logs, command
    // output) must not carry it. The JSON-RPC lines are scanned parsed, so escaping cannot hide one.
    const unasked = [
      JSON.stringify(messages.map(withoutRequestedPlaintext)),
      transcript.stderr,
      transcript.commands,
      JSON.stringify(transcript.results.map(({ result }) => withoutRequestedPlaintext(result))),
    ].join('\n');
    for (const token of CANARIES) expect(unasked.includes(token), `plaintext ${token}`).toBe(false);
    // ...and it did come back where asked, so the scan is not vacuous.
    expect(everything).toContain(CANARIES[0]);
    expect(everything).toContain(CANARIES[1]);

    // Nor did any request to Memoram carry plaintext or the encryption key.
    const wire = JSON.stringify(log);
    for (const token of [...CANARIES, emu.demoUser.encryption_key]) expect(wire.includes(token)).toBe(false);
  });
});
