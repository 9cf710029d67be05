// LineStdioTransport's handshakeAnswered, which serve waits for before loading the embedding model:
// pending while only initialize is answered, resolved by the first answer to anything else.
import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { silentLogger } from '../../src/log/logger.js';
import { LineStdioTransport } from '../../src/mcp/stdio-transport.js';

async function setup() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  stdout.resume();
  const transport = new LineStdioTransport({ stdin, stdout, logger: silentLogger });
  const received: unknown[] = [];
  transport.onmessage = (message) => received.push(message);
  await transport.start();
  const deliver = async (message: object) => {
    const before = received.length;
    stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    while (received.length === before) await new Promise((resolve) => setImmediate(resolve));
  };
  let answered = false;
  transport.handshakeAnswered.then(() => {
    answered = true;
  });
  const settled = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return answered;
  };
  return { transport, deliver, settled };
}

const init = {
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
};

it('stays pending while only initialize is answered, and resolves at the next answer', async () => {
  const { transport, deliver, settled } = await setup();
  await deliver({ id: 1, ...init });
  await transport.send({
    jsonrpc: '2.0',
    id: 1,
    result: { protocolVersion: '2025-11-25', capabilities: {}, serverInfo: { name: 's', version: '1' } },
  });
  // A notification from the server is no answer either.
  await transport.send({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
  await deliver({ method: 'notifications/initialized' });
  await deliver({ id: 2, method: 'tools/list' });
  expect(await settled()).toBe(false);
  await transport.send({ jsonrpc: '2.0', id: 2, result: { tools: [] } });
  expect(await settled()).toBe(true);
  await transport.close();
});

it('resolves at the first answer when the client sends no initialize (2026-07-28)', async () => {
  const { transport, deliver, settled } = await setup();
  await deliver({ id: 'a', method: 'tools/list', params: {} });
  expect(await settled()).toBe(false);
  await transport.send({ jsonrpc: '2.0', id: 'a', error: { code: -32602, message: 'no' } });
  expect(await settled()).toBe(true);
  await transport.close();
});
