// One set of cases, run against both backends through the MemoryService: what a memory operation
// means must not depend on where memories live.
import { describe, expect, it } from 'vitest';
import { MemoryService } from '../../src/memory/service.js';
import { BACKENDS } from './setup.js';

describe.each(BACKENDS)('backend contract: %s', (_name, make) => {
  const service = async () => new MemoryService(await make());

  it('creates, reads, updates and deletes a memory', async () => {
    const memories = await service();
    const { memory } = await memories.create({
      content: 'The user takes their tea with oat milk.',
      title: 'Tea',
      summary: 'How the user likes tea',
      tags: ['Preferences', 'food'],
      importance: 0.8,
      confidence: 0.9,
      source: 'contract',
    });
    expect(memory).toMatchObject({
      title: 'Tea',
      summary: 'How the user likes tea',
      tags: ['preferences', 'food'],
      importance: 0.8,
      confidence: 0.9,
      source: 'contract',
    });
    expect(memory).not.toHaveProperty('content');

    const read = await memories.read([memory.id, 'mem_000000000000000000000000']);
    expect(read.memories[0]).toMatchObject({
      id: memory.id,
      content: 'The user takes their tea with oat milk.',
    });
    expect(read.not_found).toEqual(['mem_000000000000000000000000']);

    const updated = await memories.update(memory.id, {
      content: 'The user takes their tea black.',
      tags: ['drinks'],
    });
    expect(updated.tags).toEqual(['drinks']);
    expect(updated.updated_at >= memory.updated_at).toBe(true);
    expect((await memories.read([memory.id])).memories[0]?.content).toBe('The user takes their tea black.');

    expect(await memories.delete([memory.id, memory.id])).toEqual({ deleted: [memory.id], not_found: [] });
    expect(await memories.delete([memory.id])).toEqual({ deleted: [], not_found: [memory.id] });
    expect((await memories.read([memory.id])).memories).toEqual([]);
  });

  it('searches decrypted content, filters, and pages', async () => {
    const memories = await service();
    for (let i = 0; i < 12; i++) {
      await memories.create({
        content: `Trip note ${i}: hiking in the Dolomites`,
        tags: i % 2 ? ['odd'] : ['even'],
      });
    }
    await memories.create({ content: 'Something about databases', importance: 0.95 });
    const first = await memories.search({ query: 'dolomites', limit: 5 });
    expect(first.memories).toHaveLength(5);
    const second = await memories.search({ query: 'dolomites', limit: 5, cursor: first.next_cursor! });
    const third = await memories.search({ query: 'dolomites', limit: 5, cursor: second.next_cursor! });
    expect(third.next_cursor).toBeNull();
    expect(new Set([...first.memories, ...second.memories, ...third.memories].map((m) => m.id)).size).toBe(
      12,
    );
    expect((await memories.search({ query: 'dolomites', tags: ['odd'] })).memories).toHaveLength(6);
    expect((await memories.search({ minImportance: 0.9 })).memories.map((m) => m.snippet)).toEqual([
      'Something about databases',
    ]);
  });

  it('returns the existing memory for identical content', async () => {
    const memories = await service();
    const first = await memories.create({ content: 'Allergic to peanuts.' });
    const again = await memories.create({ content: 'Allergic to peanuts.' });
    expect(again).toMatchObject({ deduplicated: true, memory: { id: first.memory.id } });
    expect(await memories.count()).toBe(1);
  });

  it('refuses a stale expected_updated_at and reports unknown ids on update', async () => {
    const memories = await service();
    const { memory } = await memories.create({ content: 'v1' });
    const updated = await memories.update(memory.id, { title: 'second' }, memory.updated_at);
    await expect(memories.update(memory.id, { title: 'third' }, memory.updated_at)).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining(updated.updated_at),
    });
    await expect(memories.update('mem_000000000000000000000000', { title: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('lists tags in use with counts', async () => {
    const memories = await service();
    await memories.create({ content: 'a', tags: ['work', 'urgent'] });
    await memories.create({ content: 'b', tags: ['work'] });
    expect((await memories.listTags()).map(({ name, count }) => ({ name, count }))).toEqual([
      { name: 'work', count: 2 },
      { name: 'urgent', count: 1 },
    ]);
  });
});
