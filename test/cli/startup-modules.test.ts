// What `serve` loads before its first tools/list is answered: only what that answer needs. The
// embedding providers (the tokenizer library, the HTTP client), the memory page, the HTTP server
// and the Memoram client load when used, if ever, and ajv (the JSON Schema validator of the SDK's
// Node shims, src/mcp/sdk-shims.ts) not at all: each was tens of milliseconds of every start. Read
// from the modules the real server process loads (a module hook records them), and from what
// esbuild bundled into each (its path comments).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, expect, it } from 'vitest';
import { CLI, type TempHome, tempHome } from './spawn.js';

const RECORDER = fileURLToPath(new URL('../helpers/record-loads.mjs', import.meta.url));

let home: TempHome | undefined;
afterEach(async () => {
  await home?.cleanup();
});

/** The sources esbuild bundled into the dist/ modules loaded (its `// path` comment above each). */
async function bundledSources(loadsFile: string): Promise<string[]> {
  const urls = (await readFile(loadsFile, 'utf8')).split('\n').filter(Boolean);
  const dist = urls.map((url) => fileURLToPath(url)).filter((file) => file.startsWith(path.dirname(CLI)));
  expect(dist).toContain(CLI);
  const sources = new Set<string>();
  for (const file of dist) {
    for (const match of (await readFile(file, 'utf8')).matchAll(/^\/\/ ((?:src|node_modules)\/\S+)$/gm))
      sources.add(match[1]!);
  }
  return [...sources];
}

it('loads only what the first tools/list needs before answering it', async () => {
  home = await tempHome();
  const loadsFile = path.join(home.dir, 'loads.txt');
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', RECORDER, CLI, 'serve'],
    env: { ...home.env, MEMORAM_TEST_LOADS_FILE: loadsFile },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'startup-modules', version: '1.0.0' });
  await client.connect(transport);
  expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  const sources = await bundledSources(loadsFile);
  await client.close();

  // What it did load: the server, the SDK, zod, the store.
  expect(sources).toContain('src/commands/serve.ts');
  expect(sources).toContain('src/store/search.ts');
  expect(sources.some((source) => source.startsWith('node_modules/@modelcontextprotocol/server/'))).toBe(
    true,
  );
  const unwanted = [
    /^node_modules\/undici\//,
    /^node_modules\/@huggingface\/tokenizers\//,
    /^node_modules\/ajv\//,
    /^node_modules\/@modelcontextprotocol\/server\/dist\/ajvProvider/,
    /^src\/embeddings\/(static-model|model-download|openai-provider|safetensors)\.ts$/,
    /^src\/ui\//,
    /^src\/mcp\/http[.-]/,
    /^src\/(memoram|auth|replica|emulator)\//,
  ];
  expect(sources.filter((source) => unwanted.some((pattern) => pattern.test(source)))).toEqual([]);
});
