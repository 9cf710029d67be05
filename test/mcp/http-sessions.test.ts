// 2025-era sessions under a flood: bounded per client and in total, the oldest idle ones giving
// way to a new client, and an open GET stream no longer keeping a session alive for ever.
// In process, over real sockets; each client sends from its own loopback address.
import { afterEach, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/connection.js';
import { silentLogger } from '../../src/log/logger.js';
import { type HttpServer, startHttpServer } from '../../src/mcp/http.js';
import { createServer } from '../../src/mcp/server.js';
import { openLocalService } from '../helpers/mcp-pair.js';
import { removeTempDir } from '../helpers/temp-dir.js';
import { INITIALIZE, JSON_HEADERS, openStream, rawRequest } from './http-cli.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serveInProcess(): Promise<HttpServer> {
  const { service, dir } = await openLocalService();
  const connection = new LocalConnection(service);
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    token: undefined,
    connection,
    logger: silentLogger,
    createServer: () =>
      createServer({ connection, readOnly: false, logger: silentLogger, version: '0.0.0-test' }),
  });
  cleanups.push(
    () => removeTempDir(dir),
    () => connection.close(),
    () => server.close(),
  );
  return server;
}

const PING = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });

/** Opens a session from `from` and returns its headers; fails the test on anything but 200. */
async function openSession(server: HttpServer, from: string): Promise<Record<string, string>> {
  const init = await rawRequest(server.url, {
    headers: JSON_HEADERS,
    body: INITIALIZE,
    untilData: true,
    from,
  });
  expect(init.status, init.body).toBe(200);
  return { ...JSON_HEADERS, 'mcp-session-id': init.headers['mcp-session-id'] as string };
}

const alive = async (server: HttpServer, headers: Record<string, string>, from: string) =>
  (await rawRequest(server.url, { headers, body: PING, untilData: true, from })).status === 200;

describe('sessions under a flood', () => {
  it('let a new client in when the table is full, the oldest idle session giving way', async () => {
    const server = await serveInProcess();
    const flood: Record<string, string>[] = [];
    // 256 sessions that never close, from four addresses, 64 each (the bound per client).
    for (const from of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) {
      for (let i = 0; i < 64; i++) flood.push(await openSession(server, from));
    }
    const newcomer = await openSession(server, '127.0.0.9');
    expect(await alive(server, newcomer, '127.0.0.9')).toBe(true);
    // The very first of the flood was the oldest idle one.
    expect(await alive(server, flood[0]!, '127.0.0.2')).toBe(false);
    expect(await alive(server, flood[1]!, '127.0.0.2')).toBe(true);
  });

  it('bound each client, whose own oldest session gives way, leaving the others alone', async () => {
    const server = await serveInProcess();
    const other = await openSession(server, '127.0.0.3');
    const flood: Record<string, string>[] = [];
    for (let i = 0; i < 70; i++) flood.push(await openSession(server, '127.0.0.2'));
    const survivors = [];
    for (const headers of flood) survivors.push(await alive(server, headers, '127.0.0.2'));
    expect(survivors.filter(Boolean)).toHaveLength(64);
    expect(survivors.slice(0, 6)).toEqual([false, false, false, false, false, false]);
    expect(await alive(server, other, '127.0.0.3')).toBe(true);
  });
});

describe('idle sessions', () => {
  it('expire when abandoned, and live on while their notification stream is open', async () => {
    const server = await serveInProcess();
    const open = async () => {
      const init = await rawRequest(server.url, { headers: JSON_HEADERS, body: INITIALIZE, untilData: true });
      return { ...JSON_HEADERS, 'mcp-session-id': init.headers['mcp-session-id'] as string };
    };
    const abandoned = await open();
    const listening = await open();
    const stream = await openStream(server.url, listening);
    expect(stream.status).toBe(200);

    const anHourLater = Date.now() + 60 * 60_000;
    expect(await server.expireIdleSessions(anHourLater)).toBe(1);
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    expect((await rawRequest(server.url, { headers: abandoned, body: ping })).status).toBe(404);
    const alive = await rawRequest(server.url, { headers: listening, body: ping, untilData: true });
    expect(alive.status).toBe(200);
  });
});

describe('a session with only its GET stream open', () => {
  it('expires once no request came for long, and its stream ends', async () => {
    const server = await serveInProcess();
    const listening = await openSession(server, '127.0.0.2');
    const stream = await openStream(server.url, listening);
    expect(stream.status).toBe(200);
    const anHourLater = Date.now() + 60 * 60_000;
    expect(await server.expireIdleSessions(anHourLater)).toBe(0);
    const aDayLater = Date.now() + 24 * 60 * 60_000;
    expect(await server.expireIdleSessions(aDayLater)).toBe(1);
    await stream.ended;
    expect(await alive(server, listening, '127.0.0.2')).toBe(false);
  });
});
