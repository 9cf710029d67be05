// Several server processes starting together on a fresh install (Claude Desktop and Cursor opening
// at once) all create the local key at the same moment: every one must come away with the same
// key, and none may see a half-written file and call it damaged. The children run the module
// bundled from src/.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childModule } from '../helpers/child-module.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const PROCESSES = 16;
const CALLS_PER_PROCESS = 2;
const ROUNDS = 20;

// Each line on stdin names a fresh config dir; the worker answers with the keys its calls got.
const worker = (module: string) => `
import { createInterface } from 'node:readline';
const { loadOrCreateLocalKey } = await import(${JSON.stringify(module)});
for await (const dir of createInterface({ input: process.stdin })) {
  const calls = Array.from({ length: ${CALLS_PER_PROCESS} }, () =>
    loadOrCreateLocalKey(dir).then((key) => key.toString('hex'), (error) => 'error: ' + error.message));
  process.stdout.write(JSON.stringify(await Promise.all(calls)) + '\\n');
}`;

interface Worker {
  child: ChildProcessWithoutNullStreams;
  answer(dir: string): Promise<string[]>;
}

function startWorker(module: string): Worker {
  const child = spawn(process.execPath, ['--input-type=module', '-e', worker(module)], { stdio: 'pipe' });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    child,
    async answer(dir) {
      child.stdin.write(`${dir}\n`);
      const line = await lines.next();
      return JSON.parse(line.value as string) as string[];
    },
  };
}

let root: string;
let workers: Worker[];
beforeAll(async () => {
  root = await makeTempDir('key-race');
  const module = await childModule('src/crypto/local-key.ts', root);
  workers = Array.from({ length: PROCESSES }, () => startWorker(module));
});
afterAll(async () => {
  for (const worker of workers) worker.child.stdin.end();
  await removeTempDir(root);
});

describe('local key creation across processes', () => {
  it('gives every process the same whole key on a fresh config dir', async () => {
    const failures: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dir = path.join(root, `config-${round}`);
      const keys = (await Promise.all(workers.map((worker) => worker.answer(dir)))).flat();
      const file = path.join(dir, 'local.key');
      const distinct = new Set([...keys, (await readFile(file, 'utf8')).trim()]);
      if (distinct.size !== 1) failures.push(`round ${round}: ${[...distinct].join(' | ')}`);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    }
    expect(failures).toEqual([]);
  });
});
