import { afterEach, beforeEach, expect, it } from 'vitest';
import { callTool, type Pair, startLocal, structured } from '../../helpers/mcp-pair.js';

let pair: Pair;

beforeEach(async () => {
  pair = await startLocal();
});

afterEach(async () => {
  await pair.close();
});

it('lists the tags in use, most used first, with counts', async () => {
  await callTool(pair.client, 'create_memory', { content: 'one', tags: ['work', 'Home'] });
  await callTool(pair.client, 'create_memory', { content: 'two', tags: ['work'] });
  const result = await callTool(pair.client, 'list_tags');
  const { tags } = structured<{ tags: { name: string; count: number }[] }>(result);
  expect(tags.map(({ name, count }) => ({ name, count }))).toEqual([
    { name: 'work', count: 2 },
    { name: 'home', count: 1 },
  ]);
});

it('answers an empty list for an empty store', async () => {
  expect(structured(await callTool(pair.client, 'list_tags'))).toEqual({ tags: [] });
});
