// serve --http: the bearer token, and shutdown closing the store.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type TempHome, tempHome } from '../cli/spawn.js';
import { callTool, structured } from '../helpers/mcp-pair.js';
import { connectHttp, INITIALIZE, JSON_HEADERS, rawRequest, startHttpCli } from './http-cli.js';

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

describe('the token on loopback', () => {
  it('is made at the first start, 0600 in a 0700 folder, kept for the next, and never printed', async () => {
    const { env, dir } = await home();
    const configDir = path.join(dir, 'config');
    const first = await startHttpCli(env);
    cleanups.push(() => first.stop());
    const file = path.join(configDir, 'http.token');
    const token = (await readFile(file, 'utf8')).trim();
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(configDir)).mode & 0o777).toBe(0o700);
    expect(first.output.stderr()).toContain(`bearer token required: in ${file}`);

    const anonymous = await rawRequest(first.url, { headers: JSON_HEADERS, body: INITIALIZE });
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 } });
    const client = await connectHttp(first.url, 'modern', { headers: first.auth });
    expect((await client.listTools()).tools).toHaveLength(7);
    await client.close();
    expect(await first.stop()).toBe(0);

    const second = await startHttpCli(env);
    cleanups.push(() => second.stop());
    expect(second.auth).toEqual({ authorization: `Bearer ${token}` });
    expect(
      (await rawRequest(second.url, { headers: second.headers, body: INITIALIZE, untilData: true })).status,
    ).toBe(200);
    for (const output of [first.output, second.output]) {
      expect(output.stderr()).not.toContain(token);
      expect(output.stdout()).not.toContain(token);
    }
  });

  it('is off only when the user says so, and only on loopback', async () => {
    const { env } = await home();
    for (const [extraEnv, args] of [
      [{}, ['--no-token']],
      [{ MEMORAM_HTTP_TOKEN: 'off' }, []],
    ] as const) {
      const server = await startHttpCli({ ...env, ...extraEnv }, [...args]);
      cleanups.push(() => server.stop());
      expect(server.output.stderr()).toContain('no token: turned off');
      const init = await rawRequest(server.url, { headers: JSON_HEADERS, body: INITIALIZE, untilData: true });
      expect(init.status).toBe(200);
      await server.stop();
    }
    for (const [extraEnv, args] of [
      [{}, ['--no-token', '--host', '0.0.0.0']],
      [{ MEMORAM_HTTP_TOKEN: 'off' }, ['--host', '0.0.0.0']],
    ] as const) {
      const refused = await runCli(['serve', '--http', '--port', '0', ...args], { ...env, ...extraEnv });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('is for loopback only');
      expect(refused.stderr).not.toContain('Streamable HTTP at');
    }
  });

  it('refuses at start a token that could never match, naming the variable', async () => {
    const { env } = await home();
    for (const bad of ['a token with spaces in it', 'quoted-"token"-0123456789']) {
      const refused = await runCli(['serve', '--http', '--port', '0'], { ...env, MEMORAM_HTTP_TOKEN: bad });
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toContain('MEMORAM_HTTP_TOKEN');
      expect(refused.stderr).toContain('no spaces');
      expect(refused.stderr).not.toContain(bad);
    }
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
    const client = await connectHttp(server.url, 'legacy', { headers: server.auth });
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
