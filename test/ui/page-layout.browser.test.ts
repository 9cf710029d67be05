/**
 * The memory page made for people: readable on a laptop, on a narrow window (nothing wider than
 * the window, the filters folded away) and in dark mode when the system is dark; every control
 * labelled. Its screenshots go to the test screenshots folder; the README's (docs/memory-page.png)
 * is the laptop one.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/memory/service.js';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { type Chromium, launchChromium, SCREENSHOTS, watch } from '../helpers/browser.js';
import { openStore, type RunningPage, startPage } from './page-process.js';

const MEMORIES = [
  {
    content: 'Prefers answers with a short summary first, details after. Dislikes long bullet lists.',
    title: 'How Sam likes answers',
    tags: ['preferences'],
    importance: 0.9,
  },
  {
    content: 'Sam is allergic to peanuts; mention it when suggesting recipes or restaurants.',
    title: 'Peanut allergy',
    tags: ['health', 'food'],
    importance: 1,
  },
  {
    content: 'The billing service deploys from the release branch every Tuesday after the 10:00 stand-up.',
    title: 'Billing deploy day',
    tags: ['work', 'deploys'],
    importance: 0.7,
    source: 'claude-code',
    scope: 'billing',
  },
  {
    content: 'Tests in the billing repo run with `npm test -- --runInBand`; the database tests need Docker.',
    title: 'Billing tests',
    tags: ['work'],
    source: 'claude-code',
    scope: 'billing',
  },
  {
    content: 'Sam runs on Saturday mornings and is training for a half marathon in October.',
    title: 'Running',
    tags: ['sport'],
  },
  {
    content: 'Sam’s daughter Lea starts school in September; mornings are busy until 8:30.',
    title: 'Family mornings',
    tags: ['family'],
    importance: 0.6,
  },
];

let home: TempHome;
let store: MemoryService;
let running: RunningPage;
let browser: Chromium;
let page: Page;
let problems: string[];

beforeAll(async () => {
  home = await tempHome();
  store = await openStore(home);
  for (const memory of MEMORIES) await store.create(memory);
  running = await startPage(home.env);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(8000);
  problems = watch(page);
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await store?.close();
  await home?.cleanup();
});

/** The widest element's right edge against the window's width. */
const overflow = () =>
  page.evaluate(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  ) as Promise<number>;

describe('the memory page’s layout', () => {
  it('reads on a laptop screen, light', async () => {
    await page.setViewportSize({ width: 1200, height: 760 });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.goto(running.url);
    await expect.poll(() => page.locator('#list > li').count()).toBe(MEMORIES.length);
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('billing');
    await expect.poll(() => page.locator('#list mark').count()).toBeGreaterThan(0);
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('');
    await expect.poll(() => page.locator('#list > li').count()).toBe(MEMORIES.length);
    expect(await overflow()).toBe(0);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'memory-page.png') });
  });

  it('fits a narrow window with the filters folded, and follows a dark system', async () => {
    await page.setViewportSize({ width: 380, height: 760 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await expect.poll(() => page.locator('#list > li').count()).toBe(MEMORIES.length);
    expect(await overflow()).toBe(0);
    expect(await page.locator('#filters-box').getAttribute('open')).toBeNull();
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(20, 25, 31)');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'memory-page-narrow-dark.png') });
  });

  it('labels every control', async () => {
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('input, select, textarea, button')]
      .filter((control) => !control.labels?.length && !control.getAttribute('aria-label') && !control.textContent.trim())
      .map((control) => control.outerHTML)`);
    expect(unlabelled).toEqual([]);
    expect(problems).toEqual([]);
  });
});
