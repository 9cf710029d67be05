// serve --http end to end: the built CLI on a free loopback port, real SDK clients in both
// protocol eras, and raw requests for the wire (sessions, refusals, bounds).
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli, type TempHome, tempHome } from '../cli/spawn.js';
import { callTool, recordResourceNotifications, structured } from '../helpers/mcp-pair.js';
import {
  connectHttp,
  type Era,
  type HttpCli,
  INITIALIZE,
  message,
  openStream,
  rawRequest,
  startHttpCli,
  uploadStatus,
} from './http-cli.js';

let home: TempHome;
let server: HttpCli;
const clients: Client[] = [];

beforeAll(async () => {
  home = await tempHome();
  server = await startHttpCli(home.env);
});

afterAll(async () => {
  for (const client of clients.splice(0)) await client.close().catch(() => {});
  await server?.stop();
  await home?.cleanup();
});

async function connect(era: Era, name?: string): Promise<Client> {
  const client = await connectHttp(server.url, era, { headers: server.auth, ...(name ? { name } : {}) });
  clients.push(client);
  return client;
}

const create = async (client: Client, content: string) =>
  structured<{ id: string }>(await callTool(client, 'create_memory', { content })).id;

const search = async (client: Client, query: string) =>
  structured<{ memories: { id: string }[] }>(
    await callTool(client, 'search_memories', { query }),
  ).memories.map((memory) => memory.id);

describe.each<Era>(['legacy', 'modern'])('serve --http, %s era', (era) => {
  it('initializes, lists the tools and calls them', async () => {
    const client = await connect(era);
    expect(client.getNegotiatedProtocolVersion()).toBe(era === 'modern' ? '2026-07-28' : '2025-11-25');
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain('search_memories');
    expect(tools).toHaveLength(7);
    const id = await create(client, `a memory saved over http in the ${era} era`);
    expect(await search(client, `saved over http ${era}`)).toContain(id);
    const authorize = structured<{ state: string }>(await callTool(client, 'authorize'));
    expect(authorize.state).toBe('local');
  });

  it('answers a tool or prompt named like an Object.prototype property with "not found"', async () => {
    const client = await connect(era);
    for (const name of ['__proto__', 'toString']) {
      await expect(client.callTool({ name, arguments: {} })).rejects.toThrow(`Tool ${name} not found`);
      await expect(client.getPrompt({ name })).rejects.toThrow(`Prompt ${name} not found`);
    }
    expect((await client.listTools()).tools).toHaveLength(7);
  });
});

describe('serve --http with several clients', () => {
  it('serves two clients at once on one store, each seeing the other’s writes', async () => {
    const [legacy, modern] = await Promise.all([connect('legacy', 'first'), connect('modern', 'second')]);
    const [fromLegacy, fromModern] = await Promise.all([
      create(legacy, 'pelicans nest on the jetty'),
      create(modern, 'herons fish at the weir'),
    ]);
    expect(await search(modern, 'pelicans jetty')).toContain(fromLegacy);
    expect(await search(legacy, 'herons weir')).toContain(fromModern);
  });

  it('sends each session only the notifications it asked for', async () => {
    const writer = await connect('modern', 'writer');
    // The process gathers changes for 50 ms before it tells the listen streams, so a stream opened
    // within that time of a create hears the create too (harmless: one more re-read). The writer
    // listens to the tag counts, which every write changes, to know when the creates' news is out.
    const heardByWriter = recordResourceNotifications(writer);
    await writer.listen({ resourceSubscriptions: ['memoram://tags'] });
    const [watchedId, otherId] = [
      await create(writer, 'watched lighthouse'),
      await create(writer, 'other buoy'),
    ];
    await vi.waitFor(() => expect(heardByWriter.updatedUris().length).toBeGreaterThan(0));
    const watched = `memoram://memories/${watchedId}`;
    const other = `memoram://memories/${otherId}`;
    const a = await connect('legacy', 'a');
    const b = await connect('legacy', 'b');
    const listener = await connect('modern', 'listener');
    const [eventsA, eventsB, eventsListener] = [a, b, listener].map(recordResourceNotifications);
    await a.subscribeResource({ uri: watched });
    await b.subscribeResource({ uri: other });
    await listener.listen({ resourceSubscriptions: [watched] });

    await callTool(writer, 'update_memory', { id: watchedId, title: 'changed' });
    await vi.waitFor(() => expect(eventsA!.updatedUris()).toEqual([watched]));
    await vi.waitFor(() => expect(eventsListener!.updatedUris()).toEqual([watched]));
    await callTool(writer, 'update_memory', { id: otherId, title: 'changed too' });
    await vi.waitFor(() => expect(eventsB!.updatedUris()).toEqual([other]));
    // B never heard of the watched memory, A never of the other one, whatever order they came in.
    expect(eventsA!.updatedUris()).toEqual([watched]);
    expect(eventsListener!.updatedUris()).toEqual([watched]);

    // A new memory changes the list: every 2025-era session hears it on its own stream.
    await create(writer, 'a new memory for the list');
    await vi.waitFor(() => expect(eventsA!.listChanges()).toBeGreaterThan(0));
    await vi.waitFor(() => expect(eventsB!.listChanges()).toBeGreaterThan(0));
  });
});

describe('serve --http on the wire', () => {
  it('gives a 2025-era client a session with a GET stream, and ends it on DELETE', async () => {
    const init = await rawRequest(server.url, { headers: server.headers, body: INITIALIZE, untilData: true });
    expect(init.status).toBe(200);
    const session = init.headers['mcp-session-id'] as string;
    expect(session).toMatch(/^[0-9a-f-]{36}$/);
    expect(message(init.body)).toMatchObject({ id: 1, result: { protocolVersion: '2025-11-25' } });
    const headers = { ...server.headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' };
    const initialized = JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' });
    expect((await rawRequest(server.url, { headers, body: initialized })).status).toBe(202);
    const stream = await openStream(server.url, headers);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);

    expect((await rawRequest(server.url, { method: 'DELETE', headers })).status).toBe(200);
    const after = await rawRequest(server.url, {
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
    // Ending the session ended its notification stream too.
    await stream.ended;
  });

  it('refuses a foreign Host or Origin with 403, and accepts the loopback ones', async () => {
    const port = new URL(server.url).port;
    const forged = await rawRequest(server.url, {
      headers: { ...server.headers, host: `attacker.example:${port}` },
      body: INITIALIZE,
    });
    expect(forged.status).toBe(403);
    const crossSite = await rawRequest(server.url, {
      headers: { ...server.headers, origin: 'https://attacker.example' },
      body: INITIALIZE,
    });
    expect(crossSite.status).toBe(403);
    const local = await rawRequest(server.url, {
      headers: { ...server.headers, host: `localhost:${port}`, origin: `http://localhost:${port}` },
      body: INITIALIZE,
      untilData: true,
    });
    expect(local.status).toBe(200);
  });

  it('answers an oversized body with 413 and a malformed one with a JSON-RPC parse error', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 'a');
    // Declared too long, or found too long while it streams in (chunked, no length).
    expect(await uploadStatus(server.url, server.headers, huge, false)).toBe(413);
    expect(await uploadStatus(server.url, server.headers, huge, true)).toBe(413);
    for (const era of ['2025-11-25', '2026-07-28']) {
      const malformed = await rawRequest(server.url, {
        headers: { ...server.headers, 'mcp-protocol-version': era },
        body: '{"jsonrpc":"2.0","id":1,"method":',
      });
      expect(malformed.status).toBe(400);
      expect(message(malformed.body)).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
    }
  });

  it('answers other paths with 404', async () => {
    const response = await rawRequest(new URL('/other', server.url).href, {
      headers: server.headers,
      body: INITIALIZE,
    });
    expect(response.status).toBe(404);
  });
});

describe('serve options', () => {
  it('refuses --port, --host and --no-token without --http, with the usage line', async () => {
    for (const args of [
      ['serve', '--port', '3939'],
      ['serve', '--host', '0.0.0.0'],
      ['serve', '--no-token'],
    ]) {
      const result = await runCli(args, home.env);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('Usage: memoram-mcp serve [--http [--port N] [--host H] [--no-token]]');
      expect(result.stdout).toBe('');
    }
  });
});
