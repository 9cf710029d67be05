// What a person sees when a command cannot start: one line naming the input and the fix, never a
// stack trace or "internal error" (issue 20, items 6 to 8). Each case runs the built CLI.
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectOutput, exited, runCli, spawnCli, type TempHome, tempHome } from './spawn.js';

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(() => home.cleanup());

/** A failed start: exit 1 or 2, nothing on stdout, and one line (plus usage, for a usage error). */
function expectOneLine(result: { code: number | null; stdout: string; stderr: string }, ...parts: string[]) {
  expect(result.stdout).toBe('');
  expect(result.code === 1 || result.code === 2).toBe(true);
  const first = result.stderr.split('\n')[0]!;
  for (const part of parts) expect(first).toContain(part);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toContain('    at ');
  if (result.code === 1) expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
}

describe('listening', () => {
  it('serves on an IPv6 address given in brackets, as in a URL', async () => {
    const child = spawnCli(['serve', '--http', '--host', '[::1]', '--port', '0'], home.env);
    const output = collectOutput(child);
    const closed = exited(child);
    for (let waited = 0; !output.stderr().includes('serving MCP over Streamable HTTP'); waited += 50) {
      if (child.exitCode !== null || waited > 15_000) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(output.stderr()).toMatch(/serving MCP over Streamable HTTP at http:\/\/\[::1\]:\d+\/mcp/);
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
  });

  it('names a host that does not resolve', async () => {
    const result = await runCli(['serve', '--http', '--host', 'no-such-host.invalid', '--port', '0'], {
      ...home.env,
      MEMORAM_HTTP_TOKEN: 'a-long-enough-random-token',
    });
    expectOneLine(result, 'no-such-host.invalid', 'does not resolve', '--host / MEMORAM_HOST');
  });

  it('names a port another program holds, for the emulator and serve --http', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = String((taken.address() as { port: number }).port);
    try {
      for (const command of [['emulator'], ['serve', '--http']]) {
        const result = await runCli([...command, '--port', port], home.env);
        expectOneLine(result, `127.0.0.1:${port}`, 'already uses', '--port / MEMORAM_PORT');
      }
    } finally {
      taken.close();
    }
  });
});

describe('the store path', () => {
  it('names a directory where memories.db should be, for status and serve', async () => {
    await mkdir(path.join(home.env.MEMORAM_DATA_DIR!, 'memories.db'), { recursive: true });
    for (const command of [['status'], ['serve']]) {
      const result = await runCli(command, home.env);
      expectOneLine(
        result,
        'memories.db is a directory, not a file',
        '--data-dir / MEMORAM_DATA_DIR (for the emulator, --db)',
      );
    }
  });

  it('names a file where the data or config folder should be', async () => {
    const file = path.join(home.dir, 'a-file');
    await writeFile(file, '');
    expectOneLine(
      await runCli(['status', '--data-dir', file], home.env),
      `${file} (or a folder above it) is a file, not a folder`,
      '--data-dir / MEMORAM_DATA_DIR',
    );
    expectOneLine(
      await runCli(['status', '--config-dir', file], home.env),
      `${file} (or a folder above it) is a file, not a folder`,
      '--config-dir / MEMORAM_CONFIG_DIR',
    );
  });
});

describe('values', () => {
  it('says what a boolean and a port take', async () => {
    expectOneLine(
      await runCli(['status'], { ...home.env, MEMORAM_READ_ONLY: 'maybe' }),
      'MEMORAM_READ_ONLY',
      'true or false',
    );
    expectOneLine(await runCli(['serve', '--http', '--port', 'abc'], home.env), '--port', 'from 0 to 65535');
  });

  it('refuses an empty flag value, naming the flag', async () => {
    expectOneLine(await runCli(['status', '--data-dir', ''], home.env), '--data-dir', 'empty value');
    expectOneLine(await runCli(['emulator', '--db='], home.env), '--db', 'empty value');
  });
});

describe('help', () => {
  it('help COMMAND prints that command’s help', async () => {
    const result = await runCli(['help', 'status'], home.env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^Usage: memoram-mcp status/);
    expect((await runCli(['help', 'nonsense'], home.env)).code).toBe(2);
  });
});

describe('import files', () => {
  it('refuses a file too large, a device and a directory in one line each', async () => {
    const big = path.join(home.dir, 'big.json');
    // Sparse: 600 MiB long, nothing on disk.
    await writeFile(big, '');
    await truncate(big, 600 * 1024 * 1024);
    expectOneLine(await runCli(['import', big], home.env), big, '600 MiB, too large', 'at most 64 MiB');
    expectOneLine(await runCli(['import', '/dev/zero'], home.env), '/dev/zero', 'not a regular file');
    expectOneLine(await runCli(['import', home.dir], home.env), home.dir, 'is a directory');
  });

  it('imports the good entries of an export with a null one and names the bad one by position', async () => {
    const file = path.join(home.dir, 'export.json');
    const memories = [{ content: 'one' }, null, { content: 'three' }];
    await writeFile(file, JSON.stringify({ format: 'memoram-mcp-export', version: 1, memories }));
    const result = await runCli(['import', file], home.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^entry 2: /m);
    expect(result.stderr).toContain('imported 2 new, 0 already present, 1 rejected');
  });
});

describe('status', () => {
  it('speaks to the person at the terminal, naming the command to run', async () => {
    const remote = { ...home.env, MEMORAM_API_KEY: 'mem_test', MEMORAM_API_URL: 'http://127.0.0.1:9/api/v1' };
    for (const env of [home.env, remote]) {
      for (const args of [['status'], ['status', '--json']]) {
        const result = await runCli(args, env);
        expect(result.code).toBe(0);
        expect(result.stdout).toMatch(/run memoram-mcp authorize/i);
        expect(result.stdout).not.toMatch(/call authorize|given you|the user/i);
      }
    }
  });
});
