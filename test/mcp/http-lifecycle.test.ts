// serve --http: the bearer token, shutdown closing the store, and idle sessions expiring.
import { afterEach, describe, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/connection.js';
import { silentLogger } from '../../src/log/logger.js';
import { type HttpServer, startHttpServer } from '../../src/mcp/http.js';
import { createServer } from '../../src/mcp/server.js';
import { runCli, type TempHome, tempHome } from '../cli/spawn.js';
import { callTool, openLocalService, structured } from '../helpers/mcp-pair.js';
import { removeTempDir } from '../helpers/temp-dir.js';
import { connectHttp, INITIALIZE, JSON_HEADERS, openStream, rawRequest, startHttpCli } from './http-cli.js';

const TOKEN = 'tok-4f9a1c2e8b7d6a5f3e2d1c0b';
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function home(): Promise<TempHome> {
  const made = await tempHome();
  cleanups.push(() => made.cleanup());
  return made;
}

describe('the bearer token', () => {
  it('is required to serve on any address but loopback', async () => {
    const { env } = await home();
    const refused = await runCli(['serve', '--http', '--port', '0', '--host', '0.0.0.0'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('MEMORAM_HTTP_TOKEN');
    expect(refused.stderr).not.toContain('Streamable HTTP at');
  });

  it('once set, is demanded of every request, and never logged', async () => {
    const { env } = await home();
    const server = await startHttpCli({ ...env, MEMORAM_HTTP_TOKEN: TOKEN, MEMORAM_LOG_LEVEL: 'debug' }, [
      '--host',
      '0.0.0.0',
    ]);
    cleanups.push(() => server.stop());
    const url = server.url.replace('0.0.0.0', '127.0.0.1');
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0000000000',
      `Basic ${TOKEN}`,
      `Bearer ${TOKEN}x`,
    ]) {
      const response = await rawRequest(url, {
        headers: { ...JSON_HEADERS, ...(authorization ? { authorization } : {}) },
        body: INITIALIZE,
      });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    }
    const client = await connectHttp(url, 'legacy', { headers: { authorization: `Bearer ${TOKEN}` } });
    cleanups.push(() => client.close());
    expect((await client.listTools()).tools).toHaveLength(7);
    const modern = await connectHttp(url, 'modern', { headers: { authorization: `Bearer ${TOKEN}` } });
    cleanups.push(() => modern.close());
    expect((await modern.listTools()).tools).toHaveLength(7);
    expect(server.output.stderr()).not.toContain(TOKEN);
  });
});

describe('shutdown', () => {
  it('exits 0 on a signal sent the moment it prints its URL', async () => {
    const { env } = await home();
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT'] as const) {
      const server = await startHttpCli(env);
      expect(await server.stop(signal), signal).toBe(0);
      expect(server.output.stderr()).toContain(`shutting down (${signal})`);
    }
  });

  it('on SIGTERM closes the store and exits 0; the store reopens with what was saved', async () => {
    const { env } = await home();
    const server = await startHttpCli(env);
    const client = await connectHttp(server.url, 'legacy');
    const { id } = structured<{ id: string }>(
      await callTool(client, 'create_memory', { content: 'saved just before shutdown' }),
    );
    expect(await server.stop('SIGTERM')).toBe(0);
    await client.close().catch(() => {});
    expect(server.output.stderr()).toContain('shutting down (SIGTERM)');
    const exported = await runCli(['export'], env);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(id);
    expect(exported.stdout).toContain('saved just before shutdown');
  });
});

describe('idle sessions', () => {
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
