/**
 * The browser tests' Chromium (see browser-finder.ts for which one), driven by playwright-core
 * (which never downloads a browser of its own), in a fresh profile; and where their screenshots
 * go: the OS temp dir, for the tests write nothing anywhere else.
 *
 * The global setup (browser-setup.ts) finds the browser once per run, since the packaged one
 * unpacks to a fixed path in the temp dir and two test files doing it at once would race; the
 * tests get what it found through vitest's inject.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';
import type { FoundBrowser } from './browser-finder.js';

export const SCREENSHOTS = path.join(os.tmpdir(), 'memoram-mcp-screenshots');

// Without these, Chromium reaches out to Google services, and this machine's closed network
// refuses the connections noisily.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(browser: FoundBrowser = inject('browser')): Promise<Chromium> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const profile = await mkdtemp(path.join(os.tmpdir(), 'memoram-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.executablePath,
    headless: true,
    args: ARGS,
    env: { ...process.env, ...browser.env },
    viewport: { width: 1024, height: 720 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Records anything a page should never do, for the test to assert on: run script, open dialogs, break its CSP. */
export function watch(page: Page): string[] {
  const problems: string[] = [];
  page.on('dialog', (dialog) => problems.push(`dialog: ${dialog.message()}`));
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}

declare module 'vitest' {
  export interface ProvidedContext {
    browser: FoundBrowser;
  }
}
