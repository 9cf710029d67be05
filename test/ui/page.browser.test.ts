/**
 * The memory page on the local store, in a real browser: `memoram-mcp ui` (the built CLI) as one
 * process, and this test's own MemoryService on the same store file as "the assistant in another
 * process". Browse with infinite scroll, search with highlighted matches, filter, a memory's full
 * view, edit and the conflict case, delete and undo, export, a write from the other process
 * showing up without a reload, and hostile memory text shown as text.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/memory/service.js';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { type Chromium, launchChromium, SCREENSHOTS, watch } from '../helpers/browser.js';
import { openStore, type RunningPage, startPage } from './page-process.js';

const HOSTILE = '<img src=x onerror=alert(1)>';

let home: TempHome;
let store: MemoryService;
let running: RunningPage;
let browser: Chromium;
let context: BrowserContext;
let page: Page;
let problems: string[];
const ids: Record<string, string> = {};
/** The query of every listing the page asked for, in order. */
const listings: URLSearchParams[] = [];

async function seed(): Promise<void> {
  for (let n = 1; n <= 24; n++) {
    await store.create({
      content: `Routine note number ${n} about the garden.`,
      title: `Garden note ${n}`,
      tags: ['garden'],
    });
  }
  const add = async (key: string, fields: Parameters<MemoryService['create']>[0]) => {
    ids[key] = (await store.create(fields)).memory.id;
  };
  await add('hostile', { content: HOSTILE, title: '<b>hostile</b>', tags: ['test'] });
  await add('falcon', {
    content: 'Project Falcon deploys on Fridays; never deploy after 4pm.',
    title: 'Falcon deploy rule',
    tags: ['work'],
    importance: 0.9,
    source: 'claude-code',
    scope: 'falcon',
  });
  await add('coffee', {
    content: 'The user prefers dark roast coffee, brewed with a French press every morning.',
    title: 'Coffee preference',
    tags: ['preferences', 'food'],
    importance: 0.7,
  });
}

const rows = () => page.locator('#list > li');
const rowTitled = (title: string) =>
  rows().filter({ has: page.getByRole('button', { name: title, exact: true }) });

beforeAll(async () => {
  home = await tempHome();
  store = await openStore(home);
  await seed();
  running = await startPage(home.env);
  browser = await launchChromium();
  context = browser.context;
  page = await context.newPage();
  page.setDefaultTimeout(8000);
  problems = watch(page);
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/memories') listings.push(url.searchParams);
  });
  await page.goto(running.url);
});

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await store?.close();
  await home?.cleanup();
});

describe('the memory page on the local store', () => {
  it('trades the link’s token for an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    expect(new URL(page.url()).search).toBe('');
    const cookies = await context.cookies(running.origin);
    expect(cookies).toEqual([
      expect.objectContaining({
        name: `memoram_page_${new URL(running.origin).port}`,
        httpOnly: true,
        sameSite: 'Strict',
      }),
    ]);
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('lists the most recent first, 20 at a time, and loads more on scrolling', async () => {
    // The first listing asks for 20; on a busy machine the browser may already have asked for the
    // next page by the time the rows are counted, so the count is 20 or all 27.
    await expect.poll(() => rows().count()).toBeGreaterThanOrEqual(20);
    expect(listings[0]?.get('limit')).toBe('20');
    expect(listings[0]?.has('cursor')).toBe(false);
    expect(await rows().first().getByRole('button').first().textContent()).toBe('Coffee preference');
    await page.locator('#sentinel').scrollIntoViewIfNeeded();
    await expect.poll(() => rows().count()).toBe(27);
    expect(listings.some((query) => query.has('cursor'))).toBe(true);
    await expect
      .poll(() => page.locator('#summary').textContent())
      .toBe('27 of 27 memories, most recent first');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'memory-page-desktop.png') });
  });

  it('shows the store’s facts and the tags with their counts', async () => {
    const facts = page.locator('#facts');
    await expect.poll(() => facts.textContent()).toContain('Local store (this computer)');
    expect(await facts.textContent()).toContain(path.join(home.env.MEMORAM_DATA_DIR!, 'memories.db'));
    expect(await facts.textContent()).toContain('27');
    expect(await page.locator('#tags li').allTextContents()).toEqual(
      expect.arrayContaining([' garden 24', ' work 1', ' food 1']),
    );
  });

  it('shows a memory whose text is HTML as text, never as markup', async () => {
    const row = rowTitled('<b>hostile</b>');
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('.snippet').textContent()).toBe(HOSTILE);
    await row.getByRole('button', { name: '<b>hostile</b>' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.locator('.content').textContent()).toBe(HOSTILE);
    expect(await page.locator('img, b').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('searches with the tool’s engine and marks the matched words', async () => {
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('coffee press');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().locator('.snippet mark').allTextContents()).toEqual(['coffee', 'press']);
    expect(await rows().first().locator('.open mark').allTextContents()).toEqual(['Coffee']);
    expect(await page.locator('#summary').textContent()).toBe('1 matching');
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows().count()).toBe(20);
  });

  it('filters by tag, scope, importance, source and date', async () => {
    await page.getByLabel('Scope').selectOption('falcon');
    await expect.poll(() => rows().allTextContents()).toEqual([expect.stringContaining('scope falcon')]);
    await page.getByLabel('Scope').selectOption('global');
    await expect.poll(() => rows().count()).toBe(20);
    expect(await page.locator('#list').textContent()).not.toContain('Falcon');
    await page.getByLabel('Scope').selectOption('*');
    await page.getByRole('checkbox', { name: 'work 1' }).check();
    await expect.poll(() => rows().count()).toBe(1);
    await page.getByRole('checkbox', { name: 'work 1' }).uncheck();
    await page.getByLabel('Importance at least').selectOption('0.75');
    await expect
      .poll(() => rows().allTextContents())
      .toEqual([expect.stringContaining('Falcon deploy rule')]);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Source').fill('claude-code');
    await page.getByLabel('Source').press('Enter');
    await page.getByLabel('Source').blur();
    await expect.poll(() => rows().count()).toBe(1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Created until').fill('2000-01-01');
    await expect.poll(() => page.locator('#summary').textContent()).toBe('No memory matches.');
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(() => rows().count()).toBe(20);
  });

  it('edits every field with update_memory’s limits', async () => {
    await rowTitled('Falcon deploy rule').getByRole('button', { name: 'Falcon deploy rule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Edit' }).click();
    await dialog.getByLabel('Title').fill('Falcon release rule');
    await dialog.getByLabel('Summary').fill('When Falcon ships.');
    await dialog.getByLabel('Tags').fill('work, Releases');
    await dialog.getByLabel('Importance (0 to 1)').fill('0.8');
    await dialog.getByLabel('Content').fill('Project Falcon ships on Fridays, never after 4pm.');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.locator('h2').textContent()).toBe('Falcon release rule');
    const { memories } = await store.read([ids.falcon!]);
    expect(memories[0]).toMatchObject({
      title: 'Falcon release rule',
      summary: 'When Falcon ships.',
      tags: ['work', 'releases'],
      importance: 0.8,
      content: 'Project Falcon ships on Fridays, never after 4pm.',
    });

    await dialog.getByRole('button', { name: 'Edit' }).click();
    await dialog.getByLabel('Content').fill('x'.repeat(33 * 1024));
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toContain('at most 32768 bytes');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => rows().first().textContent()).toContain('Falcon release rule');
  });

  it('shows a change made elsewhere during an edit instead of overwriting it', async () => {
    await rowTitled('Coffee preference').getByRole('button', { name: 'Coffee preference' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Edit' }).click();
    await dialog.getByLabel('Title').fill('Coffee, as edited on the page');
    // Meanwhile the assistant, in another process, corrects the content.
    await store.update(ids.coffee!, { content: 'The user switched to green tea.' });
    await dialog.getByRole('button', { name: 'Save' }).click();
    const conflict = dialog.locator('.conflict');
    await expect.poll(() => conflict.textContent()).toContain('The user switched to green tea.');
    expect(await conflict.textContent()).toContain('Changed elsewhere while you were editing');
    expect((await store.read([ids.coffee!])).memories[0]).toMatchObject({
      title: 'Coffee preference',
      content: 'The user switched to green tea.',
    });
    // Having seen theirs, the person applies their own change (the title) to it: the content stays theirs.
    await conflict.getByRole('button', { name: 'Save mine over theirs' }).click();
    await expect.poll(() => dialog.locator('h2').textContent()).toBe('Coffee, as edited on the page');
    expect((await store.read([ids.coffee!])).memories[0]).toMatchObject({
      title: 'Coffee, as edited on the page',
      content: 'The user switched to green tea.',
    });
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('deletes several with a confirmation, and undoes it', async () => {
    await rowTitled('Garden note 24').getByRole('checkbox').check();
    await rowTitled('Garden note 23').getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Delete selected (2)' }).click();
    const confirm = page.getByRole('dialog');
    expect(await confirm.textContent()).toContain('Delete these 2 memories?');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    const notice = page.locator('.toast', { hasText: 'Deleted 2 memories.' });
    await expect.poll(() => notice.count()).toBe(1);
    expect(await store.count()).toBe(25);
    await expect.poll(() => rowTitled('Garden note 24').count()).toBe(0);
    await notice.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => rowTitled('Garden note 24').count()).toBe(1);
    expect(await store.count()).toBe(27);
    const back = await store.search({ query: '"number 23"' });
    expect(back.memories.map((hit) => hit.title)).toEqual(['Garden note 23']);

    await rowTitled('Garden note 22').getByRole('button', { name: 'Garden note 22' }).click();
    await page.locator('#detail').getByRole('button', { name: 'Delete' }).click();
    await page.locator('#confirm').getByRole('button', { name: 'Cancel' }).click();
    expect(await store.count()).toBe(27);
    await page.keyboard.press('Escape');
  });

  it('exports every memory as JSON and as Markdown', async () => {
    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'JSON' }).click(),
    ]);
    const exported = JSON.parse(await readFile((await json.path())!, 'utf8'));
    expect(exported).toMatchObject({ format: 'memoram-mcp-export', version: 1 });
    expect(exported.memories).toHaveLength(27);
    expect(json.suggestedFilename()).toMatch(/^memories-\d{4}-\d{2}-\d{2}\.json$/);
    const [markdown] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Markdown' }).click(),
    ]);
    expect(await readFile((await markdown.path())!, 'utf8')).toContain('## Coffee, as edited on the page');
  });

  it('shows a write made by another process without a reload', async () => {
    await store.create({ content: 'Written by the assistant in another process.', title: 'From elsewhere' });
    await expect.poll(() => rows().first().textContent(), { timeout: 10_000 }).toContain('From elsewhere');
    await store.delete([ids.hostile!]);
    await expect.poll(() => rowTitled('<b>hostile</b>').count(), { timeout: 10_000 }).toBe(0);
  });

  it('works by keyboard alone: / to search, Enter to open, Escape to close', async () => {
    await page.keyboard.press('/');
    expect(await page.evaluate('document.activeElement?.id')).toBe('q');
    await rows().first().getByRole('button').first().focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').isVisible()).toBe(false);
  });

  it('did nothing a page should never do, and logged no memory text', () => {
    // The browser reports the refusals the edit tests provoked (over the limit, the conflict).
    const expected = /^console: Failed to load resource: .* status of (400|409) /;
    expect(problems.filter((problem) => !expected.test(problem))).toEqual([]);
    const printed = running.output.stdout() + running.output.stderr();
    expect(printed).not.toContain('garden');
    expect(printed).not.toContain('Falcon');
  });
});
