/**
 * Debian's Chromium for the browser tests, driven by playwright-core (which never downloads a
 * browser of its own here), in a fresh profile; and where their screenshots go. A machine without
 * chromium fails the tests with the command that installs it, rather than skipping them.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve('test-output', 'screenshots');

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

export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Debian's chromium at ${CHROMIUM}: run ` +
        '`apt-get update && apt-get install -y chromium` (CI installs it).',
    );
  }
  await mkdir(SCREENSHOTS, { recursive: true });
  const profile = await mkdtemp(path.join(os.tmpdir(), 'memoram-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
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
