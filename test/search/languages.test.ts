/**
 * Search across scripts and spellings, through search_memories: Chinese and Japanese found by
 * short queries cut from inside a sentence, accented and unaccented forms finding each other,
 * stems, a prefix on the last word, one misspelt word, stop-word-only queries, filters with a
 * query, and the empty query listing the most recent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, type Pair, startLocal, structured, text } from '../helpers/mcp-pair.js';

let pair: Pair;
const ids: Record<string, string> = {};

interface Seed {
  content: string;
  title?: string;
  tags?: string[];
  importance?: number;
  source?: string;
}

const MEMORIES: Record<string, Seed> = {
  // Chinese: "The user's project manager is Wang Xiaoming; he goes to Shanghai on business next week."
  zhManager: { content: '用户的项目经理是王小明，他下周去上海出差。' },
  // Chinese: "On weekends the user likes to walk by the West Lake and drink a cup of Longjing tea."
  zhTea: { content: '周末用户喜欢在西湖边散步，然后喝一杯龙井茶。' },
  // Chinese distractor: "The user works in Beijing and likes dumplings."
  zhBeijing: { content: '用户在北京工作，很喜欢吃饺子。' },
  // Japanese: "The user lives in an old machiya in Kyoto and whisks matcha every morning."
  jaKyoto: { content: 'ユーザーは京都の古い町家に住んでいて、毎朝抹茶を点てる。' },
  // Japanese: "Next month they will present at a study group held in Tokyo."
  jaTalk: { content: '来月、東京で開かれる勉強会で発表する予定です。' },
  cafe: {
    content: 'Met Lukas at Café Landtmann in Vienna to talk about the job offer.',
    title: 'Coffee with Lukas',
  },
  cafePlain: { content: 'The cafe next to the office has reliable wifi and decent espresso.' },
  muller: { content: 'The dentist is Dr. Müller, on the second floor above the pharmacy.' },
  saoPaulo: { content: 'Flight to São Paulo on 3 May for the client workshop.' },
  saoPauloPlain: { content: 'Sao Paulo office contact is Beatriz, she speaks English and Portuguese.' },
  evora: { content: 'Day trip to ÉVORA with the parents: the Roman temple and the Chapel of Bones.' },
  running: { content: 'The user has been running along the river every morning since the knee healed.' },
  connection: { content: 'Sam connected the old printer to the new router over ethernet.' },
  kubernetes: {
    content: 'Migrating the route planner to Kubernetes by the end of September.',
    title: 'Harbor migration',
  },
  receive: { content: 'The user did not receive the parcel from DHL and opened a claim.' },
  kite: { content: 'Spotted a red kite circling above the motorway near Reading.' },
  kit: { content: 'Bought a first aid kit for the car boot.' },
  workTagged: {
    content: 'Quarterly planning for the platform team happens in the first week of January.',
    tags: ['work'],
    importance: 0.9,
    source: 'claude-code',
  },
  homeTagged: {
    content: 'Quarterly planning for the garden: plant tulip bulbs in the first week of November.',
    tags: ['home'],
    importance: 0.2,
    source: 'cursor',
  },
};

async function search(args: Record<string, unknown>) {
  const result = await callTool(pair.client, 'search_memories', args);
  expect(result.isError, `${JSON.stringify(args)} → ${text(result)}`).toBeFalsy();
  return structured<{ memories: { id: string; created_at: string }[] }>(result).memories.map((hit) => hit.id);
}

const find = (query: string, extra: Record<string, unknown> = {}) => search({ query, ...extra });

beforeAll(async () => {
  pair = await startLocal();
  for (const [key, seed] of Object.entries(MEMORIES)) {
    const result = await callTool(pair.client, 'create_memory', { title: key, ...seed });
    expect(result.isError, text(result)).toBeFalsy();
    ids[key] = structured<{ id: string }>(result).id;
  }
});

afterAll(async () => {
  await pair?.close();
});

describe('Chinese and Japanese', () => {
  it.each([
    ['上海', 'zhManager'],
    ['出差', 'zhManager'],
    ['王小明', 'zhManager'],
    ['项目经理', 'zhManager'],
    ['西湖', 'zhTea'],
    ['龙井茶', 'zhTea'],
    ['喝一杯', 'zhTea'],
    ['北京', 'zhBeijing'],
    ['京都', 'jaKyoto'],
    ['抹茶', 'jaKyoto'],
    ['町家', 'jaKyoto'],
    ['毎朝抹茶', 'jaKyoto'],
    ['東京', 'jaTalk'],
    ['勉強会', 'jaTalk'],
    ['発表する', 'jaTalk'],
  ])('%s finds the memory it was cut from, first', async (query, key) => {
    const found = await find(query);
    expect(found[0], `${query} → ${found.join(', ')}`).toBe(ids[key]);
  });

  it('a CJK query does not find memories without it', async () => {
    const found = await find('上海');
    expect(found).not.toContain(ids['zhBeijing']);
    expect(found).not.toContain(ids['jaKyoto']);
  });
});

describe('accents', () => {
  it.each([
    ['cafe landtmann', 'cafe'],
    ['Café', 'cafePlain'],
    ['café', 'cafe'],
    ['Muller', 'muller'],
    ['müller', 'muller'],
    ['MÜLLER', 'muller'],
    ['Sao Paulo', 'saoPaulo'],
    ['São Paulo', 'saoPauloPlain'],
    ['evora', 'evora'],
    ['Évora', 'evora'],
  ])('%s finds %s', async (query, key) => {
    expect(await find(query)).toContain(ids[key]);
  });
});

describe('stems, prefixes and typos', () => {
  it.each([
    ['run', 'running'],
    ['runs', 'running'],
    ['running', 'running'],
    ['connection', 'connection'],
    ['connecting', 'connection'],
    ['parcels', 'receive'],
    ['received', 'receive'],
  ])('%s finds %s by its stem', async (query, key) => {
    expect(await find(query)).toContain(ids[key]);
  });

  it.each([
    ['kubern', 'kubernetes'],
    ['Kub', 'kubernetes'],
    ['office kubern', 'kubernetes'],
    ['office plann', 'kubernetes'],
    ['landt', 'cafe'],
  ])('%s finds %s by a prefix on the last word', async (query, key) => {
    expect(await find(query)).toContain(ids[key]);
  });

  it.each([
    ['kubernetis', 'kubernetes'],
    ['kuberentes', 'kubernetes'],
    ['recieve', 'receive'],
    ['recieve package', 'receive'],
    ['printre', 'connection'],
  ])('the misspelt %s still finds %s', async (query, key) => {
    expect(await find(query)).toContain(ids[key]);
  });

  it('a misspelt word is looked up even when the other words of the query match', async () => {
    const found = await find('kubernetis printer');
    expect(found).toContain(ids['kubernetes']);
    expect(found).toContain(ids['connection']);
  });

  it('a word that matches is not stretched to its look-alikes', async () => {
    const found = await find('kite');
    expect(found).toContain(ids['kite']);
    expect(found).not.toContain(ids['kit']);
  });
});

describe('stop words, filters and the empty query', () => {
  it.each(['the of and', 'the', 'what is it', 'and or not', 'a an the to of in'])(
    'the stop-word-only query %j answers without an error',
    async (query) => {
      await find(query);
    },
  );

  it('filters narrow a query', async () => {
    expect(await find('quarterly planning')).toEqual(
      expect.arrayContaining([ids['workTagged'], ids['homeTagged']]),
    );
    expect(await find('quarterly planning', { tags: ['work'] })).toEqual([ids['workTagged']]);
    expect(await find('quarterly planning', { tags: ['home', 'nothing'] })).toEqual([ids['homeTagged']]);
    expect(await find('quarterly planning', { min_importance: 0.5 })).toEqual([ids['workTagged']]);
    expect(await find('quarterly planning', { source: 'cursor' })).toEqual([ids['homeTagged']]);
    expect(await find('quarterly planning', { created_after: '2000-01-01T00:00:00Z' })).toEqual(
      expect.arrayContaining([ids['workTagged'], ids['homeTagged']]),
    );
    expect(await find('quarterly planning', { created_after: '2999-01-01T00:00:00Z' })).toEqual([]);
    expect(await find('quarterly planning', { created_before: '2000-01-01T00:00:00Z' })).toEqual([]);
    expect(await find('kubernetis', { tags: ['work'] })).toEqual([]);
  });

  it('a query paged with its cursor gives every hit once', async () => {
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const result = await callTool(pair.client, 'search_memories', {
        query: 'user office',
        limit: 2,
        ...(cursor ? { cursor } : {}),
      });
      const body = structured<{ memories: { id: string }[]; next_cursor: string | null }>(result);
      paged.push(...body.memories.map((hit) => hit.id));
      cursor = body.next_cursor;
    } while (cursor);
    const once = await find('user office', { limit: 50 });
    expect(paged).toEqual(once);
    expect(paged.length).toBeGreaterThan(2);
    expect(new Set(paged).size).toBe(paged.length);
  });

  it.each([
    ['no query', {}],
    ['an empty query', { query: '' }],
    ['a blank query', { query: '   ' }],
  ])('%s lists the most recent memories, newest first', async (_label, args) => {
    const newest = Object.keys(MEMORIES).reverse();
    expect(await search({ ...args, limit: 5 })).toEqual(newest.slice(0, 5).map((key) => ids[key]));
  });
});
