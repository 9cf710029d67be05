/**
 * Helpers for the emulator tests: start an emulator that closes itself when the test ends, and
 * call it over real HTTP with the global fetch.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '../../src/emulator/index.js';

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number>;
}

export async function start(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const emulator = await startEmulator(options);
  onTestFinished(() => emulator.close());
  return emulator;
}

export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'memoram-emulator-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function send(url: string, method: string, options: CallOptions): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  const target = new URL(url);
  for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.set(key, String(value));
  const response = await fetch(target, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? null : JSON.parse(text) };
}

/** A call to the emulated API; `path` is below /api/v1. */
export function api(
  e: RunningEmulator,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  return send(`${e.apiUrl}${path}`, method, options);
}

/** A call to the control API; `path` is below /__emulator. */
export function control(e: RunningEmulator, method: string, path: string, body?: unknown): Promise<Reply> {
  return send(`${e.origin}/__emulator${path}`, method, body === undefined ? {} : { body });
}

export async function tokenFor(e: RunningEmulator, apiKey = e.apiKey): Promise<string> {
  const reply = await api(e, 'POST', '/auth/token', { body: { api_key: apiKey } });
  if (reply.status !== 200) throw new Error(`token: HTTP ${reply.status}`);
  return reply.body.token as string;
}

export interface Session {
  token: string;
  requestId: string;
  userId: string;
  memoryKey: string;
}

/** A token plus an approved access request for `user` (default: the demo user). */
export async function approvedSession(
  e: RunningEmulator,
  user: { user_id: string; memory_key: string } = e.demoUser,
): Promise<Session> {
  const token = await tokenFor(e);
  const created = await api(e, 'POST', '/access-requests', {
    token,
    body: { memoryKey: user.memory_key, reason: 'Tests need your memories' },
  });
  const approved = await control(e, 'POST', `/access-requests/${created.body.id}/approve`);
  if (approved.status !== 200) throw new Error(`approve: HTTP ${approved.status}`);
  return { token, requestId: created.body.id, userId: user.user_id, memoryKey: user.memory_key };
}

/** Creates a blob for the session's user and returns the response body. */
export async function createBlob(e: RunningEmulator, session: Session, fields: Record<string, unknown> = {}) {
  const reply = await api(e, 'POST', '/memory-blobs', {
    token: session.token,
    body: { user_id: session.userId, memoryKey: session.memoryKey, content: 'ciphertext', ...fields },
  });
  if (reply.status !== 201) throw new Error(`create: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body as Json;
}
