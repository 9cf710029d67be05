/**
 * The emulator's pages in a real browser (Debian's chromium driven by playwright-core): sign in
 * through the consent page to a loopback callback, and approve an access request on the dashboard.
 * Screenshots of both pages, desktop and phone sized, go to test-output/screenshots/.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Chromium, launchChromium, SCREENSHOTS, watch } from '../helpers/browser.js';
import { api, control, start, tokenFor } from './helpers.js';
import { authorizeUrl, exchange, pkce } from './oauth-helpers.js';

const PHONE = { width: 390, height: 844 };

interface Callback {
  url: string;
  server: Server;
  /** The query of every request to the callback path (the browser also asks for /favicon.ico). */
  received: URLSearchParams[];
}

/** A stand-in for memoram-mcp's loopback listener (RFC 8252): records what the browser brings back. */
async function callbackListener(): Promise<Callback> {
  const received: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/callback') received.push(url.searchParams);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>Signed in</title><p>Signed in. You can close this tab.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/callback`, server, received };
}

async function screenshots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage: true });
  const desktop = page.viewportSize();
  await page.setViewportSize(PHONE);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage: true });
  if (desktop) await page.setViewportSize(desktop);
}

describe('emulator pages in Chromium', () => {
  let browser: Chromium;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchChromium();
    context = browser.context;
  });

  afterAll(() => browser?.close());

  it('signs in through the consent page: Allow brings a code and the state back to the loopback listener', async () => {
    const e = await start();
    const callback = await callbackListener();
    try {
      const { verifier, challenge } = pkce();
      const page = await context.newPage();
      const problems = watch(page);
      await page.goto(authorizeUrl(e, challenge, { redirect_uri: callback.url, state: 'browser-state' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'Allow memoram-mcp (emulator) to use your memories?',
      );
      await screenshots(page, 'consent');
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.toString().startsWith(callback.url));
      expect(callback.received).toHaveLength(1);
      const [query] = callback.received;
      expect(query!.get('state')).toBe('browser-state');
      const code = query!.get('code')!;
      expect(code).toMatch(/^mco_/);
      const tokens = await exchange(e, code, verifier, { redirect_uri: callback.url });
      expect(tokens.body.memory_key).toBe(e.demoUser.memory_key);
      expect(problems).toEqual([]);

      // A redirect URI the app did not register gets an error page, and the browser stays put.
      await page.goto(authorizeUrl(e, challenge, { redirect_uri: 'https://evil.example/callback' }));
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
        'This sign-in link is not valid',
      );
      expect(new URL(page.url()).origin).toBe(e.origin);
      await screenshots(page, 'consent-error');
      await page.close();
    } finally {
      callback.server.close();
    }
  });

  it('approves a pending access request on the dashboard', async () => {
    const e = await start();
    const token = await tokenFor(e);
    const ask = async (reason: string) =>
      (
        await api(e, 'POST', '/access-requests', {
          token,
          body: { memoryKey: e.demoUser.memory_key, reason },
        })
      ).body.id as string;
    const revoked = await ask('Earlier setup on the old laptop');
    await control(e, 'POST', `/access-requests/${revoked}/approve`);
    await control(e, 'POST', `/access-requests/${revoked}/revoke`);
    await ask('Keep notes across Claude Desktop sessions <script>alert(1)</script>');
    const pending = await ask('Remember your preferences and projects between chats in Cursor');

    const page = await context.newPage();
    const problems = watch(page);
    await page.goto(e.dashboardUrl);
    const card = page.locator(`#request-${pending}`);
    expect(await card.locator('.badge').textContent()).toBe('pending');
    // The script in the reason is shown as text, and never runs (watch() would see the alert).
    expect(await page.getByText('<script>alert(1)</script>').isVisible()).toBe(true);
    await screenshots(page, 'dashboard');
    await card.getByRole('button', { name: 'Approve memoram-mcp (emulator)' }).click();
    // The form posts, the emulator answers 303, and the reloaded dashboard shows the new status.
    await card.locator('.badge', { hasText: 'approved' }).waitFor();
    expect(page.url()).toBe(e.dashboardUrl);
    expect(await card.getByRole('button', { name: 'Revoke memoram-mcp (emulator)' }).isVisible()).toBe(true);
    const reply = await api(e, 'GET', `/access-requests/${pending}`, { token });
    expect(reply.body).toMatchObject({ status: 'approved', user_id: e.demoUser.user_id });
    await screenshots(page, 'dashboard-after-approve');
    expect(problems).toEqual([]);
    await page.close();
  });
});
