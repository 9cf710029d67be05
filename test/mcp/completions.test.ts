// completion/complete through a real client: tag names for the recall prompt's topic, memory ids
// (by id or title) for the memoram://memories/{id} template, from the store as it is.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Pair, startLocal } from '../helpers/mcp-pair.js';

let pair: Pair;
const ids: Record<string, string> = {};

beforeAll(async () => {
  pair = await startLocal();
  const saves = [
    { title: 'Coffee order', content: 'Flat white, oat milk.', tags: ['coffee', 'preferences'] },
    { title: 'Coding style', content: 'Prefers small functions and early returns.', tags: ['coding'] },
    { title: 'Porto move', content: 'Moved to Porto in May.', tags: ['travel', 'home'] },
  ];
  for (const save of saves) {
    const result = await pair.client.callTool({ name: 'create_memory', arguments: save });
    const text = (result.content as { type: string; text: string }[])[0]!.text;
    ids[save.title] = /mem_[0-9a-f]+/.exec(text)![0];
  }
});

afterAll(async () => {
  await pair.close();
});

const complete = async (
  ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string },
  name: string,
  value: string,
) => (await pair.client.complete({ ref, argument: { name, value } })).completion.values;

it('declares completions', () => {
  expect(pair.client.getServerCapabilities()?.completions).toEqual({});
});

it('suggests tag names for the recall topic, prefix matches first', async () => {
  const recall = { type: 'ref/prompt' as const, name: 'recall' };
  expect(await complete(recall, 'topic', 'co')).toEqual(['coding', 'coffee']);
  expect(await complete(recall, 'topic', 'ME')).toEqual(['home']);
  expect((await complete(recall, 'topic', '')).sort()).toEqual([
    'coding',
    'coffee',
    'home',
    'preferences',
    'travel',
  ]);
  expect(await complete(recall, 'topic', 'zzz')).toEqual([]);
});

it('suggests memory ids for the memory template, by id or by title', async () => {
  const template = { type: 'ref/resource' as const, uri: 'memoram://memories/{id}' };
  expect(await complete(template, 'id', 'porto')).toEqual([ids['Porto move']]);
  const id = ids['Coding style']!;
  expect(await complete(template, 'id', id.slice(0, 12))).toContain(id);
  expect(await complete(template, 'id', id)).toEqual([id]);
  expect(await complete(template, 'id', '')).toHaveLength(3);
});
