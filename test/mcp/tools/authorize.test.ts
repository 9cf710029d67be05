import { afterEach, describe, expect, it } from 'vitest';
import { MemoramError } from '../../../src/memory/errors.js';
import {
  callTool,
  connectPair,
  type Era,
  FakeRemoteConnection,
  type Pair,
  startLocal,
  structured,
  text,
} from '../../helpers/mcp-pair.js';

let pair: Pair | undefined;

afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

it('answers local on the embedded store, and says how to connect Memoram', async () => {
  pair = await startLocal();
  const result = await callTool(pair.client, 'authorize');
  expect(result.isError).toBeFalsy();
  const state = structured<{ state: string; message: string }>(result);
  expect(state.state).toBe('local');
  expect(state.message).toContain('MEMORAM_API_KEY');
});

it.each<Era>(['legacy', 'modern'])(
  'reports progress while it waits and returns the state (%s era)',
  async (era) => {
    const connection = new FakeRemoteConnection();
    pair = await connectPair(connection, { era });
    const progress: { progress: number; message?: string }[] = [];
    const result = await pair.client.callTool(
      { name: 'authorize', arguments: { reason: 'Remember your preferences' } },
      { onprogress: (update) => progress.push(update) },
    );
    expect(structured(result)).toEqual({
      state: 'awaiting_approval',
      access_request_id: 'ar_1',
      message: 'Approve the access request in Memoram, then call authorize again.',
    });
    expect(connection.authorizeCalls).toEqual([{ reason: 'Remember your preferences' }]);
    expect(progress).toEqual([
      expect.objectContaining({ progress: 1, message: 'Filed the access request.' }),
      expect.objectContaining({ progress: 2, message: 'Waiting for the user to approve it.' }),
    ]);
  },
);

describe('the memory key', () => {
  const key = 'mk_live_4f1c9a7e5b3d2c10';

  const authorizeWith = async (answer: FakeRemoteConnection['answer']) => {
    const connection = new FakeRemoteConnection();
    connection.answer = answer;
    pair = await connectPair(connection);
    const result = await callTool(pair.client, 'authorize', { memory_key: key });
    expect(connection.authorizeCalls[0]?.memory_key).toBe(key);
    expect(JSON.stringify(result)).not.toContain(key);
    expect(pair.logs.join('')).not.toContain(key);
    return result;
  };

  // Flows that (wrongly) repeat the key must still not bring it back to the model.
  it('is scrubbed from a state that repeats it', async () => {
    const result = await authorizeWith((input) => ({
      state: 'error',
      message: `The key ${input.memory_key} was not accepted.`,
    }));
    expect(structured(result)).toEqual({ state: 'error', message: 'The key [redacted] was not accepted.' });
  });

  it('is scrubbed from an error the flow reports', async () => {
    const result = await authorizeWith((input) => {
      throw new MemoramError('ACCESS_DENIED', `Memoram refused ${input.memory_key}.`, { hint: 'Ask again.' });
    });
    expect(result.isError).toBe(true);
    expect(text(result)).toBe('Memoram refused [redacted]. Ask again.');
  });

  it('is scrubbed from the log of an unexpected failure', async () => {
    const result = await authorizeWith((input) => {
      throw new TypeError(`cannot read ${input.memory_key}`);
    });
    expect(text(result)).toBe('Internal error in authorize, see the server log.');
    expect(pair!.logs.join('')).toContain('cannot read [redacted]');
  });
});

it('points every memory tool at authorize while the server is not connected, and stays up', async () => {
  pair = await connectPair(new FakeRemoteConnection());
  const calls: [string, Record<string, unknown>][] = [
    ['search_memories', {}],
    ['read_memories', { ids: ['mem_1'] }],
    ['create_memory', { content: 'x' }],
    ['update_memory', { id: 'mem_1', title: 'x' }],
    ['delete_memories', { ids: ['mem_1'] }],
    ['list_tags', {}],
  ];
  for (const [name, args] of calls) {
    const result = await callTool(pair.client, name, args);
    expect(result.isError, name).toBe(true);
    expect(text(result)).toBe(
      'This server is not connected to a Memoram account yet. Call the authorize tool to connect it, then retry.',
    );
  }
  expect(structured(await callTool(pair.client, 'authorize')).state).toBe('awaiting_approval');
});
