/**
 * Who the memory page answers: the token in the printed link, traded for the cookie; then only
 * requests from the page's own origin, with its CSRF token on writes. Asserted on the wire (raw
 * node:http requests, so Host, Origin and Cookie are exactly what the test says) and in the
 * browser, where a page served from another port of 127.0.0.1 (the same *site*, so SameSite lets
 * the cookie through) tries to read and delete memories.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/memory/service.js';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { type Chromium, launchChromium } from '../helpers/browser.js';
import { openStore, type RunningPage, startPage } from './page-process.js';

let home: TempHome;
let store: MemoryService;
let running: RunningPage;
let port: number;
let memoryId: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw request, with exactly the headers given. */
function send(
  method: string,
  target: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let cookie: string;
let csrf: string;
const own = () => ({ host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}` });

beforeAll(async () => {
  home = await tempHome();
  store = await openStore(home);
  memoryId = (await store.create({ content: 'A secret plan about the surprise party.', title: 'Party' }))
    .memory.id;
  running = await startPage(home.env);
  port = Number(new URL(running.url).port);
  const exchanged = await send('GET', new URL(running.url).pathname + new URL(running.url).search, {
    host: `127.0.0.1:${port}`,
  });
  cookie = String(exchanged.headers['set-cookie']).split(';')[0]!;
  const shell = await send('GET', '/', { host: `127.0.0.1:${port}`, cookie });
  csrf = /name="memoram-csrf" content="([^"]+)"/.exec(shell.body)![1]!;
});

afterAll(async () => {
  await running?.stop();
  await store?.close();
  await home?.cleanup();
});

describe('the memory page’s guard, on the wire', () => {
  it('trades the link’s token for the cookie, and refuses a wrong token', async () => {
    const exchanged = await send('GET', `/?token=${new URL(running.url).searchParams.get('token')}`, {
      host: `127.0.0.1:${port}`,
    });
    expect(exchanged.status).toBe(303);
    expect(exchanged.headers.location).toBe('/');
    expect(String(exchanged.headers['set-cookie'])).toMatch(
      new RegExp(`^memoram_page_${port}=[\\w-]{43}; HttpOnly; SameSite=Strict; Path=/$`),
    );
    const wrong = await send('GET', '/?token=guessed', { host: `127.0.0.1:${port}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('refuses every request without the cookie, and hands out no data or CSRF token', async () => {
    const page = await send('GET', '/', { host: `127.0.0.1:${port}` });
    expect(page.status).toBe(401);
    expect(page.body).not.toContain('memoram-csrf');
    expect(page.body).toContain('Open the link memoram-mcp printed');
    for (const target of [
      '/api/memories',
      `/api/memories/${memoryId}`,
      '/api/export?format=json',
      '/api/tags',
    ]) {
      const answer = await send('GET', target, { host: `127.0.0.1:${port}` });
      expect(answer.status, target).toBe(401);
      expect(answer.body).not.toContain('surprise');
    }
    const wrongCookie = await send('GET', '/api/memories', {
      host: `127.0.0.1:${port}`,
      cookie: `memoram_page_${port}=forged`,
    });
    expect(wrongCookie.status).toBe(401);
  });

  it('answers the cookie holder', async () => {
    const answer = await send('GET', '/api/memories', { ...own(), cookie });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).memories[0].title).toBe('Party');
  });

  it('refuses another Host (DNS rebinding), even with the cookie', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`]) {
      const answer = await send('GET', '/api/memories', { host, cookie });
      expect(answer.status, host).toBe(421);
    }
  });

  it('refuses another Origin and another site, even with the cookie', async () => {
    const other = await send('GET', '/api/memories', {
      host: `127.0.0.1:${port}`,
      origin: 'http://127.0.0.1:1',
      cookie,
    });
    expect(other.status).toBe(403);
    const sameSite = await send('GET', '/api/memories', {
      host: `127.0.0.1:${port}`,
      cookie,
      'sec-fetch-site': 'same-site',
    });
    expect(sameSite.status).toBe(403);
    const deleted = await send(
      'POST',
      '/api/delete',
      {
        host: `127.0.0.1:${port}`,
        origin: 'http://127.0.0.1:1',
        cookie,
        'x-memoram-csrf': csrf,
        'content-type': 'application/json',
      },
      JSON.stringify({ ids: [memoryId] }),
    );
    expect(deleted.status).toBe(403);
    expect(await store.count()).toBe(1);
  });

  it('refuses a write without the CSRF token or without an Origin', async () => {
    const body = JSON.stringify({ ids: [memoryId] });
    const json = { 'content-type': 'application/json' };
    expect((await send('POST', '/api/delete', { ...own(), cookie, ...json }, body)).status).toBe(403);
    expect(
      (await send('POST', '/api/delete', { ...own(), cookie, ...json, 'x-memoram-csrf': 'forged' }, body))
        .status,
    ).toBe(403);
    expect(
      (
        await send(
          'POST',
          '/api/delete',
          { host: `127.0.0.1:${port}`, cookie, ...json, 'x-memoram-csrf': csrf },
          body,
        )
      ).status,
    ).toBe(403);
    expect(await store.count()).toBe(1);
    // The page's own request goes through.
    const update = await send(
      'PATCH',
      `/api/memories/${memoryId}`,
      { ...own(), cookie, ...json, 'x-memoram-csrf': csrf },
      JSON.stringify({
        title: 'Party plans',
        expected_updated_at: (await store.read([memoryId])).memories[0]!.updated_at,
      }),
    );
    expect(update.status).toBe(200);
  });

  it('sends a strict CSP and the other security headers on every answer', async () => {
    for (const [target, headers] of [
      ['/', { host: `127.0.0.1:${port}`, cookie }],
      ['/api/memories', { host: `127.0.0.1:${port}`, cookie }],
      ['/api/memories', { host: `127.0.0.1:${port}` }],
      ['/assets/page.js', { host: `127.0.0.1:${port}` }],
    ] as const) {
      const answer = await send('GET', target, headers);
      expect(answer.headers['content-security-policy'], target).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
      expect(answer.headers['referrer-policy']).toBe('no-referrer');
      expect(answer.headers['cross-origin-resource-policy']).toBe('same-origin');
    }
    const shell = await send('GET', '/', { host: `127.0.0.1:${port}`, cookie });
    expect(shell.body).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(shell.body).not.toMatch(/<style|style=|https?:\/\/(?!127)/);
  });
});

describe('the memory page’s guard, in the browser', () => {
  let browser: Chromium;
  let attacker: Server;
  let attackerOrigin: string;

  beforeAll(async () => {
    browser = await launchChromium();
    // Another page on this machine, on another port: the same site as the memory page.
    attacker = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      if (req.url === '/form') {
        res.end(`<!doctype html><form id="f" method="POST" action="http://127.0.0.1:${port}/api/delete" enctype="text/plain">
<input name='{"ids":["${memoryId}"],"x":"' value='"}'></form><p>attacker</p>`);
        return;
      }
      res.end('<!doctype html><p>attacker</p>');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
  });

  it('lets a page from another origin neither read nor delete, with the cookie in the same browser', async () => {
    const own = await browser.context.newPage();
    await own.goto(running.url);
    await own.locator('#list > li').first().waitFor();
    const page = await browser.context.newPage();
    await page.goto(attackerOrigin);
    const tries = await page.evaluate(async (target) => {
      const outcomes: string[] = [];
      const attempt = async (what: string, init: RequestInit) => {
        try {
          const response = await fetch(target, { credentials: 'include', ...init });
          outcomes.push(`${what}: ${response.status} ${await response.text()}`);
        } catch (error) {
          outcomes.push(`${what}: ${(error as Error).name}`);
        }
      };
      await attempt('read', {});
      await attempt('read no-cors', { mode: 'no-cors' });
      await attempt('delete', {
        method: 'POST',
        mode: 'no-cors',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ ids: ['x'] }),
      });
      return outcomes;
    }, `http://127.0.0.1:${port}/api/memories`);
    // CORS and Cross-Origin-Resource-Policy keep every answer from the other page.
    expect(tries).toEqual(['read: TypeError', 'read no-cors: TypeError', 'delete: TypeError']);

    const form = await browser.context.newPage();
    await form.goto(`${attackerOrigin}/form`);
    await Promise.all([
      form.waitForURL(`http://127.0.0.1:${port}/api/delete`),
      form.evaluate('document.getElementById("f").submit()'),
    ]);
    // The form's POST reached the page's server with the cookie, and was refused there.
    expect(await form.content()).toContain('Refused: the request did not come from this page.');
    expect(await store.count()).toBe(1);
    expect((await store.read([memoryId])).memories).toHaveLength(1);
  });
});

describe('a page started read-only', () => {
  it('shows the memories and refuses every write', async () => {
    const readOnly = await startPage({ ...home.env, MEMORAM_READ_ONLY: '1' });
    try {
      const origin = readOnly.origin;
      const exchanged = await fetch(readOnly.url, { redirect: 'manual' });
      const session = exchanged.headers.getSetCookie()[0]!.split(';')[0]!;
      const shell = await (await fetch(`${origin}/`, { headers: { cookie: session } })).text();
      const token = /name="memoram-csrf" content="([^"]+)"/.exec(shell)![1]!;
      const facts = await (await fetch(`${origin}/api/facts`, { headers: { cookie: session } })).json();
      expect(facts).toMatchObject({ read_only: true, memories: 1 });
      const write = await fetch(`${origin}/api/delete`, {
        method: 'POST',
        headers: { cookie: session, origin, 'x-memoram-csrf': token, 'content-type': 'application/json' },
        body: JSON.stringify({ ids: [memoryId] }),
      });
      expect(write.status).toBe(403);
      expect(await write.json()).toMatchObject({ error: 'READ_ONLY' });
      expect(await store.count()).toBe(1);
    } finally {
      await readOnly.stop();
    }
  });
});
