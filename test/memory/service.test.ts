import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoramError } from '../../src/memory/errors.js';
import { type ChangeEvent, MemoryService } from '../../src/memory/service.js';
import { openLocalBackend } from '../../src/store/local-backend.js';

let root: string;
let services: MemoryService[];

async function open(now?: () => number): Promise<MemoryService> {
  const backend = await openLocalBackend({
    storeFile: path.join(root, 'memories.db'),
    configDir: path.join(root, 'config'),
  });
  const service = new MemoryService(backend, now ? { now } : {});
  services.push(service);
  return service;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'memoram-service-'));
  services = [];
});
afterEach(async () => {
  for (const service of services) await service.close();
  await rm(root, { recursive: true, force: true });
});

describe('MemoryService search', () => {
  it('ranks title matches above content matches and finds prefixes and typos', async () => {
    const service = await open();
    const body = await service.create({ content: 'We talked about the espresso machine at the office.' });
    const title = await service.create({
      content: 'Likes it strong, no sugar.',
      title: 'Espresso preference',
    });
    await service.create({ content: 'Unrelated note about gardening and tomatoes.' });
    const hits = (await service.search({ query: 'espresso' })).memories;
    expect(hits.map((hit) => hit.id)).toEqual([title.memory.id, body.memory.id]);
    expect((await service.search({ query: 'espres' })).memories).toHaveLength(2);
    expect((await service.search({ query: 'tomatoe' })).memories).toHaveLength(1);
    expect((await service.search({ query: 'gardenning' })).memories).toHaveLength(1);
  });

  it('blends importance into the score when relevance ties', async () => {
    const service = await open();
    const low = await service.create({ content: 'Project Falcon deadline is in March.', importance: 0.1 });
    const high = await service.create({ content: 'Project Falcon budget was approved.', importance: 0.9 });
    const ids = (await service.search({ query: 'falcon' })).memories.map((hit) => hit.id);
    expect(ids).toEqual([high.memory.id, low.memory.id]);
  });

  it('returns compact hits with a snippet around the match and no content', async () => {
    const service = await open();
    const long = `${'filler words here '.repeat(40)}the secret ingredient is cardamom ${'more filler '.repeat(40)}`;
    await service.create({ content: long, title: 'Recipe' });
    const [hit] = (await service.search({ query: 'cardamom' })).memories;
    expect(hit).toBeDefined();
    expect(hit).not.toHaveProperty('content');
    expect(hit!.snippet).toContain('cardamom');
    expect(hit!.snippet.length).toBeLessThanOrEqual(162);
    expect(hit!.score).toBeGreaterThan(0);
  });

  it('filters by tags (any of), importance, source and creation time', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const service = await open(() => clock);
    const a = await service.create({ content: 'alpha', tags: ['Work'], importance: 0.9, source: 'cursor' });
    clock += 86_400_000;
    // The store stamps created_at from the real clock: make sure the two differ.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const b = await service.create({ content: 'beta', tags: ['home'], importance: 0.2, source: 'claude' });
    const ids = async (params: Parameters<MemoryService['search']>[0]) =>
      (await service.search(params)).memories.map((hit) => hit.id).sort();
    expect(await ids({ tags: ['work', 'nothing'] })).toEqual([a.memory.id]);
    expect(await ids({ minImportance: 0.5 })).toEqual([a.memory.id]);
    expect(await ids({ source: 'claude' })).toEqual([b.memory.id]);
    expect(await ids({ createdAfter: a.memory.created_at })).toEqual([a.memory.id, b.memory.id].sort());
    expect(await ids({ createdBefore: b.memory.created_at })).toEqual([a.memory.id]);
  });

  it('lists the most recent first for an empty query, and pages with a cursor tied to the search', async () => {
    const service = await open();
    const created: string[] = [];
    for (let i = 0; i < 23; i++)
      created.push((await service.create({ content: `memory number ${i}` })).memory.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.search({ limit: 10, cursor });
      seen.push(...page.memories.map((hit) => hit.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(23);
    expect(seen[0]).toBe(created.at(-1));
    const first = await service.search({ query: 'memory', limit: 5 });
    await expect(service.search({ query: 'other', cursor: first.next_cursor! })).rejects.toThrow(
      /does not belong/,
    );
    await expect(service.search({ cursor: 'junk' })).rejects.toBeInstanceOf(MemoramError);
  });
});

describe('MemoryService writes', () => {
  it('deduplicates identical content and lists near-duplicates as similar', async () => {
    const service = await open();
    const first = await service.create({ content: 'The user lives in Lisbon and works remotely.' });
    const again = await service.create({ content: '  The user lives in Lisbon and works remotely. ' });
    expect(again).toMatchObject({ deduplicated: true, memory: { id: first.memory.id } });
    const near = await service.create({ content: 'The user lives in Lisbon and works remotely now.' });
    expect(near.deduplicated).toBe(false);
    expect(near.similar).toEqual([{ id: first.memory.id, title: '' }]);
    expect(await service.count()).toBe(2);
  });

  it('applies defaults and normalises tags', async () => {
    const service = await open();
    const { memory } = await service.create({ content: 'x', tags: [' Work ', 'work', 'Home'] });
    expect(memory).toMatchObject({ importance: 0.5, confidence: 1, tags: ['work', 'home'] });
  });

  it('reads content back, reports unknown ids, and deletes only what exists', async () => {
    const service = await open();
    const { memory } = await service.create({ content: 'read me' });
    expect(await service.read([memory.id, 'mem_nope', memory.id])).toEqual({
      memories: [expect.objectContaining({ id: memory.id, content: 'read me' })],
      not_found: ['mem_nope'],
    });
    expect(await service.delete([memory.id, 'mem_nope'])).toEqual({
      deleted: [memory.id],
      not_found: ['mem_nope'],
    });
    expect((await service.search({})).memories).toEqual([]);
  });

  it('updates with optimistic concurrency and refuses empty updates', async () => {
    const service = await open();
    const { memory } = await service.create({ content: 'v1' });
    const updated = await service.update(memory.id, { content: 'v2 about rockets' }, memory.updated_at);
    expect((await service.search({ query: 'rockets' })).memories.map((hit) => hit.id)).toEqual([memory.id]);
    await expect(service.update(memory.id, { title: 'late' }, memory.updated_at)).rejects.toThrow(
      updated.updated_at,
    );
    await expect(service.update(memory.id, {})).rejects.toThrow(/Nothing to update/);
    await expect(service.update('mem_nope', { title: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('tells listeners what changed', async () => {
    const service = await open();
    const events: ChangeEvent[] = [];
    service.onChange((event) => events.push(event));
    const { memory } = await service.create({ content: 'x' });
    await service.create({ content: 'x' });
    await service.update(memory.id, { title: 't' });
    await service.delete([memory.id]);
    expect(events).toEqual([
      { type: 'created', ids: [memory.id] },
      { type: 'updated', ids: [memory.id] },
      { type: 'deleted', ids: [memory.id] },
    ]);
  });

  it('counts tags in use, most used first', async () => {
    const service = await open();
    await service.create({ content: 'a', tags: ['x'] });
    const { memory } = await service.create({ content: 'b', tags: ['y', 'x'] });
    await service.update(memory.id, { tags: ['x'] });
    expect(await service.listTags()).toEqual([expect.objectContaining({ name: 'x', count: 2 })]);
  });
});

describe('two services on one store file', () => {
  it('see each other’s creates, updates and deletes, and agree on duplicates', async () => {
    const one = await open();
    const two = await open();
    const { memory } = await one.create({ content: 'shared between processes about kayaking' });
    expect((await two.search({ query: 'kayaking' })).memories.map((hit) => hit.id)).toEqual([memory.id]);
    expect((await two.create({ content: 'shared between processes about kayaking' })).deduplicated).toBe(
      true,
    );
    await two.update(memory.id, { title: 'Kayak' });
    expect((await one.search({ query: 'kayak' })).memories[0]?.title).toBe('Kayak');
    await two.delete([memory.id]);
    expect((await one.search({ query: 'kayaking' })).memories).toEqual([]);
  });
});

describe('MemoryService text', () => {
  it('keeps text as the store reads it back: a lone surrogate becomes U+FFFD everywhere', async () => {
    const service = await open();
    const created = await service.create({
      content: 'half \ud83d of an emoji',
      title: 'odd \udc00 title',
      tags: ['x\ud800'],
    });
    const { id } = created.memory;
    expect(created.memory).toMatchObject({ title: 'odd \ufffd title', tags: ['x\ufffd'] });
    const [indexed] = await service.all();
    const [stored] = (await (await open()).read([id])).memories;
    expect(indexed).toEqual(stored);
    expect(stored).toMatchObject({ content: 'half \ufffd of an emoji', title: 'odd \ufffd title' });

    await service.update(id, { content: 'still \ud800 odd' });
    const [again] = (await (await open()).read([id])).memories;
    expect((await service.all())[0]).toEqual(again);
    expect(again!.content).toBe('still \ufffd odd');
  });
});
