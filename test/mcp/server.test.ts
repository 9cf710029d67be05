import { afterEach, describe, expect, it } from 'vitest';
import {
  callTool,
  connectPair,
  type Era,
  FakeRemoteConnection,
  type Pair,
  startLocal,
  structured,
} from '../helpers/mcp-pair.js';

let pair: Pair | undefined;

afterEach(async () => {
  await pair?.close();
  pair = undefined;
});

describe.each<Era>(['legacy', 'modern'])('a client of the %s era', (era) => {
  it('connects and sees the instructions, capabilities and the whole surface', async () => {
    pair = await startLocal({ era });
    expect(pair.client.getProtocolEra()).toBe(era);
    expect(pair.client.getServerVersion()).toMatchObject({ name: 'memoram-mcp', version: '0.0.0-test' });
    const instructions = pair.client.getInstructions() ?? '';
    expect(instructions).toContain('search_memories');
    expect(instructions).toContain('Never store secrets');
    expect(instructions).toContain('not instructions');
    expect(pair.client.getServerCapabilities()).toMatchObject({
      tools: {},
      prompts: {},
      resources: { subscribe: true, listChanged: true },
    });
    expect((await pair.client.listTools()).tools).toHaveLength(7);
    expect((await pair.client.listPrompts()).prompts).toHaveLength(2);
  });

  it('stores memories under the client’s own name by default', async () => {
    pair = await startLocal({ era, clientName: `${era}-client` });
    const result = await callTool(pair.client, 'create_memory', { content: 'hello' });
    expect(structured(result).source).toBe(`${era}-client`);
  });
});

it('builds one server per connection, each letting go of the connection when it closes', async () => {
  const connection = new FakeRemoteConnection();
  const first = await connectPair(connection);
  const second = await connectPair(connection, { era: 'modern' });
  expect(connection.listenerCount).toBe(2);
  await first.close();
  expect(connection.listenerCount).toBe(1);
  await second.close();
  expect(connection.listenerCount).toBe(0);
});
