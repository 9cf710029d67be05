// A command's stdout is written whole before it exits, or it exits non-zero saying it could not:
// `export | gzip` must never leave a truncated backup behind a success.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, type RunResult, runCli, spawnCli, type TempHome, tempHome } from './spawn.js';

let home: TempHome;
const MEMORIES = 1200;

beforeAll(async () => {
  home = await tempHome();
  const memories = Array.from({ length: MEMORIES }, (_, index) => ({
    content: `export memory ${index} ${'lorem ipsum dolor '.repeat(60)}`,
  }));
  const file = path.join(home.dir, 'in.json');
  await writeFile(file, JSON.stringify({ format: 'memoram-mcp-export', version: 1, memories }));
  const imported = await runCli(['import', file], home.env);
  expect(imported.code).toBe(0);
}, 120_000);
afterAll(() => home.cleanup());

function run(command: string, args: string[], stdio: ('pipe' | 'ignore' | number)[]): Promise<RunResult> {
  const child = spawn(command, args, { env: home.env, stdio });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('commands write all of stdout', () => {
  it('exports every memory into a pipe whose reader starts late', async () => {
    const out = path.join(home.dir, 'piped.json');
    // The reader sleeps first, so the pipe's buffer (64 KiB) fills while the export is still writing.
    const script = `"${process.execPath}" "${CLI}" export | (sleep 1; cat) > "${out}"; echo "status $?"`;
    const result = await run('sh', ['-c', script], ['ignore', 'pipe', 'pipe']);
    const exported = JSON.parse(await readFile(out, 'utf8')) as { memories: unknown[] };
    expect(exported.memories).toHaveLength(MEMORIES);
    expect(result.stderr).toBe('');
  });

  it('exits non-zero, saying so, when the reader closes early (EPIPE)', async () => {
    const child = spawnCli(['export'], home.env);
    child.stdin.end();
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    // Read the first chunk, then hang up, as `export | head -c 100` does.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain('could not write');
    expect(stderr).toContain('EPIPE');
    expect(stderr).not.toContain('    at ');
  });

  it('exits non-zero, saying so, when stdout is a full disk', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const result = await run(process.execPath, [CLI, 'export'], ['ignore', full, 'pipe']);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('could not write');
      expect(result.stderr).toContain('ENOSPC');
      expect(result.stderr).not.toContain('    at ');
    } finally {
      closeSync(full);
    }
  });

  it('still exits 0 with the whole output into a file', async () => {
    const out = path.join(home.dir, 'file.json');
    const fd = openSync(out, 'w');
    try {
      const result = await run(process.execPath, [CLI, 'export'], ['ignore', fd, 'pipe']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
    } finally {
      closeSync(fd);
    }
    expect((JSON.parse(await readFile(out, 'utf8')) as { memories: unknown[] }).memories).toHaveLength(
      MEMORIES,
    );
  });
});
