import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callTool, type Pair, startLocal, structured, text } from '../../helpers/mcp-pair.js';

interface Meta {
  id: string;
  title: string;
  tags: string[];
  source: string | null;
  importance: number | null;
  updated_at: string;
}

let pair: Pair;

beforeEach(async () => {
  pair = await startLocal();
});

afterEach(async () => {
  await pair.close();
});

const create = async (args: Record<string, unknown>) => {
  const result = await callTool(pair.client, 'create_memory', args);
  expect(result.isError, text(result)).toBeFalsy();
  return structured<Meta & { deduplicated: boolean; similar: { id: string; title: string }[] }>(result);
};

describe('create_memory', () => {
  it('stores a memory and answers it without content, the same JSON as text', async () => {
    const result = await callTool(pair.client, 'create_memory', {
      content: 'The user prefers tabs over spaces in TypeScript projects.',
      title: 'Indentation preference',
      tags: ['Preferences', 'code'],
      importance: 0.8,
    });
    const memory = structured<Meta & { deduplicated: boolean }>(result);
    expect(result.isError).toBeFalsy();
    expect(memory).toMatchObject({
      title: 'Indentation preference',
      tags: ['preferences', 'code'],
      importance: 0.8,
      deduplicated: false,
      similar: [],
    });
    expect(memory).not.toHaveProperty('content');
    expect(text(result)).toBe(JSON.stringify(memory));
  });

  it('defaults source to the client name from initialize, and keeps an explicit one', async () => {
    expect((await create({ content: 'first' })).source).toBe('test-client');
    expect((await create({ content: 'second', source: 'import' })).source).toBe('import');
  });

  it('deduplicates identical content, so a retry never stores a second copy', async () => {
    const first = await create({ content: 'Lives in Lisbon.' });
    const again = await create({ content: 'Lives in Lisbon.', title: 'retry' });
    expect(again).toMatchObject({ id: first.id, deduplicated: true, similar: [] });
  });

  it('lists near-duplicates as similar, and still stores the new memory', async () => {
    const first = await create({
      content: 'The user drinks green tea every morning before work',
      title: 'Morning tea',
    });
    const second = await create({ content: 'The user drinks green tea every morning before working' });
    expect(second.deduplicated).toBe(false);
    expect(second.id).not.toBe(first.id);
    expect(second.similar).toEqual([{ id: first.id, title: 'Morning tea' }]);
  });

  it.each([
    ['title', { content: 'x', title: 'a'.repeat(201) }, 'title: title must be at most 200 characters'],
    ['tags', { content: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags: at most 20 tags'],
    ['content size', { content: 'é'.repeat(16 * 1024 + 1) }, 'content: content must be at most 32768 bytes'],
    ['empty content', { content: '   ' }, 'content: content must not be empty'],
    ['importance', { content: 'x', importance: 1.5 }, 'importance: must be between 0 and 1'],
    ['missing content', { title: 'no content' }, 'content:'],
  ])('refuses an invalid %s with an error naming the field and the limit', async (_case, args, message) => {
    const result = await callTool(pair.client, 'create_memory', args);
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(message);
  });
});

describe('search_memories', () => {
  it('answers compact hits with snippets and one resource link per hit, never full content', async () => {
    const long = `Project Falcon notes. ${'filler words here. '.repeat(40)}The deadline is in March.`;
    const memory = await create({ content: long, title: 'Falcon', summary: 'Project notes' });
    const result = await callTool(pair.client, 'search_memories', { query: 'falcon deadline' });
    const { memories } = structured<{ memories: Record<string, unknown>[] }>(result);
    expect(memories).toHaveLength(1);
    expect(memories[0]).toMatchObject({ id: memory.id, title: 'Falcon' });
    expect(memories[0]).not.toHaveProperty('content');
    expect(memories[0]).not.toHaveProperty('summary');
    expect(String(memories[0]?.['snippet']).length).toBeLessThan(200);
    expect(typeof memories[0]?.['score']).toBe('number');
    expect(text(result)).not.toContain(long);
    const links = (result.content as { type: string; uri?: string }[]).filter(
      (b) => b.type === 'resource_link',
    );
    expect(links).toEqual([
      expect.objectContaining({ uri: `memoram://memories/${memory.id}`, name: 'Falcon' }),
    ]);
  });

  it('lists the most recent memories for an empty query and pages with next_cursor', async () => {
    for (const n of [1, 2, 3, 4, 5]) await create({ content: `memory number ${n}`, title: `m${n}` });
    const titles: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 3; page++) {
      const result = await callTool(pair.client, 'search_memories', {
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      const body = structured<{ memories: Meta[]; next_cursor: string | null }>(result);
      titles.push(...body.memories.map((m) => m.title));
      cursor = body.next_cursor ?? undefined;
    }
    expect(titles).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']);
    expect(cursor).toBeUndefined();
  });

  it('refuses a cursor from another search', async () => {
    for (const n of [1, 2, 3]) await create({ content: `note ${n}` });
    const first = await callTool(pair.client, 'search_memories', { limit: 1 });
    const cursor = structured<{ next_cursor: string }>(first).next_cursor;
    const result = await callTool(pair.client, 'search_memories', { query: 'note', limit: 1, cursor });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('The cursor does not belong to this search.');
  });

  it('filters by tags (any of), importance, source and creation time', async () => {
    await create({ content: 'alpha', tags: ['work'], importance: 0.9, source: 'cursor' });
    await create({ content: 'beta', tags: ['home'], importance: 0.2 });
    await create({ content: 'gamma', tags: ['travel', 'work'], importance: 0.5 });
    const titlesFor = async (args: Record<string, unknown>) => {
      const result = await callTool(pair.client, 'search_memories', args);
      expect(result.isError, text(result)).toBeFalsy();
      return structured<{ memories: { snippet: string }[] }>(result)
        .memories.map((m) => m.snippet)
        .sort();
    };
    expect(await titlesFor({ tags: ['work', 'nothing'] })).toEqual(['alpha', 'gamma']);
    expect(await titlesFor({ min_importance: 0.5 })).toEqual(['alpha', 'gamma']);
    expect(await titlesFor({ source: 'cursor' })).toEqual(['alpha']);
    expect(await titlesFor({ created_after: '2000-01-01T00:00:00Z' })).toEqual(['alpha', 'beta', 'gamma']);
    expect(await titlesFor({ created_before: '2000-01-01T00:00:00+01:00' })).toEqual([]);
  });

  it.each([
    ['limit 51', { limit: 51 }, 'limit: limit must be at most 50'],
    ['limit 0', { limit: 0 }, 'limit: limit must be at least 1'],
    ['a bare date', { created_after: '2025-01-31' }, 'created_after: must be an ISO 8601 date-time'],
    ['a non-date', { created_before: 'yesterday' }, 'created_before: must be an ISO 8601 date-time'],
    ['a long query', { query: 'q'.repeat(501) }, 'query: query must be at most 500 characters'],
  ])('refuses %s with an error naming the field and the limit', async (_case, args, message) => {
    const result = await callTool(pair.client, 'search_memories', args);
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(message);
  });
});

describe('read_memories', () => {
  it('returns full content and lists unknown ids as not_found', async () => {
    const memory = await create({ content: 'The dog is called Pixel.', title: 'Dog' });
    const result = await callTool(pair.client, 'read_memories', { ids: [memory.id, 'mem_missing'] });
    expect(structured(result)).toEqual({
      memories: [expect.objectContaining({ id: memory.id, content: 'The dog is called Pixel.' })],
      not_found: ['mem_missing'],
    });
  });

  it('refuses more than 20 ids, and none', async () => {
    const many = await callTool(pair.client, 'read_memories', {
      ids: Array.from({ length: 21 }, (_, i) => `m${i}`),
    });
    expect(text(many)).toContain('ids: at most 20 ids per call');
    const none = await callTool(pair.client, 'read_memories', { ids: [] });
    expect(text(none)).toContain('ids: pass at least one id');
  });
});

describe('update_memory', () => {
  it('changes only the given fields; tags replace the list', async () => {
    const memory = await create({ content: 'Uses vim.', title: 'Editor', tags: ['tools', 'old'] });
    const result = await callTool(pair.client, 'update_memory', {
      id: memory.id,
      content: 'Uses Neovim.',
      tags: ['Tools'],
    });
    expect(result.isError, text(result)).toBeFalsy();
    const updated = structured<Meta>(result);
    expect(updated).toMatchObject({ id: memory.id, title: 'Editor', tags: ['tools'] });
    expect(updated).not.toHaveProperty('content');
    expect(updated.updated_at > memory.updated_at).toBe(true);
    const read = await callTool(pair.client, 'read_memories', { ids: [memory.id] });
    expect(structured<{ memories: { content: string }[] }>(read).memories[0]?.content).toBe('Uses Neovim.');
  });

  it('refuses a stale expected_updated_at and says what updated_at is now', async () => {
    const memory = await create({ content: 'Works at Acme.' });
    const first = await callTool(pair.client, 'update_memory', { id: memory.id, title: 'Job' });
    const current = structured<Meta>(first).updated_at;
    const result = await callTool(pair.client, 'update_memory', {
      id: memory.id,
      title: 'Employer',
      expected_updated_at: memory.updated_at,
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain(`updated_at is now ${current}`);
    expect(text(result)).toContain('read_memories');
    const ok = await callTool(pair.client, 'update_memory', {
      id: memory.id,
      title: 'Employer',
      expected_updated_at: current,
    });
    expect(structured<Meta>(ok).title).toBe('Employer');
  });

  it('answers an unknown id and an empty change with what to do next', async () => {
    const unknown = await callTool(pair.client, 'update_memory', { id: 'mem_nope', title: 'x' });
    expect(unknown.isError).toBe(true);
    expect(text(unknown)).toBe('No memory has the id mem_nope. Use search_memories to find the right id.');
    const memory = await create({ content: 'something' });
    const empty = await callTool(pair.client, 'update_memory', { id: memory.id });
    expect(empty.isError).toBe(true);
    expect(text(empty)).toContain('Nothing to update.');
  });
});

describe('delete_memories', () => {
  it('deletes what exists and reports the rest as not_found', async () => {
    const memory = await create({ content: 'to forget' });
    const result = await callTool(pair.client, 'delete_memories', { ids: [memory.id, 'mem_ghost'] });
    expect(structured(result)).toEqual({ deleted: [memory.id], not_found: ['mem_ghost'] });
    const again = await callTool(pair.client, 'delete_memories', { ids: [memory.id] });
    expect(structured(again)).toEqual({ deleted: [], not_found: [memory.id] });
  });

  it('refuses more than 50 ids', async () => {
    const result = await callTool(pair.client, 'delete_memories', {
      ids: Array.from({ length: 51 }, (_, i) => `m${i}`),
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toContain('ids: at most 50 ids per call');
  });
});

it('serves concurrent calls, as clients send them', async () => {
  const results = await Promise.all([
    callTool(pair.client, 'create_memory', { content: 'concurrent one' }),
    callTool(pair.client, 'search_memories', { query: 'concurrent' }),
    callTool(pair.client, 'create_memory', { content: 'concurrent two' }),
    callTool(pair.client, 'list_tags'),
    callTool(pair.client, 'search_memories'),
  ]);
  expect(results.filter((result) => result.isError).map(text), pair.logs.join('')).toEqual([]);
  const after = await callTool(pair.client, 'search_memories', { query: 'concurrent' });
  expect(structured<{ memories: unknown[] }>(after).memories).toHaveLength(2);
});
