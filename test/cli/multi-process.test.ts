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
