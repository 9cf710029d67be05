import { ProtocolError } from '@modelcontextprotocol/client';
import { afterEach, expect, it } from 'vitest';
import { type Connection, LocalConnection } from '../../../src/connection/connection.js';
import {
  callTool,
  connectPair,
  openLocalService,
  type Pair,
  startLocal,
  structured,
  text,
} from '../../helpers/mcp-pair.js';
import { removeTempDir } from '../../helpers/temp-dir.js';

let pair: Pair | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await pair?.close();
  pair = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

it('offers only the tools that write no memories in read-only mode, plus authorize', async () => {
  pair = await startLocal({ readOnly: true });
  const { tools } = await pair.client.listTools();
  expect(tools.map((tool) => tool.name)).toEqual([
    'search_memories',
    'read_memories',
    'list_tags',
    'authorize',
  ]);
  await expect(callTool(pair.client, 'create_memory', { content: 'x' })).rejects.toThrow(ProtocolError);
  await expect(callTool(pair.client, 'delete_memories', { ids: ['mem_1'] })).rejects.toThrow(
    'Tool delete_memories not found',
  );
  expect(structured(await callTool(pair.client, 'search_memories')).memories).toEqual([]);
});

it('turns an unexpected failure into an internal error, with the details in the log only', async () => {
  const { service, dir } = await openLocalService();
  const local = new LocalConnection(service);
  cleanups.push(async () => {
    await local.close();
    await removeTempDir(dir);
  });
  // A connection that breaks once serving: its failure carries details the model must not see.
  let failing = false;
  const broken: Connection = {
    backend: 'local',
    service: () => {
      if (failing) throw new Error('database handle 0x7f3a is gone');
      return service;
    },
    status: () => local.status(),
    authorize: () => local.authorize(),
    onServiceChange: () => () => {},
    onStatusChange: () => () => {},
    close: async () => {},
  };
  pair = await connectPair(broken);
  failing = true;
  const result = await callTool(pair.client, 'search_memories', { query: 'anything' });
  expect(result).toMatchObject({ isError: true });
  expect(text(result)).toBe('Internal error in search_memories, see the server log.');
  expect(JSON.stringify(result)).not.toContain('0x7f3a');
  const log = pair.logs.join('');
  expect(log).toContain('search_memories failed');
  expect(log).toContain('database handle 0x7f3a is gone');
  expect(log).toContain('at '); // the stack, on stderr only
  // The server stays up.
  expect(structured(await callTool(pair.client, 'authorize')).state).toBe('local');
});
