import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectCli, type TempHome, tempHome } from './spawn.js';

let home: TempHome;
beforeEach(async () => {
  home = await tempHome();
});
afterEach(() => home.cleanup());

describe('two server processes on one store', () => {
  it('write at the same time and lose nothing', async () => {
    const clients = await Promise.all([connectCli(home.env, 'desktop'), connectCli(home.env, 'cursor')]);
    const perClient = 150;
    const created = await Promise.all(
      clients.map(async (client, which) => {
        const ids: string[] = [];
        for (let i = 0; i < perClient; i++) {
          const result = await client.callTool({
            name: 'create_memory',
            arguments: { content: `process ${which} memory ${i}`, tags: [`p${which}`] },
          });
          expect(result.isError).toBeFalsy();
          ids.push((result.structuredContent as { id: string }).id);
        }
        return ids;
      }),
    );
    const all = created.flat();
    expect(new Set(all).size).toBe(2 * perClient);

    for (const client of clients) {
      const read = await client.callTool({ name: 'read_memories', arguments: { ids: all.slice(0, 20) } });
      expect((read.structuredContent as { not_found: string[] }).not_found).toEqual([]);
      const tags = await client.callTool({ name: 'list_tags', arguments: {} });
      expect((tags.structuredContent as { tags: { name: string; count: number }[] }).tags).toEqual([
        expect.objectContaining({ name: 'p0', count: perClient }),
        expect.objectContaining({ name: 'p1', count: perClient }),
      ]);
    }
    await Promise.all(clients.map((client) => client.close()));
  });
});

describe('three server processes on one store', () => {
  it('see each other’s writes on their next search, with no refresh call', async () => {
    const clients = await Promise.all(
      ['desktop', 'code', 'cursor'].map((name) => connectCli(home.env, name)),
    );
    const search = async (client: (typeof clients)[number], query: string) => {
      const result = await client.callTool({ name: 'search_memories', arguments: { query } });
      expect(result.isError).toBeFalsy();
      return (result.structuredContent as { memories: { id: string; title: string }[] }).memories;
    };
    // Each searches first, so its process has the store open before the others write.
    for (const client of clients) expect(await search(client, 'platypus')).toEqual([]);
    const ids: string[] = [];
    for (const [which, client] of clients.entries()) {
      const result = await client.callTool({
        name: 'create_memory',
        arguments: { content: `Platypus sighting number ${which}`, title: `sighting ${which}` },
      });
      ids.push((result.structuredContent as { id: string }).id);
      for (const other of clients) {
        expect((await search(other, 'platypus')).map((hit) => hit.id).sort()).toEqual([...ids].sort());
      }
    }
    await clients[1]!.callTool({
      name: 'update_memory',
      arguments: { id: ids[0], title: 'renamed echidna' },
    });
    for (const client of clients)
      expect((await search(client, 'echidna')).map((hit) => hit.id)).toEqual([ids[0]]);
    await clients[2]!.callTool({ name: 'delete_memories', arguments: { ids: [ids[1]] } });
    for (const client of clients) expect(await search(client, 'platypus')).toHaveLength(2);
    await Promise.all(clients.map((client) => client.close()));
  }, 60_000);
});
