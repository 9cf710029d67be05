/**
 * Scopes through the MCP surface, with real clients against real servers over one real store
 * file: each server's current scope (MEMORAM_SCOPE, or `auto` from the git repository or the
 * client's roots), what its searches and tag lists see, and what its hits and tool text say.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalConnection } from '../../src/connection/connection.js';
import { MemoryService } from '../../src/memory/service.js';
import { openLocalBackend } from '../../src/store/local-backend.js';
import { callTool, connectPair, type Pair, type PairOptions, structured, text } from '../helpers/mcp-pair.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
const open: { pair: Pair; connection: LocalConnection }[] = [];

beforeEach(async () => {
  dir = await makeTempDir('mcp-scopes');
});
afterEach(async () => {
  for (const { pair, connection } of open.splice(0)) {
    await pair.close();
    await connection.close();
  }
  await removeTempDir(dir);
});

/** A server of its own (its own backend and database connection) on the one store in `dir`. */
async function server(options: PairOptions): Promise<Pair> {
  const backend = await openLocalBackend({
    storeFile: path.join(dir, 'data', 'memories.db'),
    configDir: path.join(dir, 'config'),
  });
  const connection = new LocalConnection(new MemoryService(backend));
  const pair = await connectPair(connection, options);
  open.push({ pair, connection });
  return pair;
}

type Hit = { id: string; title?: string; scope?: string };

async function search(pair: Pair, args: Record<string, unknown> = {}): Promise<Hit[]> {
  const result = await callTool(pair.client, 'search_memories', { query: 'deploy', ...args });
  expect(result.isError, text(result)).toBeFalsy();
  return structured<{ memories: Hit[] }>(result).memories;
}

const titles = (hits: Hit[]) => hits.map((hit) => hit.title).sort();

async function create(pair: Pair, args: Record<string, unknown>): Promise<{ id: string; scope?: string }> {
  const result = await callTool(pair.client, 'create_memory', args);
  expect(result.isError, text(result)).toBeFalsy();
  return structured(result);
}

async function status(pair: Pair): Promise<Record<string, unknown>> {
  const { contents } = await pair.client.readResource({ uri: 'memoram://status' });
  return JSON.parse((contents[0] as { text: string }).text);
}

async function createDescription(pair: Pair): Promise<string> {
  const { tools } = await pair.client.listTools();
  return tools.find((tool) => tool.name === 'create_memory')?.description ?? '';
}

describe.each(['legacy', 'modern'] as const)(
  'two servers with different current scopes on one store (%s era)',
  (era) => {
    it('each finds its own and the global memories, never the other’s unless asked for "*"', async () => {
      const alpha = await server({ era, scope: { scope: 'alpha' } });
      const beta = await server({ era, scope: { scope: 'beta' } });
      const a = await create(alpha, {
        content: 'We deploy alpha with Kubernetes.',
        title: 'alpha deploy',
        tags: ['ops'],
      });
      expect(a.scope).toBe('alpha');
      await create(beta, {
        content: 'We deploy beta by hand on Fridays.',
        title: 'beta deploy',
        tags: ['friday'],
      });
      const g = await create(alpha, {
        content: 'The user wants a deploy checklist before every release.',
        title: 'global deploy',
        scope: null,
      });
      expect(g.scope).toBeUndefined();

      expect(titles(await search(alpha))).toEqual(['alpha deploy', 'global deploy']);
      expect(titles(await search(beta))).toEqual(['beta deploy', 'global deploy']);
      // The most recent, without a query, are filtered the same way.
      expect(titles(await search(alpha, { query: undefined }))).toEqual(['alpha deploy', 'global deploy']);
      expect(titles(await search(alpha, { scope: '*' }))).toEqual([
        'alpha deploy',
        'beta deploy',
        'global deploy',
      ]);
      expect(titles(await search(beta, { scope: 'global' }))).toEqual(['global deploy']);
      expect(titles(await search(beta, { scope: 'alpha' }))).toEqual(['alpha deploy']);

      // A hit names its scope only when it is not the current one.
      const all = await search(alpha, { scope: '*' });
      expect(Object.fromEntries(all.map((hit) => [hit.title, hit.scope]))).toEqual({
        'alpha deploy': undefined,
        'beta deploy': 'beta',
        'global deploy': 'global',
      });

      const tags = async (pair: Pair, args = {}) =>
        structured<{ tags: { name: string }[] }>(await callTool(pair.client, 'list_tags', args)).tags.map(
          (tag) => tag.name,
        );
      expect(await tags(alpha)).toEqual(['ops']);
      expect(await tags(beta)).toEqual(['friday']);
      expect((await tags(beta, { scope: '*' })).sort()).toEqual(['friday', 'ops']);

      expect(await status(alpha)).toMatchObject({ scope: 'alpha', scope_reason: 'MEMORAM_SCOPE' });
      expect(await createDescription(beta)).toContain('Current scope: beta (MEMORAM_SCOPE).');
    });

    it('moves a memory to another scope, or to global, by update', async () => {
      const alpha = await server({ era, scope: { scope: 'alpha' } });
      const beta = await server({ era, scope: { scope: 'beta' } });
      const memory = await create(alpha, { content: 'We deploy from the release branch.', title: 'moving' });
      const moved = await callTool(alpha.client, 'update_memory', { id: memory.id, scope: 'beta' });
      expect(structured(moved)).toMatchObject({ id: memory.id, scope: 'beta' });
      expect(titles(await search(alpha))).toEqual([]);
      expect(titles(await search(beta))).toEqual(['moving']);
      const global = await callTool(beta.client, 'update_memory', { id: memory.id, scope: null });
      expect(structured(global).scope).toBeUndefined();
      expect(titles(await search(alpha))).toEqual(['moving']);
    });

    it('refuses a reserved tag and a scope that is no name', async () => {
      const alpha = await server({ scope: { scope: 'alpha' } });
      const reserved = await callTool(alpha.client, 'create_memory', {
        content: 'x',
        tags: ['memoram-scope:beta'],
      });
      expect(reserved.isError).toBe(true);
      expect(text(reserved)).toContain('reserved');
      const bad = await callTool(alpha.client, 'search_memories', { scope: 'no/such scope' });
      expect(bad.isError).toBe(true);
    });
  },
);

describe('MEMORAM_SCOPE=auto', () => {
  it('takes the name of the git repository holding the working directory', async () => {
    const repository = path.join(dir, 'My Project');
    await mkdir(path.join(repository, '.git'), { recursive: true });
    await mkdir(path.join(repository, 'src', 'deep'), { recursive: true });
    const pair = await server({ scope: { scope: 'auto', cwd: path.join(repository, 'src', 'deep') } });
    expect(await status(pair)).toMatchObject({
      scope: 'my-project',
      scope_reason: `the git repository ${repository}`,
    });
    expect((await create(pair, { content: 'Tabs, not spaces, in this codebase.' })).scope).toBe('my-project');
  });

  it('is no scope outside a git repository, when the client offers no roots', async () => {
    const pair = await server({ scope: { scope: 'auto', cwd: dir } });
    expect(await status(pair)).toMatchObject({ scope: null });
    expect((await create(pair, { content: 'Saved with no scope.' })).scope).toBeUndefined();
  });

  it('takes the client’s root, and follows it when the roots change', async () => {
    const first = path.join(dir, 'web-app');
    const second = path.join(dir, 'api');
    await mkdir(path.join(second, '.git'), { recursive: true });
    await mkdir(path.join(second, 'server'), { recursive: true });
    let roots = [{ uri: pathToFileURL(first).href, name: 'web-app' }];
    const toolListChanges: unknown[] = [];
    const pair = await server({
      // The server's own folder is a git repository of another name: the roots win over it.
      scope: { scope: 'auto', cwd: path.join(dir, 'elsewhere') },
      capabilities: { roots: { listChanged: true } },
      setup: (client) => {
        client.setRequestHandler('roots/list', () => ({ roots }));
        client.setNotificationHandler('notifications/tools/list_changed', (notification) => {
          toolListChanges.push(notification);
        });
      },
    });
    // A create made at once lands in the scope of the roots.
    expect((await create(pair, { content: 'The web app uses Vite.' })).scope).toBe('web-app');
    expect(await status(pair)).toMatchObject({
      scope: 'web-app',
      scope_reason: `the client's root ${first}`,
    });
    expect(await createDescription(pair)).toContain('Current scope: web-app');

    roots = [{ uri: pathToFileURL(path.join(second, 'server')).href, name: 'api' }];
    await pair.client.sendRootsListChanged();
    await vi.waitFor(async () => expect(await status(pair)).toMatchObject({ scope: 'api' }));
    await vi.waitFor(() => expect(toolListChanges.length).toBeGreaterThan(0));
    expect(await createDescription(pair)).toContain('Current scope: api');
    expect(titles(await search(pair, { query: 'vite' }))).toEqual([]);
    expect(titles(await search(pair, { query: 'vite', scope: 'web-app' }))).toHaveLength(1);

    // The client leaves every project: the last root's scope is no longer the one it works in.
    roots = [];
    await pair.client.sendRootsListChanged();
    await vi.waitFor(async () => expect(await status(pair)).toMatchObject({ scope: null }));
    expect((await create(pair, { content: 'Saved after the roots went away.' })).scope).toBeUndefined();
  });
});
