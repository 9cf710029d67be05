// A memory's scope on Memoram, which has no field for it: the reserved tag on the wire, against
// the emulator over real HTTP, and never in what the tags, the replica or the model show.
import { afterEach, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/connection.js';
import { MemoryService } from '../../src/memory/service.js';
import { RemoteBackend } from '../../src/replica/remote-backend.js';
import { plaintext, remote } from '../backends/remote-setup.js';
import { callTool, connectPair, type Pair, text } from '../helpers/mcp-pair.js';

const pairs: Pair[] = [];
afterEach(async () => {
  for (const pair of pairs.splice(0)) await pair.close();
});

const bodyOf = (request: { body?: string | null | undefined } | undefined) =>
  JSON.parse(request?.body ?? '{}');

it('carries the scope as the tag memoram-scope:<name>, and reads it back as the scope', async () => {
  const { h, credentials, service, flow } = await remote();
  const memories = service();
  const { memory } = await memories.create({
    content: plaintext(h, 'Alpha deploys with Helm'),
    title: 'alpha deploy',
    tags: ['ops'],
    scope: 'alpha',
  });
  expect(memory).toMatchObject({ scope: 'alpha', tags: ['ops'] });
  const [post] = await h.requests('POST /memory-blobs');
  expect(bodyOf(post).tags).toEqual(['ops', 'memoram-scope:alpha']);
  expect(bodyOf(post)).not.toHaveProperty('scope');
  expect((await h.client.getMemoryBlob(memory.id, credentials.user_id)).tags).toEqual([
    'ops',
    'memoram-scope:alpha',
  ]);
  await memories.create({ content: plaintext(h, 'The user deploys on Tuesdays'), title: 'global deploy' });

  // Another process's replica, filled from Memoram alone, maps the tag back to the scope.
  const fresh = new RemoteBackend({
    client: h.client,
    credentials,
    refreshCredentials: () => flow.refreshCredentials(),
    logger: h.logger,
    refreshIntervalMs: Number.POSITIVE_INFINITY,
  });
  try {
    const other = new MemoryService(fresh);
    await other.refresh();
    const [read] = (await other.read([memory.id])).memories;
    expect(read).toMatchObject({ scope: 'alpha', tags: ['ops'] });
    const titles = async (current: string) =>
      (await other.search({ query: 'deploy', current })).memories.map((hit) => hit.title).sort();
    expect(await titles('alpha')).toEqual(['alpha deploy', 'global deploy']);
    expect(await titles('beta')).toEqual(['global deploy']);
    expect((await other.listTags({ scope: '*' })).map((tag) => tag.name)).toEqual(['ops']);
    expect(await other.listScopes()).toEqual([
      { name: null, count: 1 },
      { name: 'alpha', count: 1 },
    ]);
  } finally {
    await fresh.close();
  }
});

it('moves a memory between scopes by sending the whole tag list, and keeps the scope when only tags change', async () => {
  const { h, service } = await remote();
  const memories = service();
  const { memory } = await memories.create({
    content: plaintext(h, 'Beta runs on Postgres 16'),
    tags: ['db'],
    scope: 'alpha',
  });
  const patches = async () => (await h.requests('PATCH /memory-blobs/{blobId}')).map((p) => bodyOf(p).tags);

  expect(await memories.update(memory.id, { scope: 'beta' })).toMatchObject({ scope: 'beta', tags: ['db'] });
  expect(await memories.update(memory.id, { tags: ['db', 'infra'] })).toMatchObject({ scope: 'beta' });
  expect(await memories.update(memory.id, { title: 'no tags sent' })).toMatchObject({ scope: 'beta' });
  expect(await memories.update(memory.id, { scope: null })).toMatchObject({
    scope: null,
    tags: ['db', 'infra'],
  });
  expect(await patches()).toEqual([
    ['db', 'memoram-scope:beta'],
    ['db', 'infra', 'memoram-scope:beta'],
    undefined,
    ['db', 'infra'],
  ]);
});

it('never shows the reserved tag to the model: not in list_tags, hits, reads or resources', async () => {
  const { h, credentials, service } = await remote();
  const memories = service();
  const { memory } = await memories.create({
    content: plaintext(h, 'Gamma uses pnpm workspaces'),
    title: 'gamma tooling',
    tags: ['tooling'],
    scope: 'gamma',
  });
  const connection = new LocalConnection(memories);
  const pair = await connectPair(connection, { scope: { scope: 'gamma' } });
  pairs.push(pair);
  const seen = [
    text(await callTool(pair.client, 'list_tags', { scope: '*' })),
    text(await callTool(pair.client, 'search_memories', { query: 'pnpm', scope: '*' })),
    text(await callTool(pair.client, 'search_memories', {})),
    text(await callTool(pair.client, 'read_memories', { ids: [memory.id] })),
    JSON.stringify(await pair.client.readResource({ uri: 'memoram://tags' })),
    JSON.stringify(await pair.client.readResource({ uri: `memoram://memories/${memory.id}` })),
  ];
  expect(seen[0]).toContain('tooling');
  expect(seen[1]).toContain('gamma tooling');
  for (const shown of seen) expect(shown).not.toContain('memoram-scope');
  // Memoram's own tag list has it; the replica keeps it out of what it lists.
  const onMemoram = (await h.client.listTags(credentials.user_id)).items.map((tag) => tag.name);
  expect(onMemoram).toContain('memoram-scope:gamma');
});
