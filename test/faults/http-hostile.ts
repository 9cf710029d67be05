/**
 * Hostile HTTP for the HTTP campaign: request lines, methods, targets, headers and bodies no
 * client library would send, oversized and slow requests, and a flood of sessions, each as raw
 * bytes over its own socket. `expectAnswer` is false only for a request the campaign itself
 * abandons half-sent (a slow one): every other must get a status line.
 */
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { HttpCli } from '../mcp/http-cli.js';
import { INITIALIZE } from '../mcp/http-cli.js';
import type { Rng } from './prng.js';

export interface HostileRequest {
  kind: string;
  /** The pieces written, with the pause before each after the first (ms). */
  pieces: { bytes: string | Buffer; pauseMs: number }[];
  /** Closed by the campaign before it is complete: no answer owed. */
  abandoned?: boolean;
}

const TARGETS = [
  '//x:99999/mcp',
  '//[/mcp',
  'http://',
  'http://[v1.x]/mcp',
  'http://a@b@c/mcp',
  '*',
  '/mcp?%zz',
  '/%00/mcp',
  '/mcp#frag',
  `/${'a'.repeat(20_000)}`,
];
const METHODS = [
  'TRACE',
  'CONNECT',
  'PUT',
  'PATCH',
  'OPTIONS',
  'HEAD',
  'TRACK',
  'G\u0000T',
  'get',
  'PROPFIND',
];

export function hostileRequest(server: HttpCli, rng: Rng): HostileRequest {
  const { host } = new URL(server.url);
  const auth = server.auth.authorization ? `authorization: ${server.auth.authorization}\r\n` : '';
  const json = 'content-type: application/json\r\naccept: application/json, text/event-stream\r\n';
  const post = (target: string, extra: string, body: string | Buffer) =>
    Buffer.concat([
      Buffer.from(
        `POST ${target} HTTP/1.1\r\nhost: ${host}\r\n${auth}${json}${extra}content-length: ${body.length}\r\n\r\n`,
      ),
      Buffer.from(body),
    ]);
  const one = (kind: string, bytes: string | Buffer): HostileRequest => ({
    kind,
    pieces: [{ bytes, pauseMs: 0 }],
  });
  const roll = rng.int(0, 9);
  switch (roll) {
    case 0:
      return one('method', `${rng.pick(METHODS)} /mcp HTTP/1.1\r\nhost: ${host}\r\n${auth}\r\n`);
    case 1:
      return one('target', post(rng.pick(TARGETS), '', INITIALIZE));
    case 2:
      return one('header', `GET /mcp HTTP/1.1\r\nhost: ${host}\r\nx-no-colon\r\n\r\n`);
    case 3:
      return one('header', `GET /mcp HTTP/1.1\r\nhost: ${host}\r\nx-big: ${'b'.repeat(20_000)}\r\n\r\n`);
    case 4:
      // Request smuggling shapes: both framings, or two lengths that disagree.
      return one(
        'framing',
        rng.chance(0.5)
          ? `POST /mcp HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n`
          : `POST /mcp HTTP/1.1\r\nhost: ${host}\r\ncontent-length: 4\r\ncontent-length: 7\r\n\r\nabcd`,
      );
    case 5:
      return one(
        'body',
        post('/mcp', 'mcp-session-id: no-such-session\r\n', rng.chance(0.5) ? '{"jsonrpc":' : '[1,2,3]'),
      );
    case 6:
      return one('bytes', Buffer.from(Array.from({ length: rng.int(1, 200) }, () => rng.int(0, 255))));
    case 7: {
      // Slow but complete: the headers in pieces, then the body.
      const bytes = post('/mcp', '', INITIALIZE);
      const cut = [rng.int(1, 40), rng.int(41, 120)];
      return {
        kind: 'slow',
        pieces: [
          { bytes: bytes.subarray(0, cut[0]), pauseMs: 0 },
          { bytes: bytes.subarray(cut[0], cut[1]), pauseMs: rng.int(50, 300) },
          { bytes: bytes.subarray(cut[1]), pauseMs: rng.int(50, 300) },
        ],
      };
    }
    case 8:
      // Slow and never finished: a few bytes, then the campaign walks away.
      return {
        kind: 'slow, abandoned',
        pieces: [{ bytes: `POST /mcp HTTP/1.1\r\nho`, pauseMs: 0 }],
        abandoned: true,
      };
    default:
      // A session flood: an initialize that never closes its session.
      return one('session flood', post('/mcp', '', INITIALIZE));
  }
}

export const OVERSIZED = (server: HttpCli): HostileRequest => {
  const { host } = new URL(server.url);
  const body = Buffer.alloc(5 * 1024 * 1024, 'a');
  const auth = server.auth.authorization ? `authorization: ${server.auth.authorization}\r\n` : '';
  return {
    kind: 'oversized',
    pieces: [
      {
        bytes: Buffer.concat([
          Buffer.from(
            `POST /mcp HTTP/1.1\r\nhost: ${host}\r\n${auth}content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n`,
          ),
          body,
        ]),
        pauseMs: 0,
      },
    ],
  };
};

/** Sends one hostile request; resolves with its status, 0 when none came (null when abandoned). */
export function sendHostile(url: string, request: HostileRequest): Promise<number | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    let received = '';
    let settled = false;
    const settle = (value: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const socket = net.connect(Number(port), hostname, async () => {
      for (const piece of request.pieces) {
        if (piece.pauseMs > 0) await delay(piece.pauseMs);
        if (settled) return;
        socket.write(piece.bytes);
      }
      if (request.abandoned) setTimeout(() => settle(null), 50);
    });
    const timer = setTimeout(() => settle(0), 10_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      // 100 Continue is not the answer.
      if (status && status[1] !== '100') settle(Number(status[1]));
    });
    socket.on('error', () => {});
    socket.on('close', () =>
      settle(request.abandoned ? null : Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)),
    );
  });
}
