/**
 * Every endpoint of the contract through the client against the emulator over real HTTP: the
 * wire (paths, query spellings, bodies), the parsed results, pagination, access-state errors and
 * connection reuse.
 */
import { describe, expect, it } from 'vitest';
import { ForbiddenError, NotFoundError } from '../../src/memoram/errors.js';
import { blobBody, control, harness, rejectionOf, requests } from './helpers.js';

describe('MemoramClient endpoints', () => {
  it('runs the access-request flow: create, list, get, credentials after approval', async () => {
    const h = await harness({ approved: false });
    const created = await h.client.createAccessRequest({
      memoryKey: h.user.memory_key,
      reason: 'Remember me',
    });
    expect(created).toMatchObject({ status: 'pending', reason: 'Remember me', memoryKey: h.user.memory_key });

    const pending = await rejectionOf(h.client.getCredentials(created.id));
    expect(pending).toBeInstanceOf(ForbiddenError);

    await control(h.emu, 'POST', `/access-requests/${created.id}/approve`);
    expect((await h.client.getAccessRequest(created.id)).status).toBe('approved');
    const list = await h.client.listAccessRequests();
    expect(list.items.map((item) => item.id)).toContain(created.id);
    expect(list.total).toBe(list.items.length);

    const credentials = await h.client.getCredentials(created.id);
    expect(credentials).toEqual({
      user_id: h.user.user_id,
      memory_key: h.user.memory_key,
      encryption_key: h.user.encryption_key,
      key_version: 1,
    });
    const wire = await requests(h.emu, 'POST /access-requests');
    expect(JSON.parse(wire[0]?.body ?? '')).toEqual({ memoryKey: h.user.memory_key, reason: 'Remember me' });
  });

  it('creates, reads, updates and deletes a blob with the contract spellings', async () => {
    const h = await harness();
    const body = blobBody(h, 'ct', {
      title: 'Hiking',
      tags: ['hobbies', 'outdoor activities'],
      importance: 0.8,
    });
    const created = await h.client.createMemoryBlob(body);
    expect(created).toMatchObject({
      title: 'Hiking',
      tags: ['hobbies', 'outdoor activities'],
      importance: 0.8,
    });
    expect(created).not.toHaveProperty('content');

    expect(await h.client.getMemoryBlob(created.id, h.user.user_id)).toMatchObject({
      id: created.id,
      content: 'ct',
    });
    const patch = { user_id: h.user.user_id, memoryKey: h.user.memory_key, tags: ['hobbies'], summary: 'S' };
    const updated = await h.client.updateMemoryBlob(created.id, patch);
    expect(updated).toMatchObject({ id: created.id, tags: ['hobbies'], summary: 'S', title: 'Hiking' });

    const tags = await h.client.listTags(h.user.user_id);
    const hobbies = tags.items.find((tag) => tag.name === 'hobbies');
    expect(hobbies).toBeDefined();
    expect(await h.client.getTag(hobbies?.id ?? '', h.user.user_id)).toMatchObject({ name: 'hobbies' });

    await h.client.deleteMemoryBlob(created.id, h.user.user_id);
    const gone = await rejectionOf(h.client.getMemoryBlob(created.id, h.user.user_id));
    expect(gone).toBeInstanceOf(NotFoundError);

    const wire = await requests(h.emu);
    const patchEntry = wire.find((entry) => entry.method === 'PATCH');
    expect(patchEntry?.path).toBe(`/api/v1/memory-blobs/${created.id}`);
    expect(JSON.parse(patchEntry?.body ?? '')).toEqual(patch);
    const deleteEntry = wire.find((entry) => entry.method === 'DELETE');
    expect(deleteEntry?.query).toEqual({ user_id: h.user.user_id });
  });

  it('sends list filters with their exact query spellings', async () => {
    const h = await harness();
    await h.client.createMemoryBlob(
      blobBody(h, 'a', { title: 'trail run', tags: ['work'], importance: 0.9 }),
    );
    await h.client.createMemoryBlob(
      blobBody(h, 'b', { title: 'tax forms', tags: ['home'], importance: 0.2 }),
    );
    const page = await h.client.listMemoryBlobs({
      user_id: h.user.user_id,
      limit: 5,
      tags: ['work', 'urgent'],
      searchQuery: 'trail',
      importance: 0.5,
    });
    expect(page.memoryBlobs.map((blob) => blob.title)).toEqual(['trail run']);
    expect(page.next_cursor).toBeNull();
    const [entry] = await requests(h.emu, 'GET /memory-blobs');
    expect(entry?.query).toEqual({
      user_id: h.user.user_id,
      limit: '5',
      tags: 'work,urgent',
      searchQuery: 'trail',
      importance: '0.5',
    });
  });

  it('follows next_cursor through more than 250 blobs', async () => {
    const h = await harness();
    for (let batch = 0; batch < 13; batch += 1) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          h.client.createMemoryBlob(blobBody(h, `blob ${batch * 20 + i}`)),
        ),
      );
    }
    const all = await h.client.listAllMemoryBlobs(h.user.user_id, { pageSize: 1000 });
    expect(all).toHaveLength(260);
    expect(new Set(all.map((blob) => blob.id)).size).toBe(260);
    expect(new Set(all.map((blob) => blob.content)).size).toBe(260);
    const pages = await requests(h.emu, 'GET /memory-blobs');
    expect(pages.map((entry) => entry.query.limit)).toEqual(['100', '100', '100']);
    expect(pages[0]?.query.cursor).toBeUndefined();
    expect(pages[1]?.query.cursor).toBeTruthy();

    const small = await h.client.listAllMemoryBlobs(h.user.user_id, { pageSize: 7 });
    expect(small).toHaveLength(260);
  });

  it('gets ForbiddenError once the user revokes access', async () => {
    const h = await harness({ approved: false });
    const request = await h.client.createAccessRequest({ memoryKey: h.user.memory_key, reason: 'r' });
    await control(h.emu, 'POST', `/access-requests/${request.id}/approve`);
    await h.client.listMemoryBlobs({ user_id: h.user.user_id });
    await control(h.emu, 'POST', `/access-requests/${request.id}/revoke`);
    const error = await rejectionOf(h.client.listMemoryBlobs({ user_id: h.user.user_id }));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN', serverCode: 'forbidden' });
    expect(await rejectionOf(h.client.getCredentials(request.id))).toBeInstanceOf(ForbiddenError);
    expect(h.sleeps).toEqual([]);
  });

  it('makes 100 sequential calls over exactly one TCP connection', async () => {
    const h = await harness();
    for (let i = 0; i < 100; i += 1) await h.client.listTags(h.user.user_id);
    const log = await requests(h.emu);
    expect(log).toHaveLength(101); // one token, then the calls
    expect(new Set(log.map((entry) => entry.connection)).size).toBe(1);
  });

  it('fails calls made after close()', async () => {
    const h = await harness();
    await h.client.listTags(h.user.user_id);
    await h.client.close();
    await h.client.close();
    const error = await rejectionOf(h.client.listTags(h.user.user_id));
    expect(error.message).toContain('closed');
  });
});
