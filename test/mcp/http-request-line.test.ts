// serve --http against request lines no client library would send: every one is answered with a
// status and a one-line JSON-RPC error, and the server keeps serving the clients it has.
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { callTool, structured } from '../helpers/mcp-pair.js';
import { connectHttp, type HttpCli, INITIALIZE, rawExchange, startHttpCli } from './http-cli.js';

let home: TempHome;
let server: HttpCli;
let client: Client;

beforeAll(async () => {
  home = await tempHome();
  server = await startHttpCli(home.env);
  client = await connectHttp(server.url, 'legacy', { headers: server.auth });
});

afterAll(async () => {
  await client?.close().catch(() => {});
  await server?.stop();
  await home?.cleanup();
});

const request = (line: string, headers = '', body = '') => {
  const host = new URL(server.url).host;
  const framing = body
    ? `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`
    : '';
  return `${line}\r\nhost: ${host}\r\n${headers}${framing}\r\n${body}`;
};

/** Each case: the bytes sent, and the status they must get. */
const cases: [string, () => string, number][] = [
  ['TRACE, which fetch cannot represent', () => request('TRACE /mcp HTTP/1.1'), 405],
  ['CONNECT', () => request(`CONNECT ${new URL(server.url).host} HTTP/1.1`), 405],
  ['a target whose port is out of range', () => request('POST //x:99999/mcp HTTP/1.1', '', INITIALIZE), 404],
  ['a target with an unclosed bracket', () => request('POST //[/mcp HTTP/1.1', '', INITIALIZE), 404],
  ['an absolute target with no host', () => request('POST http:// HTTP/1.1', '', INITIALIZE), 400],
  [
    'an absolute target with a future IP literal',
    () => request('POST http://[v1.x]/mcp HTTP/1.1', '', INITIALIZE),
    400,
  ],
  [
    'an absolute target with credentials',
    () => request('POST http://a@b@c/mcp HTTP/1.1', '', INITIALIZE),
    400,
  ],
  ['the asterisk target', () => request('OPTIONS * HTTP/1.1'), 400],
  ['a method node does not parse', () => request('TRACK /mcp HTTP/1.1'), 400],
  ['bytes that are not HTTP', () => '\x00\x01\x02 garbage\r\n\r\n', 400],
];

describe('serve --http, one hostile request at a time', () => {
  it.each(cases)('answers %s with its status and a JSON-RPC error', async (_name, bytes, status) => {
    const answer = await rawExchange(server.url, bytes());
    expect(answer.status, answer.head).toBe(status);
    const body = JSON.parse(answer.body) as { jsonrpc: string; error: { message: string } };
    expect(body.jsonrpc).toBe('2.0');
    expect(body.error.message).toMatch(/^[^\n]+$/);
    expect(server.child.exitCode).toBeNull();
  });

  it('keeps serving a client whose calls are in flight meanwhile', async () => {
    const content = 'a memory saved while hostile requests arrive';
    const [saved] = await Promise.all([
      callTool(client, 'create_memory', { content }),
      ...cases.map(([, bytes]) => rawExchange(server.url, bytes())),
    ]);
    const { id } = structured<{ id: string }>(saved);
    const read = structured<{ memories: { id: string }[] }>(
      await callTool(client, 'read_memories', { ids: [id] }),
    );
    expect(read.memories.map((memory) => memory.id)).toEqual([id]);
    expect(server.child.exitCode).toBeNull();
  });
});
