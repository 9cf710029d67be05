/**
 * The memory page at / of `serve --http`, beside /mcp: the printed link opens it; a memory an MCP
 * client saves through /mcp (the assistant, in the same process) shows up on the page without a
 * reload; the page's API takes its own cookie, never the bearer token of /mcp, and /mcp still
 * takes only the bearer token.
 */
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
