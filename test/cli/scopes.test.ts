// Scopes through the built CLI: two real server processes on one store, one with MEMORAM_SCOPE
// set, one with `auto` started inside a git repository, and `status` naming the scope.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CLI, runCli, type TempHome, tempHome } from './spawn.js';

let home: TempHome;
const clients: Client[] = [];

beforeEach(async () => {
  home = await tempHome();
});
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await home.cleanup();
});

async function serve(env: Record<string, string>, cwd: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve'],
    env: { ...home.env, ...env },
    cwd,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'scopes-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown>) {
  const result = (await client.callTool({ name, arguments: args })) as { structuredContent?: unknown };
  return result.structuredContent as Record<string, unknown> & { memories?: { title: string }[] };
}

const titles = (result: { memories?: { title: string }[] }) =>
  (result.memories ?? []).map((hit) => hit.title).sort();

it('two servers on one store each see their own scope and global memories, never the other’s', async () => {
  const repository = path.join(home.dir, 'Alpha Repo');
  await mkdir(path.join(repository, '.git'), { recursive: true });
  await mkdir(path.join(repository, 'lib'), { recursive: true });
  const alpha = await serve({ MEMORAM_SCOPE: 'auto' }, path.join(repository, 'lib'));
  const beta = await serve({ MEMORAM_SCOPE: 'beta' }, home.dir);

  expect(
    (await call(alpha, 'create_memory', { content: 'Alpha builds with make.', title: 'alpha build' })).scope,
  ).toBe('alpha-repo');
  await call(beta, 'create_memory', { content: 'Beta builds with gradle.', title: 'beta build' });
  await call(beta, 'create_memory', {
    content: 'The user builds before lunch.',
    title: 'global build',
    scope: null,
  });

  expect(titles(await call(alpha, 'search_memories', { query: 'builds' }))).toEqual([
    'alpha build',
    'global build',
  ]);
  expect(titles(await call(beta, 'search_memories', { query: 'builds' }))).toEqual([
    'beta build',
    'global build',
  ]);
  expect(titles(await call(beta, 'search_memories', { query: 'builds', scope: '*' }))).toEqual([
    'alpha build',
    'beta build',
    'global build',
  ]);

  const status = await runCli(['status', '--json'], { ...home.env, MEMORAM_SCOPE: 'beta' });
  expect(JSON.parse(status.stdout)).toMatchObject({
    scope: 'beta',
    scope_reason: 'MEMORAM_SCOPE',
    memory_count: 3,
  });
  const exported = JSON.parse((await runCli(['export'], home.env)).stdout);
  expect(exported.memories.map((memory: { scope: string | null }) => memory.scope).sort()).toEqual([
    'alpha-repo',
    'beta',
    null,
  ]);
});

it('auto does not take a dotfiles repository at the home folder for a project', async () => {
  // Many people keep their home folder in git (dotfiles); every folder under it would otherwise be
  // one scope named after the account.
  await mkdir(path.join(home.dir, '.git'), { recursive: true });
  const notes = path.join(home.dir, 'notes');
  await mkdir(notes, { recursive: true });
  const project = path.join(home.dir, 'code', 'Gamma');
  await mkdir(path.join(project, '.git'), { recursive: true });

  const env = { ...home.env, MEMORAM_SCOPE: 'auto' };
  const inNotes = JSON.parse((await runCli(['status', '--json'], env, '', notes)).stdout);
  expect(inNotes).toMatchObject({ scope: null });
  const inProject = JSON.parse((await runCli(['status', '--json'], env, '', project)).stdout);
  expect(inProject).toMatchObject({ scope: 'gamma' });

  const server = await serve({ MEMORAM_SCOPE: 'auto' }, notes);
  const created = await call(server, 'create_memory', { content: 'Dotfiles live in git.' });
  expect(created.scope ?? null).toBeNull(); // a global memory's answer leaves scope out
});
