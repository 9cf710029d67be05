import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type TempHome, tempHome } from './spawn.js';

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(() => home.cleanup());

describe('memoram-mcp status, export and import', () => {
  it('imports a file, reports the count, and exports it back as JSON and Markdown', async () => {
    const file = path.join(home.dir, 'in.json');
    await writeFile(
      file,
      JSON.stringify({
        format: 'memoram-mcp-export',
        version: 1,
        memories: [{ content: 'imported one', title: 'One', tags: ['cli'] }, { content: 'imported two' }],
      }),
    );
    const imported = await runCli(['import', file], home.env);
    expect(imported).toMatchObject({ code: 0, stdout: '' });
    expect(imported.stderr).toContain('imported 2 new, 0 already present, 0 rejected');

    const status = await runCli(['status', '--json'], home.env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ backend: 'local', state: 'local', memory_count: 2 });
    expect((await runCli(['status'], home.env)).stdout).toMatch(/memories\s+2/);

    const exported = await runCli(['export'], home.env);
    expect(exported.code).toBe(0);
    const json = JSON.parse(exported.stdout) as { memories: { content: string }[] };
    expect(json.memories.map((memory) => memory.content)).toEqual(['imported one', 'imported two']);
    const markdown = await runCli(['export', '--format', 'markdown'], home.env);
    expect(markdown.stdout).toContain('## One');
  });

  it('rejects a bad export format and a missing import file clearly', async () => {
    const format = await runCli(['export', '--format', 'xml'], home.env);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain('--format');
    const missing = await runCli(['import', path.join(home.dir, 'nope.json')], home.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Cannot read');
  });

  it('reports a damaged store clearly instead of crashing, and leaves the file alone', async () => {
    const store = path.join(home.env.MEMORAM_DATA_DIR!, 'memories.db');
    await mkdir(home.env.MEMORAM_DATA_DIR!, { recursive: true });
    const garbage = 'not a database '.repeat(500);
    await writeFile(store, garbage);
    for (const command of [['status'], ['serve']]) {
      const result = await runCli(command, home.env);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('is damaged or is not a memoram-mcp store');
      expect(result.stderr).not.toContain('    at ');
    }
    expect(await readFile(store, 'utf8')).toBe(garbage);
  });

  it('prints help and version', async () => {
    expect((await runCli(['--help'], home.env)).stdout).toContain('memoram-mcp status');
    expect((await runCli(['--version'], home.env)).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
