/**
 * The memory page at / of `serve --http`, beside /mcp: the printed link opens it; a memory an MCP
 * client saves through /mcp (the assistant, in the same process) shows up on the page without a
 * reload; the page's API takes its own cookie, never the bearer token of /mcp, and /mcp still
 * takes only the bearer token.
 */

import { setTimeout as delay } from 'node:timers/promises';
import type { Client } from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { type Chromium, launchChromium, watch } from '../helpers/browser.js';
import { connectHttp, type HttpCli, startHttpCli } from '../mcp/http-cli.js';

let home: TempHome;
let server: HttpCli;
let pageUrl: string;
let browser: Chromium;
let page: Page;
let client: Client;

beforeAll(async () => {
  home = await tempHome();
  server = await startHttpCli(home.env);
  pageUrl = /your memories at (http:\/\/\S+)/.exec(server.output.stderr())![1]!;
  client = await connectHttp(server.url, 'modern', { headers: server.auth, name: 'page-test' });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(8000);
});

afterAll(async () => {
  await client?.close();
  await browser?.close();
  await server?.stop();
  await home?.cleanup();
});

describe('the memory page beside /mcp', () => {
  it('serves the page at the printed link, on the same port as /mcp', async () => {
    expect(new URL(pageUrl).origin).toBe(new URL(server.url).origin);
    const problems = watch(page);
    await page.goto(pageUrl);
    await expect.poll(() => page.locator('#summary').textContent()).toContain('No memories yet');
    expect(problems).toEqual([]);
  });

  it('shows a memory the assistant saves through /mcp without a reload', async () => {
    const result = await client.callTool({
      name: 'create_memory',
      arguments: { content: 'Saved through MCP while the page is open.', title: 'From the assistant' },
    });
    expect(result.isError).toBeFalsy();
    // allTextContents does not wait for a row, so each poll is quick and the timeout is the poll's:
    // textContent() waited 8 s for a first row inside a 10 s poll, one chance on a loaded machine.
    await expect
      .poll(async () => (await page.locator('#list > li').allTextContents()).join('\n'), { timeout: 20_000 })
      .toContain('From the assistant');
  });

  it('shows a memory saved while the page was starting, between its list and its change stamp', async () => {
    // The page takes the store's change stamp at start and reloads when it moves. A write that
    // lands after the list was read but before the stamp is in the stamp and not in the list, and
    // the page never shows it. Routing the page's first two requests puts the write exactly there
    // when the page asks for both at once; a page that takes the stamp first gets it in its list.
    const fresh = await browser.context.newPage();
    const path = (url: string) => new URL(url).pathname;
    let created: Promise<unknown> | undefined;
    const create = () => {
      created ??= client.callTool({
        name: 'create_memory',
        arguments: { content: 'Saved while the page was starting.', title: 'During the start' },
      });
      return created;
    };
    let stampAnswered = false;
    let listAnswered = false;
    let firstStamp = true;
    let firstList = true;
    await fresh.route(
      (url) => path(url.href) === '/api/changes',
      async (route) => {
        if (!firstStamp) return route.continue();
        firstStamp = false;
        // Wait a moment for a list asked at the same time to be answered first.
        for (let waited = 0; !listAnswered && waited < 1500; waited += 50) await delay(50);
        if (listAnswered) await create();
        await route.continue();
        stampAnswered = true;
      },
    );
    await fresh.route(
      (url) => path(url.href) === '/api/memories',
      async (route) => {
        if (!firstList) return route.continue();
        firstList = false;
        if (stampAnswered) await create();
        await route.fulfill({ response: await route.fetch() });
        listAnswered = true;
      },
    );
    await fresh.goto(pageUrl.replace(/\?token=.*/, ''));
    await expect.poll(() => created !== undefined, { timeout: 10_000 }).toBe(true);
    expect((await created) as { isError?: boolean }).not.toMatchObject({ isError: true });
    await expect
      .poll(async () => (await fresh.locator('#list > li').allTextContents()).join('\n'), { timeout: 20_000 })
      .toContain('During the start');
    await fresh.close();
  });

  it('keeps the two guards apart: the bearer token opens no page, the cookie no /mcp', async () => {
    const origin = new URL(server.url).origin;
    const withBearer = await fetch(`${origin}/api/memories`, { headers: server.auth });
    expect(withBearer.status).toBe(401);
    const cookie = (await browser.context.cookies(origin)).map((c) => `${c.name}=${c.value}`).join('; ');
    const mcp = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', cookie },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).toBe(401);
  });
});
