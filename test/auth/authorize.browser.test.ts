/**
 * The whole sign-in as a user lives it, in a real browser (Debian's chromium driven by
 * playwright-core): an MCP client calls authorize without a memory key, the user opens the URL it
 * returns, clicks Allow on Memoram's consent page, then Approve on the dashboard; the next
 * authorize reports authorized and the memory tools work on Memoram. The server's own browser
 * opener is off (no-browser), so the test's Chromium is the only one. Screenshots of each page go
 * to test-output/screenshots/flow-*.png.
 */
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Chromium, launchChromium, SCREENSHOTS, watch } from '../helpers/browser.js';
import { callTool, structured } from '../helpers/mcp-pair.js';
import { harness } from './harness.js';
import { memoryToolsWork, remotePair } from './remote-pair.js';

let browser: Chromium;
let context: BrowserContext;

beforeAll(async () => {
  browser = await launchChromium();
  context = browser.context;
});

afterAll(() => browser?.close());

const shoot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(SCREENSHOTS, `flow-${name}.png`), fullPage: true });

it('connects an MCP client through the consent page and the dashboard, in Chromium', async () => {
  const h = await harness();
  const pair = await remotePair(h);
  const first = await callTool(pair.client, 'authorize', { reason: 'Remember your projects between chats' });
  h.seen(first);
  const started = structured<{ state: string; authorization_url: string }>(first);
  expect(started.state).toBe('awaiting_user_consent');

  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(started.authorization_url);
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
    'Allow memoram-mcp (emulator) to use your memories?',
  );
  await shoot(page, 'consent');
  await page.getByRole('button', { name: 'Allow' }).click();
  const redirectUri = new URL(started.authorization_url).searchParams.get('redirect_uri')!;
  await page.waitForURL((url) => url.toString().startsWith(redirectUri));
  expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Signed in to Memoram');
  await shoot(page, 'signed-in');

  let pending = structured<{ state: string; access_request_id?: string }>(
    await callTool(pair.client, 'authorize'),
  );
  for (let call = 0; pending.state === 'awaiting_user_consent' && call < 20; call++) {
    pending = structured(await callTool(pair.client, 'authorize'));
  }
  h.seen(pending);
  expect(pending.state).toBe('awaiting_approval');

  await page.goto(h.emu.dashboardUrl);
  const card = page.locator(`#request-${pending.access_request_id}`);
  expect(await card.locator('.badge').textContent()).toBe('pending');
  expect(await card.getByText('Remember your projects between chats').isVisible()).toBe(true);
  await shoot(page, 'dashboard');
  await card.getByRole('button', { name: 'Approve memoram-mcp (emulator)' }).click();
  await card.locator('.badge', { hasText: 'approved' }).waitFor();
  await shoot(page, 'dashboard-approved');
  expect(problems).toEqual([]);
  await page.close();

  let state = structured<{ state: string; user_id?: string }>(await callTool(pair.client, 'authorize'));
  for (let call = 0; state.state === 'awaiting_approval' && call < 20; call++) {
    state = structured(await callTool(pair.client, 'authorize'));
  }
  h.seen(state);
  expect(state).toMatchObject({ state: 'authorized', user_id: h.emu.demoUser.user_id });
  await memoryToolsWork(h, pair.client);
});
