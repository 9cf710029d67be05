/**
 * A third-party client: the MCP Inspector's CLI (`mcp-inspector --cli`) against the built server
 * over stdio, on a temp store. It lists every tool (with --strict, which reports tool-schema
 * portability problems), resource and prompt, and calls each one. Each run starts a fresh server
 * process on the same store, as a client restarting it would.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from '../cli/spawn.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const PACKAGE = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'node_modules',
  '@modelcontextprotocol',
  'inspector',
);
const manifest = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};
const INSPECTOR = path.join(PACKAGE, manifest.bin['mcp-inspector']!);

let dir: string;

beforeAll(async () => {
  dir = await makeTempDir('inspector');
});

afterAll(async () => {
  await removeTempDir(dir);
});

interface Run {
  stdout: string;
  stderr: string;
}

/** One Inspector CLI run; rejects on a non-zero exit (an error, or a portability problem under --strict). */
async function inspect(...args: string[]): Promise<Run> {
  const server = [
    '-e',
    `MEMORAM_DATA_DIR=${path.join(dir, 'data')}`,
    '-e',
    `MEMORAM_CONFIG_DIR=${path.join(dir, 'config')}`,
    '-e',
    'MEMORAM_EMBEDDINGS=off',
  ];
  // The Inspector writes a catalog under HOME unless told where; HOME is the temp dir too.
  const env = {
    ...process.env,
    HOME: dir,
    MCP_CATALOG_PATH: path.join(dir, 'catalog.json'),
    MEMORAM_BACKEND: 'local',
  };
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [INSPECTOR, '--cli', ...args, ...server, '-e', 'MEMORAM_BACKEND=local', '--', process.execPath, CLI],
    { env, timeout: 30_000 },
  );
  return { stdout, stderr };
}

const json = <T>(run: Run) => JSON.parse(run.stdout) as T;

interface ToolResult {
  isError?: boolean;
  structuredContent?: Record<string, unknown>;
  content: { type: string; text?: string }[];
}

async function call(tool: string, ...args: string[]): Promise<ToolResult> {
  const result = json<ToolResult>(
    await inspect(
      '--method',
      'tools/call',
      '--tool-name',
      tool,
      ...args.flatMap((arg) => ['--tool-arg', arg]),
    ),
  );
  expect(result.isError, JSON.stringify(result.content)).toBeFalsy();
  expect(result.structuredContent).toEqual(JSON.parse(result.content[0]?.text ?? 'null'));
  return result;
}

// A run spawns the Inspector and a server: about a second each, several per test.
describe('the MCP Inspector CLI over stdio', { timeout: 120_000 }, () => {
  it('lists the seven tools with no portability warning under --strict', async () => {
    const run = await inspect('--strict', '--method', 'tools/list');
    const { tools } = json<{ tools: { name: string }[] }>(run);
    expect(tools.map((tool) => tool.name)).toHaveLength(7);
    expect(run.stderr).not.toMatch(/warning|error|portab/i);
  });

  it('calls every tool', async () => {
    const created = await call(
      'create_memory',
      'content=The user takes oat milk in coffee.',
      'tags=["coffee"]',
    );
    const id = String(created.structuredContent?.['id']);
    const found = await call('search_memories', 'query=oat milk');
    expect(found.structuredContent?.['memories']).toEqual([expect.objectContaining({ id })]);
    expect(found.content.filter((block) => block.type === 'resource_link')).toHaveLength(1);
    expect((await call('read_memories', `ids=["${id}"]`)).structuredContent?.['memories']).toEqual([
      expect.objectContaining({ id, content: 'The user takes oat milk in coffee.' }),
    ]);
    expect((await call('update_memory', `id=${id}`, 'title=Coffee')).structuredContent).toMatchObject({
      title: 'Coffee',
    });
    expect((await call('list_tags')).structuredContent).toEqual({
      tags: [expect.objectContaining({ name: 'coffee', count: 1 })],
    });
    expect((await call('authorize')).structuredContent).toMatchObject({ state: 'local' });
    expect((await call('delete_memories', `ids=["${id}"]`)).structuredContent).toEqual({
      deleted: [id],
      not_found: [],
    });
  });

  it('lists and reads every resource and template', async () => {
    const { structuredContent } = await call('create_memory', 'content=Resource test memory.');
    const id = String(structuredContent?.['id']);
    const { resources } = json<{ resources: { uri: string }[] }>(await inspect('--method', 'resources/list'));
    const { resourceTemplates } = json<{ resourceTemplates: { uriTemplate: string }[] }>(
      await inspect('--method', 'resources/templates/list'),
    );
    expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual(['memoram://memories/{id}']);
    const uris = [...new Set([...resources.map((resource) => resource.uri), `memoram://memories/${id}`])];
    expect(uris).toEqual(expect.arrayContaining(['memoram://tags', 'memoram://status']));
    for (const uri of uris) {
      const { contents } = json<{ contents: { uri: string; text: string }[] }>(
        await inspect('--method', 'resources/read', '--uri', uri),
      );
      expect(contents[0]?.uri).toBe(uri);
      expect(() => JSON.parse(contents[0]?.text ?? '')).not.toThrow();
    }
  });

  it('lists and gets every prompt', async () => {
    const { prompts } = json<{ prompts: { name: string; arguments?: { name: string }[] }[] }>(
      await inspect('--method', 'prompts/list'),
    );
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual(['recall', 'remember']);
    for (const prompt of prompts) {
      const args = (prompt.arguments ?? []).map((argument) => `${argument.name}=coffee`);
      const { messages } = json<{ messages: { content: { text: string } }[] }>(
        await inspect('--method', 'prompts/get', '--prompt-name', prompt.name, '--prompt-args', ...args),
      );
      expect(messages[0]?.content.text).toContain('coffee');
    }
  });
});

describe('the MCP Inspector CLI over Streamable HTTP', { timeout: 120_000 }, () => {
  let server: ChildProcess;
  let url: string;
  let token: string;

  beforeAll(async () => {
    const env = {
      ...process.env,
      MEMORAM_DATA_DIR: path.join(dir, 'data'),
      MEMORAM_CONFIG_DIR: path.join(dir, 'config'),
      MEMORAM_BACKEND: 'local',
      MEMORAM_EMBEDDINGS: 'off',
    };
    server = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0'], { env });
    url = await new Promise<string>((resolve, reject) => {
      let stderr = '';
      server.stderr?.on('data', (chunk: Buffer) => {
        stderr += String(chunk);
        const found = /serving MCP over Streamable HTTP at (\S+)/.exec(stderr);
        if (found) resolve(found[1]!);
      });
      server.once('exit', (code) => reject(new Error(`serve --http exited (${code}): ${stderr}`)));
    });
    // The token serve --http made at its first start, sent the way the README shows.
    token = (await readFile(path.join(dir, 'config', 'http.token'), 'utf8')).trim();
  });

  afterAll(async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  });

  async function overHttp(...args: string[]): Promise<Run> {
    const env = { ...process.env, HOME: dir, MCP_CATALOG_PATH: path.join(dir, 'catalog.json') };
    return promisify(execFile)(
      process.execPath,
      [INSPECTOR, '--cli', url, '--header', `Authorization: Bearer ${token}`, ...args],
      {
        env,
        timeout: 30_000,
      },
    );
  }

  it('lists the tools with no portability warning, and calls one', async () => {
    const listed = await overHttp('--strict', '--method', 'tools/list');
    expect(json<{ tools: unknown[] }>(listed).tools).toHaveLength(7);
    expect(listed.stderr).not.toMatch(/warning|error|portab/i);
    const result = json<ToolResult>(
      await overHttp(
        '--method',
        'tools/call',
        '--tool-name',
        'create_memory',
        '--tool-arg',
        'content=Over HTTP.',
      ),
    );
    expect(result.isError).toBeFalsy();
    const found = json<ToolResult>(
      await overHttp('--method', 'tools/call', '--tool-name', 'search_memories', '--tool-arg', 'query=HTTP'),
    );
    expect(JSON.stringify(found.structuredContent)).toContain(String(result.structuredContent?.['id']));
  });

  it('lists and reads the resources and prompts', async () => {
    const { resources } = json<{ resources: { uri: string }[] }>(
      await overHttp('--method', 'resources/list'),
    );
    expect(resources.map((resource) => resource.uri)).toEqual(expect.arrayContaining(['memoram://status']));
    const read = json<{ contents: { uri: string }[] }>(
      await overHttp('--method', 'resources/read', '--uri', 'memoram://status'),
    );
    expect(read.contents[0]?.uri).toBe('memoram://status');
    const { prompts } = json<{ prompts: { name: string }[] }>(await overHttp('--method', 'prompts/list'));
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual(['recall', 'remember']);
  });
});
