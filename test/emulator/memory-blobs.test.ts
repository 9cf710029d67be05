import { describe, expect, it } from 'vitest';
import { api, approvedSession, control, createBlob, start } from './helpers.js';

const RESPONSE_KEYS = [
  'confidence',
  'created_at',
  'id',
  'importance',
  'source',
  'summary',
  'tag_ids',
  'tags',
  'title',
  'updated_at',
  'user_id',
];

describe('memory blobs', () => {
  it('creates, reads, lists, patches and deletes with the contract spellings', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const created = await api(e, 'POST', '/memory-blobs', {
      token: s.token,
      body: {
        user_id: s.userId,
        memoryKey: s.memoryKey,
        content: 'iv:tag:cipher',
        title: 'User likes hiking',
        summary: 'The user enjoys hiking in the mountains.',
        tags: ['preferences', 'outdoor activities'],
        importance: 0.8,
        confidence: 0.95,
        source: 'my-chat-app',
      },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(RESPONSE_KEYS);
    expect(created.body).toMatchObject({
      user_id: s.userId,
      title: 'User likes hiking',
      tags: ['preferences', 'outdoor activities'],
      importance: 0.8,
      confidence: 0.95,
      source: 'my-chat-app',
    });
    expect(created.body.id).toMatch(/^mem_/);
    expect(created.body.tag_ids).toHaveLength(2);
    const id: string = created.body.id;
    const query = { user_id: s.userId };

    const got = await api(e, 'GET', `/memory-blobs/${id}`, { token: s.token, query });
    expect(got.status).toBe(200);
    expect(Object.keys(got.body).sort()).toEqual([...RESPONSE_KEYS, 'content'].sort());
    expect(got.body).toEqual({ ...created.body, content: 'iv:tag:cipher' });

    const list = await api(e, 'GET', '/memory-blobs', { token: s.token, query });
    expect(Object.keys(list.body).sort()).toEqual(['memoryBlobs', 'next_cursor']);
    expect(list.body).toEqual({ memoryBlobs: [got.body], next_cursor: null });

    await control(e, 'POST', '/clock', { advanceSeconds: 1 });
    const patched = await api(e, 'PATCH', `/memory-blobs/${id}`, {
      token: s.token,
      body: { user_id: s.userId, memoryKey: s.memoryKey, title: 'Hiking', tags: ['hobbies'] },
    });
    expect(patched.status).toBe(200);
    expect(Object.keys(patched.body).sort()).toEqual(RESPONSE_KEYS);
    expect(patched.body).toMatchObject({ title: 'Hiking', tags: ['hobbies'], summary: created.body.summary });
    expect(patched.body.created_at).toBe(created.body.created_at);
    expect(Date.parse(patched.body.updated_at)).toBeGreaterThan(Date.parse(created.body.updated_at));
    const afterPatch = await api(e, 'GET', `/memory-blobs/${id}`, { token: s.token, query });
    expect(afterPatch.body.content).toBe('iv:tag:cipher');

    const deleted = await api(e, 'DELETE', `/memory-blobs/${id}`, { token: s.token, query });
    expect(deleted).toMatchObject({ status: 200, body: { message: 'Memory blob deleted successfully.' } });
    expect((await api(e, 'GET', `/memory-blobs/${id}`, { token: s.token, query })).status).toBe(404);
    expect((await api(e, 'DELETE', `/memory-blobs/${id}`, { token: s.token, query })).status).toBe(404);
    const patchGone = await api(e, 'PATCH', `/memory-blobs/${id}`, {
      token: s.token,
      body: { user_id: s.userId, memoryKey: s.memoryKey, title: 'x' },
    });
    expect(patchGone.status).toBe(404);
  });

  it('stores content verbatim and never interprets it', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const contents = [
      '  spaced\n\ttabs  ',
      '{"looks":"like json"}',
      'ünïcødé 🧠 \u0000 nul',
      '',
      'x'.repeat(200_000),
    ];
    for (const content of contents) {
      const { id } = await createBlob(e, s, { content });
      const got = await api(e, 'GET', `/memory-blobs/${id}`, {
        token: s.token,
        query: { user_id: s.userId },
      });
      expect(got.body.content).toBe(content);
    }
  });

  it('refuses a memoryKey that is not the user’s, and users without approved access', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const other = (await control(e, 'POST', '/users')).body;
    const mismatch = await api(e, 'POST', '/memory-blobs', {
      token: s.token,
      body: { user_id: s.userId, memoryKey: other.memory_key, content: 'x' },
    });
    expect(mismatch.status).toBe(403);
    expect(mismatch.body).toMatchObject({ error: 'forbidden' });
    const { id } = await createBlob(e, s);
    const patch = await api(e, 'PATCH', `/memory-blobs/${id}`, {
      token: s.token,
      body: { user_id: s.userId, memoryKey: 'mk_wrong', title: 'x' },
    });
    expect(patch.status).toBe(403);
    const query = { user_id: other.user_id };
    expect((await api(e, 'GET', '/memory-blobs', { token: s.token, query })).status).toBe(403);
    expect((await api(e, 'GET', `/memory-blobs/${id}`, { token: s.token, query })).status).toBe(403);
    expect((await api(e, 'DELETE', `/memory-blobs/${id}`, { token: s.token, query })).status).toBe(403);
    const otherSession = await approvedSession(e, other);
    const foreign = await api(e, 'GET', `/memory-blobs/${id}`, { token: otherSession.token, query });
    expect(foreign.status).toBe(404);
  });

  it('validates queries and bodies with 400', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const list = (query: Record<string, string | number>) =>
      api(e, 'GET', '/memory-blobs', { token: s.token, query });
    expect((await api(e, 'GET', '/memory-blobs', { token: s.token })).status).toBe(400);
    expect((await list({ user_id: 'USER_ID_HERE' })).status).toBe(400);
    expect((await list({ user_id: s.userId, limit: 0 })).status).toBe(400);
    expect((await list({ user_id: s.userId, limit: 'ten' })).status).toBe(400);
    expect((await list({ user_id: s.userId, importance: 'high' })).status).toBe(400);
    expect((await list({ user_id: s.userId, cursor: 'garbage' })).status).toBe(400);
    const noContent = await api(e, 'POST', '/memory-blobs', {
      token: s.token,
      body: { user_id: s.userId, memoryKey: s.memoryKey },
    });
    expect(noContent.status).toBe(400);
    expect(noContent.body.message).toMatch(/content/);
    const badTags = await api(e, 'POST', '/memory-blobs', {
      token: s.token,
      body: { user_id: s.userId, memoryKey: s.memoryKey, content: 'x', tags: 'a,b' },
    });
    expect(badTags.status).toBe(400);
    const huge = await api(e, 'POST', '/memory-blobs', {
      token: s.token,
      body: { user_id: s.userId, memoryKey: s.memoryKey, content: 'x'.repeat(5 * 1024 * 1024) },
    });
    expect(huge).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
    expect((await api(e, 'PUT', '/memory-blobs/mem_1', { token: s.token })).status).toBe(405);
    expect((await api(e, 'GET', '/nothing-here', { token: s.token })).status).toBe(404);
  });

  it('pages through more than 250 blobs without duplicates or gaps, 10 by default and at most 100', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const ids = new Set<string>();
    for (let i = 0; i < 260; i++) ids.add((await createBlob(e, s, { title: `blob ${i}` })).id);
    const first = await api(e, 'GET', '/memory-blobs', { token: s.token, query: { user_id: s.userId } });
    expect(first.body.memoryBlobs).toHaveLength(10);
    expect(typeof first.body.next_cursor).toBe('string');

    const seen: string[] = [];
    const stamps: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string | number> = { user_id: s.userId, limit: 1000 };
      if (cursor) query.cursor = cursor;
      const page = await api(e, 'GET', '/memory-blobs', { token: s.token, query });
      sizes.push(page.body.memoryBlobs.length);
      for (const blob of page.body.memoryBlobs) {
        seen.push(blob.id);
        stamps.push(blob.created_at);
      }
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(sizes).toEqual([100, 100, 60]);
    expect(seen).toHaveLength(260);
    expect(new Set(seen)).toEqual(ids);
    expect(stamps).toEqual([...stamps].sort().reverse());
  });

  it('filters by tags (any of), searchQuery (title, summary, content) and minimum importance', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const a = await createBlob(e, s, {
      title: 'Trip to Alps',
      tags: ['travel', 'outdoor activities'],
      importance: 0.9,
    });
    const b = await createBlob(e, s, { summary: 'alpine flowers', tags: ['hobbies'], importance: 0.5 });
    const c = await createBlob(e, s, { content: 'ALPACA notes', tags: ['work'], importance: 0.2 });
    const d = await createBlob(e, s, { title: 'no importance' });
    const ids = async (extra: Record<string, string | number>) => {
      const query = { user_id: s.userId, limit: 100, ...extra };
      const reply = await api(e, 'GET', '/memory-blobs', { token: s.token, query });
      expect(reply.status).toBe(200);
      return reply.body.memoryBlobs.map((blob: { id: string }) => blob.id).sort();
    };
    expect(await ids({})).toEqual([a.id, b.id, c.id, d.id].sort());
    expect(await ids({ tags: 'travel,work' })).toEqual([a.id, c.id].sort());
    expect(await ids({ tags: ' outdoor activities , nothing' })).toEqual([a.id]);
    expect(await ids({ tags: 'nothing' })).toEqual([]);
    expect(await ids({ searchQuery: 'alp' })).toEqual([a.id, b.id, c.id].sort());
    expect(await ids({ searchQuery: 'FLOWERS' })).toEqual([b.id]);
    expect(await ids({ importance: 0.5 })).toEqual([a.id, b.id].sort());
    expect(await ids({ importance: 0.5, tags: 'hobbies,work', searchQuery: 'alp' })).toEqual([b.id]);
  });
});

describe('tags', () => {
  it('lists the user’s tags as { items } and gets one by id', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const blob = await createBlob(e, s, { tags: ['work', 'important'] });
    await createBlob(e, s, { tags: ['work', 'zebra'] });
    const query = { user_id: s.userId };
    const list = await api(e, 'GET', '/tags', { token: s.token, query });
    expect(list.status).toBe(200);
    expect(Object.keys(list.body)).toEqual(['items']);
    expect(list.body.items.map((tag: { name: string }) => tag.name)).toEqual(['important', 'work', 'zebra']);
    const work = list.body.items.find((tag: { name: string }) => tag.name === 'work');
    expect(Object.keys(work).sort()).toEqual([
      'color',
      'created_at',
      'description',
      'id',
      'is_enabled',
      'name',
      'updated_at',
    ]);
    expect(work).toMatchObject({ description: '', color: '#9CA3AF', is_enabled: true });
    expect(blob.tag_ids).toContain(work.id);

    const one = await api(e, 'GET', `/tags/${work.id}`, { token: s.token, query });
    expect(one).toMatchObject({ status: 200, body: work });
    expect((await api(e, 'GET', '/tags/tag_nope', { token: s.token, query })).status).toBe(404);
    expect((await api(e, 'GET', '/tags', { token: s.token })).status).toBe(400);

    const page = await api(e, 'GET', '/tags', { token: s.token, query: { ...query, limit: 2 } });
    expect(page.body.items).toHaveLength(2);
    const rest = await api(e, 'GET', '/tags', {
      token: s.token,
      query: { ...query, limit: 2, cursor: page.body.next_cursor },
    });
    expect(rest.body).toEqual({ items: [list.body.items[2]], next_cursor: null });
  });
});
