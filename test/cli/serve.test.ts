import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectOutput, connectCli, exited, runCli, spawnCli, type TempHome, tempHome } from './spawn.js';

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(() => home.cleanup());

const rpc = (id: number, method: string, params: unknown = {}) =>
  `${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`;
const INIT = rpc(1, 'initialize', {
  protocolVersion: '2025-11-25',
  capabilities: {},
  clientInfo: { name: 'raw-stdio', version: '1.0.0' },
});
const INITIALIZED = `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`;

describe('memoram-mcp serve over stdio', () => {
  it('writes only JSON-RPC to stdout, logs to stderr, and exits cleanly when stdin closes', async () => {
    const child = spawnCli(['serve'], { ...home.env, MEMORAM_LOG_LEVEL: 'debug' });
    const { stdout, stderr } = collectOutput(child);
    const answered = (id: number) =>
      stdout()
        .split('\n')
        .some((line) => line.includes(`"id":${id},`) || line.endsWith(`"id":${id}}`));
    const send = async (id: number, line: string) => {
      child.stdin.write(line);
      await expect.poll(() => answered(id), { timeout: 15_000 }).toBe(true);
    };
    await send(1, INIT);
    child.stdin.write(INITIALIZED);
    await send(2, rpc(2, 'tools/list'));
    await send(
      3,
      rpc(3, 'tools/call', { name: 'create_memory', arguments: { content: 'stdio smoke memory' } }),
    );
    await send(4, rpc(4, 'tools/call', { name: 'search_memories', arguments: { query: 'smoke' } }));
    child.stdin.end();
    expect(await exited(child)).toBe(0);

    const messages = stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { jsonrpc: string; id?: number; result?: unknown });
    expect(messages.every((message) => message.jsonrpc === '2.0')).toBe(true);
    // Responses to the four requests, plus any notifications (e.g. resources changed after the create).
    expect(messages.filter((message) => message.id !== undefined).map((message) => message.id)).toEqual([
      1, 2, 3, 4,
    ]);
    expect(JSON.stringify(messages.find((message) => message.id === 4)?.result)).toContain(
      'stdio smoke memory',
    );
    expect(stderr()).toContain('serving MCP over stdio');
    expect(stderr()).toContain('shutting down');
    expect(stderr()).not.toContain('stdio smoke memory');
  });

  // The signal goes the moment the "serving" line arrives, as a client's may: a listener set up
  // after that line left a window in which the signal's default action killed the process.
  it('exits cleanly on SIGTERM and SIGINT, even one sent as soon as it says it is serving', async () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGTERM', 'SIGINT'] as const) {
      const child = spawnCli(['serve'], home.env);
      const { stderr } = collectOutput(child);
      let sent = false;
      child.stderr.on('data', () => {
        if (!sent && stderr().includes('serving MCP')) sent = child.kill(signal);
      });
      // A server that never says it is serving is stopped, and the test says what it printed.
      const stuck = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited(child);
      clearTimeout(stuck);
      expect(sent, stderr()).toBe(true);
      expect(code, signal).toBe(0);
      expect(stderr()).toContain(`shutting down (${signal})`);
    }
  });

  it('keeps memories across a restart', async () => {
    const first = await connectCli(home.env);
    const created = await first.callTool({
      name: 'create_memory',
      arguments: { content: 'remember me after restart' },
    });
    expect(created.isError).toBeFalsy();
    await first.close();

    const second = await connectCli(home.env);
    const found = await second.callTool({ name: 'search_memories', arguments: { query: 'restart' } });
    expect(JSON.stringify(found.structuredContent)).toContain('remember me after restart');
    await second.close();
  });

  it('loads the store into the search index by itself after starting, before any call needs it', async () => {
    const first = await connectCli(home.env);
    for (const content of ['first preloaded memory', 'second preloaded memory']) {
      expect((await first.callTool({ name: 'create_memory', arguments: { content } })).isError).toBeFalsy();
    }
    await first.close();

    const child = spawnCli(['serve'], { ...home.env, MEMORAM_LOG_LEVEL: 'debug' });
    const { stdout, stderr } = collectOutput(child);
    child.stdin.write(INIT);
    child.stdin.write(INITIALIZED);
    await expect.poll(stderr, { timeout: 15_000 }).toMatch(/memory index loaded.*"memories":2/);
    // Nothing but the handshake was asked for.
    expect(stdout().trim().split('\n')).toHaveLength(1);
    child.stdin.end();
    expect(await exited(child)).toBe(0);
  });

  it('stops with one line naming the flag and the variable on a bad setting', async () => {
    const result = await runCli(['serve'], { ...home.env, MEMORAM_LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--log-level / MEMORAM_LOG_LEVEL');
  });

  it('refuses a stray argument instead of ignoring it', async () => {
    const result = await runCli(['serve', 'extra'], home.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unexpected argument "extra"');
  });

  it('says so for an unknown command', async () => {
    const result = await runCli(['frobnicate'], home.env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command');
  });
});
