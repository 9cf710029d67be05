/**
 * An MCP client in-process over a RemoteConnection whose flow signs in through the harness's
 * emulator (no browser of its own), and the check that the memory tools then work on Memoram.
 */
import type { Client } from '@modelcontextprotocol/client';
import { expect, onTestFinished } from 'vitest';
import { RemoteConnection } from '../../src/connection/remote-connection.js';
import { callTool, connectPair, type PairOptions, structured, text } from '../helpers/mcp-pair.js';
import type { Harness } from './harness.js';

/** A client↔server pair over a RemoteConnection whose flow signs in through the emulator. */
export async function remotePair(
  h: Harness,
  options: PairOptions = {},
  oauth: Parameters<Harness['oauth']>[0] = {},
) {
  const flow = h.flow({ oauth: h.oauth(oauth), waitMs: 200, progressEveryMs: 50 });
  const connection = new RemoteConnection({ client: h.newClient(), flow, logger: h.logger });
  const pair = await connectPair(connection, options);
  onTestFinished(async () => {
    h.seen(pair.logs.join(''));
    await pair.close();
    await connection.close();
  });
  return pair;
}

/** The memory tools work on Memoram: a memory saved is found again, and went to the emulator. */
export async function memoryToolsWork(h: Harness, client: Client) {
  const content = `The user’s favourite tea is genmaicha (${Math.random()}).`;
  h.sealed.add(content);
  const created = await callTool(client, 'create_memory', { content, title: 'Tea' });
  expect(created.isError, text(created)).toBeFalsy();
  const found = await callTool(client, 'search_memories', { query: 'genmaicha' });
  const hits = structured<{ memories: { id: string }[] }>(found).memories;
  expect(hits.map((memory) => memory.id)).toEqual([structured<{ id: string }>(created).id]);
  expect(await h.requests('POST /memory-blobs')).toHaveLength(1);
}
