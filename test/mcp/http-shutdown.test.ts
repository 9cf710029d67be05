// serve --http shutting down: what arrives just before or during the drain is answered (or gets
// 503 with Retry-After), never reset; and a second signal during the drain ends it at once.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { type HttpCli, type RawExchange, rawExchange, startHttpCli } from './http-cli.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(): Promise<HttpCli> {
  const home: TempHome = await tempHome();
  cleanups.push(() => home.cleanup());
  const server = await startHttpCli(home.env);
  cleanups.push(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
    await ended(server);
  });
  return server;
}

/** The exit code, or the signal that ended the process. */
function ended(server: HttpCli): Promise<number | string> {
  const { child } = server;
  const now = child.exitCode ?? child.signalCode;
  if (now !== null) return Promise.resolve(now);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? '')));
}

const LIST = JSON.stringify({
  jsonrpc: '2.0',
  id: 7,
  method: 'tools/list',
  params: {
    _meta: {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});

/** A 2026-07-28 tools/list as raw bytes, with the server's token (its body unless told). */
function listRequest(server: HttpCli, options: { expectContinue?: boolean } = {}): string {
  const { host } = new URL(server.url);
  const head = Object.entries({
    ...server.headers,
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/list',
  })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  const framing = `content-length: ${LIST.length}\r\n`;
  if (options.expectContinue)
    return `POST /mcp HTTP/1.1\r\nhost: ${host}\r\n${head}expect: 100-continue\r\n${framing}\r\n`;
  return `POST /mcp HTTP/1.1\r\nhost: ${host}\r\n${head}${framing}\r\n${LIST}`;
}

/**
 * A request in flight that the drain must wait for: its headers are in (the server said
 * 100 Continue, so it is being served), half its body is not. `finish` sends the rest.
 */
async function requestInFlight(server: HttpCli): Promise<{ finish(): Promise<RawExchange> }> {
  const { hostname, port } = new URL(server.url);
  const socket = net.connect(Number(port), hostname);
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => {});
  socket.write(listRequest(server, { expectContinue: true }));
  await new Promise<void>((resolve) => {
    const check = () => (received.includes('100 Continue') ? resolve() : socket.once('data', check));
    check();
  });
  socket.write(LIST.slice(0, 10));
  return {
    finish: () =>
      new Promise((resolve) => {
        socket.write(LIST.slice(10));
        const done = () => {
          const answer = received.slice(received.indexOf('\r\n\r\n') + 4);
          const status = Number(/HTTP\/1\.1 ([2-5]\d\d)/.exec(answer)?.[1] ?? 0);
          resolve({ status, head: answer.slice(0, answer.indexOf('\r\n\r\n')), body: answer });
        };
        socket.on('data', () => {
          if (/HTTP\/1\.1 [2-5]\d\d[\s\S]*"result"/.test(received)) done();
        });
        socket.once('close', done);
      }),
  };
}

function untilLogged(server: HttpCli, text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (server.output.stderr().includes(text)) {
        server.child.stderr.off('data', check);
        resolve();
      }
    };
    server.child.stderr.on('data', check);
    check();
  });
}

/** Answered in full, or refused with 503 and Retry-After: anything but a reset or silence. */
function expectAnsweredOrDeferred(answer: RawExchange, what: string): void {
  if (answer.status === 200) {
    expect(answer.body, what).toContain('"tools"');
    return;
  }
  expect(answer.status, `${what}: ${answer.head}`).toBe(503);
  expect(answer.head.toLowerCase(), what).toMatch(/\r\nretry-after: \d+/);
  expect(JSON.parse(answer.body), what).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
}

describe('serve --http draining on SIGTERM', () => {
  it('answers requests arriving during the drain with 503 and Retry-After, and finishes the one in flight', async () => {
    const server = await serve();
    const inFlight = await requestInFlight(server);
    server.child.kill('SIGTERM');
    await untilLogged(server, 'shutting down (SIGTERM)');
    const during: RawExchange[] = [];
    for (let round = 0; round < 5; round++) {
      during.push(
        ...(await Promise.all(Array.from({ length: 6 }, () => rawExchange(server.url, listRequest(server))))),
      );
    }
    during.forEach((answer, index) => {
      expect(answer.status, `request ${index} during the drain: ${answer.head}`).toBe(503);
      expectAnsweredOrDeferred(answer, `request ${index} during the drain`);
    });
    const finished = await inFlight.finish();
    expect(finished.status).toBe(200);
    expect(await ended(server)).toBe(0);
  });

  it('answers every request sent just before the signal', async () => {
    const server = await serve();
    let sent = 0;
    const all = 30;
    let answers: Promise<RawExchange>[] = [];
    const signalled = new Promise<void>((resolve) => {
      const onSent = () => {
        sent += 1;
        if (sent === all) {
          server.child.kill('SIGTERM');
          resolve();
        }
      };
      answers = Array.from({ length: all }, () =>
        rawExchange(server.url, listRequest(server), { sent: onSent }),
      );
    });
    await signalled;
    (await Promise.all(answers)).forEach((answer, index) => {
      expectAnsweredOrDeferred(answer, `request ${index} sent before SIGTERM`);
    });
    expect(await ended(server)).toBe(0);
  });
});

describe('a second signal during the drain', () => {
  it.each([
    ['SIGTERM', 'SIGINT', 130],
    ['SIGINT', 'SIGTERM', 143],
  ] as const)('after %s, %s ends the process at once', async (first, second, code) => {
    const server = await serve();
    await requestInFlight(server);
    server.child.kill(first);
    await untilLogged(server, `shutting down (${first})`);
    server.child.kill(second);
    expect(await ended(server)).toBe(code);
    expect(server.output.stderr()).toContain(`${second} again during shutdown: exiting now`);
  });
});
