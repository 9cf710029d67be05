// What a client (or anything else on the other end of stdin) sends that is not what MCP expects:
// every request with an id still gets exactly one answer, a line that is not JSON gets -32700, a
// line too large to take gets an error answer, and the server keeps serving through all of it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRawSession, type RawSession } from './raw-stdio.js';
import { type TempHome, tempHome } from './spawn.js';

let home: TempHome;
let session: RawSession;
beforeEach(async () => {
  home = await tempHome();
  session = await openRawSession(home.env);
});
afterEach(async () => {
  if (session.child.exitCode === null) session.child.kill();
  await home.cleanup();
});

const ping = (id: number | string) => ({ jsonrpc: '2.0', id, method: 'ping' });
const callTool = (id: number, name: string, extra: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {}, ...extra },
});

async function expectStillServing(id: number | string = 'alive') {
  expect((await session.call(ping(id))).result).toEqual({});
}

describe('serve over stdio, given malformed requests', () => {
  it('answers a line that is not JSON with a parse error (-32700, id null)', async () => {
    session.write('this is not json');
    session.write('{"jsonrpc":"2.0","id":1,"method":"ping"');
    const errors = await session.waitFor((message) => message.error?.code === -32700, 2);
    expect(errors.every((error) => error.id === null)).toBe(true);
    await expectStillServing();
  });

  it('answers requests whose params or _meta have the wrong shape, by id', async () => {
    const requests = [
      callTool(11, 'list_tags', { _meta: { progressToken: { nested: true } } }),
      { jsonrpc: '2.0', id: 12, method: 'tools/list', params: { _meta: 'not an object' } },
      { jsonrpc: '2.0', id: 13, method: 'tools/list', params: 'not an object' },
      { jsonrpc: '2.0', id: 14, method: 'tools/list', params: 42 },
      { jsonrpc: '1.0', id: 15, method: 'ping' },
      { jsonrpc: '2.0', id: 16 },
    ];
    for (const request of requests) {
      const answer = await session.call(request);
      expect(answer.error?.code, JSON.stringify(request)).toBeOneOf([-32600, -32602]);
      expect(answer.result).toBeUndefined();
    }
    await expectStillServing();
    expect(session.strayLines()).toEqual([]);
  });

  it('answers a line over the size limit with an error and keeps serving', async () => {
    const huge = JSON.stringify(
      callTool(21, 'create_memory', { arguments: { content: 'x'.repeat(11 << 20) } }),
    );
    session.write(huge);
    const [answer] = await session.waitFor((message) => message.error?.code === -32600);
    expect(answer!.id).toBe(21);
    expect(answer!.error?.message).toMatch(/too large/i);
    await expectStillServing();
    expect(await session.end()).toBe(0);
  });

  it('calls a tool named like an Object.prototype key an unknown tool', async () => {
    for (const [index, name] of ['__proto__', 'toString', 'constructor', 'hasOwnProperty'].entries()) {
      const answer = await session.call(callTool(31 + index, name));
      expect(answer.error?.message).toBe(`Tool ${name} not found`);
    }
    const prompt = await session.call({
      jsonrpc: '2.0',
      id: 40,
      method: 'prompts/get',
      params: { name: '__proto__' },
    });
    expect(prompt.error?.message).toBe('Prompt __proto__ not found');
    await expectStillServing();
  });
});
