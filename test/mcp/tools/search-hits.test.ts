/**
 * What a page of search hits costs the model: ten hits of memories with long fields stay within
 * 2,500 characters of text, fields at their default are left out, and the text is the JSON of
 * structuredContent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clip, HIT_CHARS, toHit } from '../../../src/mcp/tools/search-hits.js';
import { callTool, type Pair, startLocal, structured, text } from '../../helpers/mcp-pair.js';

const PAGE_CHARS = 2_500;

const words = (count: number, seed: number) =>
  Array.from(
    { length: count },
    (_, i) => ['kitchen', 'renovation', 'budget', 'contractor', 'tiles'][(i + seed) % 5],
  ).join(' ');

/** A memory as a busy user's would look: every field near its limit, the match deep in 32 KiB. */
function longMemory(n: number) {
  const filler = `${words(40, n)}. `.repeat(60).slice(0, 16_000);
  const content = `${filler}The plumber quoted 4,200 euros for the bathroom on visit ${n}. ${filler}`;
  return {
    content,
    title:
      `Bathroom and kitchen renovation: quotes, contractors and the schedule agreed in visit ${n} ${words(12, n)}`.slice(
        0,
        200,
      ),
    summary: `Everything the user said about the renovation so far, ${words(70, n)}`.slice(0, 500),
    tags: Array.from({ length: 20 }, (_, i) => `renovation-topic-number-${i}-${n}`),
    importance: 0.8,
    source: 'claude-desktop',
  };
}

let pair: Pair;

beforeEach(async () => {
  pair = await startLocal({ clientName: 'claude-code' });
});

afterEach(async () => {
  await pair.close();
});

describe('a page of ten hits', () => {
  it(`stays within ${PAGE_CHARS} characters of text, with a next page to go`, async () => {
    for (let n = 0; n < 11; n++) {
      const created = await callTool(pair.client, 'create_memory', longMemory(n));
      expect(created.isError, text(created)).toBeFalsy();
    }
    const result = await callTool(pair.client, 'search_memories', { query: 'plumber bathroom quoted' });
    const body = structured<{ memories: Record<string, unknown>[]; next_cursor?: string }>(result);
    expect(body.memories).toHaveLength(10);
    expect(body.next_cursor).toEqual(expect.any(String));
    const textChars = (result.content as { type: string; text?: string }[])
      .filter((block) => block.type === 'text')
      .reduce((sum, block) => sum + (block.text?.length ?? 0), 0);
    expect(textChars).toBeLessThanOrEqual(PAGE_CHARS);
    expect(JSON.parse(text(result))).toEqual(body);
    // Still worth reading: a title, the words that matched, the fields not at their default.
    for (const hit of body.memories) {
      expect(hit).toMatchObject({ importance: 0.8, source: 'claude-desktop' });
      expect(hit).not.toHaveProperty('confidence');
      expect(String(hit['title'])).toMatch(/^Bathroom and kitchen renovation.*…$/);
      expect(String(hit['snippet'])).toContain('plumber');
      expect(String(hit['updated'])).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it('leaves out empty and default-valued fields, and the source the caller gave itself', async () => {
    await callTool(pair.client, 'create_memory', { content: 'Prefers oat milk in coffee.' });
    const result = await callTool(pair.client, 'search_memories', {});
    const [hit] = structured<{ memories: Record<string, unknown>[] }>(result).memories;
    expect(Object.keys(hit ?? {}).sort()).toEqual(['id', 'snippet', 'updated']);
    expect(structured(result)).not.toHaveProperty('next_cursor');
    // Another client sees where the memory came from.
    const other = await startLocal({ clientName: 'cursor' });
    await callTool(other.client, 'create_memory', { content: 'Uses pnpm.', importance: 0.5, confidence: 1 });
    const seen = structured<{ memories: Record<string, unknown>[] }>(
      await callTool(other.client, 'search_memories', {}),
    );
    expect(seen.memories[0]).not.toHaveProperty('source');
    await other.close();
  });

  it('rounds the score to two decimals', async () => {
    await callTool(pair.client, 'create_memory', { content: 'The cat is called Miso.' });
    const [hit] = structured<{ memories: { score: number }[] }>(
      await callTool(pair.client, 'search_memories', { query: 'cat Miso' }),
    ).memories;
    expect(hit?.score).toBe(Math.round((hit?.score ?? 0) * 100) / 100);
  });
});

describe('toHit', () => {
  const memory = {
    id: 'mem_0123456789abcdef01234567',
    title: 'T',
    summary: '',
    tags: [],
    importance: null,
    confidence: null,
    source: null,
    scope: null,
    created_at: '2025-01-02T03:04:05.000Z',
    updated_at: '2025-03-04T05:06:07.000Z',
    snippet: 'some text',
    score: 0.123456,
  };

  it('keeps one date, the day of the last change', () => {
    expect(toHit(memory, undefined)).toEqual({
      id: memory.id,
      title: 'T',
      snippet: 'some text',
      updated: '2025-03-04',
      score: 0.12,
    });
  });

  it('never exceeds its share, whatever the fields hold', () => {
    const huge = {
      ...memory,
      id: 'x'.repeat(36),
      title: '"\\'.repeat(100),
      tags: Array.from({ length: 20 }, () => 't'.repeat(64)),
      importance: 0.123456789,
      confidence: 0.987654321,
      source: 's'.repeat(100),
      snippet: '\u0001'.repeat(200),
    };
    expect(JSON.stringify(toHit(huge, 'someone else')).length).toBeLessThanOrEqual(HIT_CHARS);
  });
});

describe('clip', () => {
  it('cuts at a word boundary and marks the cut', () => {
    expect(clip('The quick brown fox jumps over the lazy dog', 20)).toBe('The quick brown fox…');
    expect(clip('short', 20)).toBe('short');
  });

  it('counts JSON escapes and never splits a surrogate pair', () => {
    expect(JSON.stringify(clip('"'.repeat(30), 10)).length - 2).toBeLessThanOrEqual(10);
    const emoji = clip('😀'.repeat(10), 5);
    expect(emoji).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
