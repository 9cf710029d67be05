// The remote backend under the MemoryService, on the emulator over real HTTP, asserting on the
// wire: what the content looks like in request bodies, how many requests each operation costs,
// paging through a large account, and key rotation. Credentials come from the real flow.
import { expect, it } from 'vitest';
import { keyFromHex, open, seal } from '../../src/crypto/codec.js';
import { plaintext, remote } from './remote-setup.js';

const ENVELOPE = /^[0-9a-f]{24}:[0-9a-f]{32}:[0-9a-f]+$/;

it('puts content on the wire only sealed with the user’s key; title, summary and tags stay plain', async () => {
  const { h, credentials, key, service } = await remote();
  const memories = service();
  const first = plaintext(h, 'The user is allergic to hazelnuts');
  const second = plaintext(h, 'The user is allergic to hazelnuts and almonds');

  const { memory } = await memories.create({
    content: first,
    title: 'Allergy',
    summary: 'A food allergy',
    tags: ['health'],
  });
  const [post] = await h.requests('POST /memory-blobs');
  const posted = JSON.parse(post!.body!);
  expect(posted).toMatchObject({ title: 'Allergy', summary: 'A food allergy', tags: ['health'] });
  expect(posted.content).toMatch(ENVELOPE);
  expect(open(posted.content, key)).toBe(first);

  await memories.update(memory.id, { content: second });
  const [patch] = await h.requests('PATCH /memory-blobs/{blobId}');
  const patched = JSON.parse(patch!.body!);
  expect(patched.content).toMatch(ENVELOPE);
  expect(open(patched.content, key)).toBe(second);

  // What Memoram hands back is the same kind of envelope, and the service opens it.
  const stored = await h.client.getMemoryBlob(memory.id, credentials.user_id);
  expect(stored).toMatchObject({ title: 'Allergy', summary: 'A food allergy', tags: ['health'] });
  expect(stored.content).toMatch(ENVELOPE);
  expect(open(stored.content, key)).toBe(second);
  expect((await memories.read([memory.id])).memories[0]?.content).toBe(second);

  const wire = JSON.stringify(await h.requests());
  expect(wire).not.toContain('hazelnuts');
  expect(wire).not.toContain(credentials.encryption_key);
});

it('after warm-up, searches cost no request and each read, create, update or delete exactly one', async () => {
  const { h, service, routesOf } = await remote();
  const memories = service();
  const seeded = await memories.create({
    content: plaintext(h, 'Likes hiking in the Alps'),
    tags: ['trips'],
  });
  const warm = service();
  // One listing, and the tag descriptions and colours the replica keeps for list_tags.
  expect(await routesOf(() => warm.refresh())).toEqual(['GET /memory-blobs', 'GET /tags']);

  const searches = async () => {
    for (const query of ['hiking', 'alps', '', 'nothing-like-this']) await warm.search({ query });
    await warm.search({ tags: ['trips'] });
    await warm.recent(5);
    await warm.count();
  };
  expect(await routesOf(searches)).toEqual([]);

  let created = '';
  const create = async () => {
    created = (await warm.create({ content: plaintext(h, 'Prefers window seats') })).memory.id;
  };
  expect(await routesOf(create)).toEqual(['POST /memory-blobs']);
  expect(await routesOf(() => warm.read([seeded.memory.id]))).toEqual(['GET /memory-blobs/{blobId}']);
  expect(await routesOf(() => warm.update(created, { title: 'Seats' }))).toEqual([
    'PATCH /memory-blobs/{blobId}',
  ]);
  const content = plaintext(h, 'Prefers aisle seats');
  expect(await routesOf(() => warm.update(created, { content }))).toEqual(['PATCH /memory-blobs/{blobId}']);
  expect(await routesOf(() => warm.delete([seeded.memory.id]))).toEqual(['DELETE /memory-blobs/{blobId}']);

  // The index followed every write, still without asking Memoram.
  const after = async () => {
    expect((await warm.search({ query: 'aisle' })).memories.map((m) => m.id)).toEqual([created]);
    expect((await warm.search({ query: 'hiking' })).memories).toEqual([]);
    expect(await warm.count()).toBe(1);
  };
  expect(await routesOf(after)).toEqual([]);
});

it('warms up by paging through more than 250 blobs', async () => {
  const { h, key, putBlob, service, routesOf } = await remote();
  const total = 260;
  for (let batch = 0; batch < total; batch += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => putBlob(seal(`note number n${batch + i}`, key), `n${batch + i}`)),
    );
  }
  const memories = service();
  const routes = await routesOf(() => memories.refresh());
  expect(routes).toEqual(['GET /memory-blobs', 'GET /memory-blobs', 'GET /memory-blobs', 'GET /tags']);
  const pages = await h.requests('GET /memory-blobs');
  expect(pages.map((page) => page.query.limit)).toEqual(['100', '100', '100']);
  expect(pages.map((page) => page.query.cursor === undefined)).toEqual([true, false, false]);

  expect(await memories.count()).toBe(total);
  const all = await memories.all();
  expect(new Set(all.map((memory) => memory.content)).size).toBe(total);
  expect(all.every((memory) => !memory.unreadable)).toBe(true);
  expect((await memories.search({ query: 'n0' })).memories[0]?.title).toBe('n0');
  expect((await memories.search({ query: 'n259' })).memories[0]?.title).toBe('n259');
});

it('still finds identical content after the encryption key rotates', async () => {
  const { h, credentials, backend, putBlob, service } = await remote();
  const memories = service();
  const content = plaintext(h, 'Saved before the key rotated');
  const first = await memories.create({ content });
  await h.control(`users/${credentials.user_id}/rotate-key`);
  const fresh = await h.client.getCredentials(credentials.access_request_id);
  h.sealed.add(fresh.encryption_key);
  // Reading a blob sealed under the new key makes this process fetch it.
  const after = await putBlob(
    seal(plaintext(h, 'Sealed under the new key'), keyFromHex(fresh.encryption_key)),
    'new',
  );
  await memories.read([after.id]);
  expect(backend.keyVersion).toBe(2);
  expect(await memories.create({ content })).toMatchObject({
    deduplicated: true,
    memory: { id: first.memory.id },
  });
});

it('picks up a rotated key with one re-fetch, and marks content no key opens as unreadable', async () => {
  const { h, credentials, counts, backend, putBlob, service, routesOf } = await remote();
  const before = plaintext(h, 'Written before the rotation');
  await service().create({ content: before, title: 'before' });

  const rotated = await h.control(`users/${credentials.user_id}/rotate-key`);
  const fresh = await h.client.getCredentials(credentials.access_request_id);
  h.sealed.add(fresh.encryption_key);
  expect(fresh.key_version).toBe(rotated.key_version);
  const after = plaintext(h, 'Written by another app after the rotation');
  await putBlob(seal(after, keyFromHex(fresh.encryption_key)), 'after');
  const garbage = await putBlob('this was never encrypted', 'garbage');

  const memories = service();
  const credentialFetches = async () =>
    (await routesOf(() => memories.refresh())).filter(
      (r) => r === 'GET /access-requests/{requestId}/credentials',
    );
  expect(await credentialFetches()).toHaveLength(1);
  expect(counts.refreshes).toBe(1);
  expect(backend.keyVersion).toBe(2);

  const byTitle = new Map((await memories.all()).map((memory) => [memory.title, memory]));
  expect(byTitle.get('before')?.content).toBe(before);
  expect(byTitle.get('after')?.content).toBe(after);
  expect(byTitle.get('garbage')).toMatchObject({ content: '', unreadable: true });
  const [listed] = (await memories.search({ query: 'garbage' })).memories;
  expect(listed).toMatchObject({ id: garbage.id, unreadable: true, snippet: '' });

  // Renaming it keeps it marked: the rename has no content to show.
  await memories.update(garbage.id, { title: 'garbage renamed' });
  const [renamed] = (await memories.search({ query: 'renamed' })).memories;
  expect(renamed).toMatchObject({ id: garbage.id, unreadable: true, snippet: '' });

  // Reading the unreadable blob does not fail, nor re-fetch for a blob no key opened last time.
  const read = await memories.read([garbage.id]);
  expect(read.memories).toEqual([expect.objectContaining({ id: garbage.id, unreadable: true })]);
  expect(counts.refreshes).toBe(1);

  // The next full listing still opens what was written before the rotation, without a re-fetch.
  const again = new Map((await service().all()).map((memory) => [memory.title, memory]));
  expect(again.get('before')?.content).toBe(before);
  expect(again.get('after')?.content).toBe(after);
  expect(counts.refreshes).toBe(1);

  // New writes use the new key.
  const newer = plaintext(h, 'Written after picking up the rotation');
  const { memory } = await memories.create({ content: newer });
  const stored = await h.client.getMemoryBlob(memory.id, credentials.user_id);
  expect(open(stored.content, keyFromHex(fresh.encryption_key))).toBe(newer);
});
