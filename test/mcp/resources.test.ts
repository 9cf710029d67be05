import { ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MemoryService } from '../../src/memory/service.js';
import {
  callTool,
  connectPair,
  type Era,
  FakeRemoteConnection,
  openLocalService,
  type Pair,
  recordResourceNotifications,
  startLocal,
  structured,
} from '../helpers/mcp-pair.js';
import { removeTempDir } from '../helpers/temp-dir.js';

let pair: Pair | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await pair?.close();
  pair = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const readJson = async (uri: string) => {
  const { contents } = await pair!.client.readResource({ uri });
  expect(contents).toHaveLength(1);
  expect(contents[0]).toMatchObject({ uri, mimeType: 'application/json' });
  return JSON.parse((contents[0] as { text: string }).text);
};

const createMemory = async (args: Record<string, unknown>) =>
  structured<{ id: string }>(await callTool(pair!.client, 'create_memory', args)).id;

/** A local service that a FakeRemoteConnection can switch to, removed after the test. */
async function approvableService(): Promise<MemoryService> {
  const { service, dir } = await openLocalService();
  cleanups.push(async () => {
    await service.close();
    await removeTempDir(dir);
  });
  return service;
}

describe('on the local store', () => {
  it('lists tags, status and the recent memories, and the memory template', async () => {
    pair = await startLocal();
    const id = await createMemory({ content: 'Likes jazz.', title: 'Music', summary: 'Jazz fan' });
    const { resources } = await pair.client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual([
      'memoram://tags',
      'memoram://status',
      `memoram://memories/${id}`,
    ]);
    expect(resources[2]).toMatchObject({ name: id, title: 'Music', description: 'Jazz fan' });
    const { resourceTemplates } = await pair.client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      expect.objectContaining({ uriTemplate: 'memoram://memories/{id}', mimeType: 'application/json' }),
    ]);
  });

  it('lists at most 50 memories, newest first', async () => {
    pair = await startLocal();
    for (let n = 0; n < 52; n++) await createMemory({ content: `memory ${n}`, title: `m${n}` });
    const { resources } = await pair.client.listResources();
    const memories = resources.filter((resource) => resource.uri.startsWith('memoram://memories/'));
    expect(memories).toHaveLength(50);
    expect(memories[0]?.title).toBe('m51');
  });

  it('reads a memory with its content, and answers not found for an unknown id', async () => {
    pair = await startLocal();
    const id = await createMemory({ content: 'Allergic to peanuts.', tags: ['health'] });
    expect(await readJson(`memoram://memories/${id}`)).toMatchObject({
      id,
      content: 'Allergic to peanuts.',
      tags: ['health'],
    });
    const missing = pair.client.readResource({ uri: 'memoram://memories/mem_nope' });
    await expect(missing).rejects.toThrow(ProtocolError);
    await expect(missing).rejects.toThrow('No memory has the id mem_nope');
    await expect(pair.client.readResource({ uri: 'memoram://memories/%E0%A4%A' })).rejects.toThrow(
      ProtocolError,
    );
  });

  it('reads the tags and the status, which carries no secrets', async () => {
    pair = await startLocal();
    await createMemory({ content: 'a', tags: ['x', 'y'] });
    await createMemory({ content: 'b', tags: ['x'] });
    expect(await readJson('memoram://tags')).toEqual({
      tags: [
        expect.objectContaining({ name: 'x', count: 2 }),
        expect.objectContaining({ name: 'y', count: 1 }),
      ],
    });
    expect(await readJson('memoram://status')).toEqual({
      backend: 'local',
      state: 'local',
      message: expect.stringContaining('stored locally'),
      memory_count: 2,
      scope: null,
      scope_reason: 'MEMORAM_SCOPE is not set',
    });
  });
});

describe.each<Era>(['legacy', 'modern'])('change notifications (%s era)', (era) => {
  it('tell subscribers a memory changed and everyone that the list changed', async () => {
    pair = await startLocal({ era });
    const events = recordResourceNotifications(pair.client);
    // A 2025-era client hears list changes unasked; a 2026-07-28 one asks for them on a listen stream.
    if (era === 'modern') await pair.client.listen({ resourcesListChanged: true });
    const watched = await createMemory({ content: 'watched memory' });
    await vi.waitFor(() => expect(events.listChanges()).toBe(1));
    const other = await createMemory({ content: 'other memory' });
    await vi.waitFor(() => expect(events.listChanges()).toBe(2));
    const uri = `memoram://memories/${watched}`;
    if (era === 'legacy') await pair.client.subscribeResource({ uri });
    else await pair.client.listen({ resourceSubscriptions: [uri] });

    await callTool(pair.client, 'update_memory', { id: other, title: 'not watched' });
    await callTool(pair.client, 'update_memory', { id: watched, title: 'changed' });
    await vi.waitFor(() => expect(events.updatedUris()).toContain(uri));
    // Only what was subscribed to, even though the other memory changed first.
    expect(events.updatedUris()).toEqual([uri]);

    const before = events.listChanges();
    await callTool(pair.client, 'delete_memories', { ids: [watched] });
    await vi.waitFor(() => expect(events.listChanges()).toBe(before + 1));
    expect(events.updatedUris()).toEqual([uri, uri]);
  });

  it('announce a burst of writes together', async () => {
    pair = await startLocal({ era });
    const events = recordResourceNotifications(pair.client);
    if (era === 'modern') await pair.client.listen({ resourcesListChanged: true });
    await Promise.all(Array.from({ length: 20 }, (_, i) => createMemory({ content: `burst memory ${i}` })));
    await vi.waitFor(() => expect(events.listChanges()).toBeGreaterThan(0));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Without gathering, one list change per create.
    expect(events.listChanges()).toBeLessThan(20);
  });
});

describe('before the server is connected', () => {
  it('still lists and reads the status, without the authorization URL', async () => {
    pair = await connectPair(new FakeRemoteConnection());
    const { resources } = await pair.client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual(['memoram://tags', 'memoram://status']);
    const status = await readJson('memoram://status');
    expect(status).toEqual({
      backend: 'memoram',
      state: 'awaiting_user_consent',
      message: 'Open the authorization URL to connect.',
      memory_count: null,
      scope: null,
      scope_reason: 'MEMORAM_SCOPE is not set',
    });
    expect(JSON.stringify(status)).not.toContain('s3cret');
    await expect(pair.client.readResource({ uri: 'memoram://tags' })).rejects.toThrow(
      'Call the authorize tool',
    );
  });

  it('follows the service the connection switches to, and lets go of it on close', async () => {
    const connection = new FakeRemoteConnection();
    pair = await connectPair(connection);
    const events = recordResourceNotifications(pair.client);
    await pair.client.subscribeResource({ uri: 'memoram://status' });
    const service = await approvableService();
    const stopped = vi.fn();
    const subscribe = service.onChange.bind(service);
    const onChange = vi.spyOn(service, 'onChange').mockImplementation((listener) => {
      const stop = subscribe(listener);
      return () => {
        stopped();
        stop();
      };
    });

    connection.approve(service);
    await vi.waitFor(() => expect(events.updatedUris()).toContain('memoram://status'));
    expect(await readJson('memoram://status')).toMatchObject({ state: 'authorized', memory_count: 0 });
    await createMemory({ content: 'first memory after approval' });
    await vi.waitFor(() => expect(events.updatedUris()).toEqual(['memoram://status', 'memoram://status']));

    expect(connection.listenerCount).toBe(1);
    expect(onChange).toHaveBeenCalledTimes(1);
    await pair.close();
    pair = undefined;
    expect(connection.listenerCount).toBe(0);
    expect(stopped).toHaveBeenCalledTimes(1);
  });
});
