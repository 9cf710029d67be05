/**
 * The memory page on Memoram, through the replica, in a real browser: the emulator over real
 * HTTP, `memoram-mcp authorize` with the demo user's memory key (auto-approved), then
 * `memoram-mcp ui` on those credentials. Browse, search, edit, delete and undo land on Memoram
 * (read back with `memoram-mcp export`, another process), and an import by another process shows
 * up on the page without a reload.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { connectCli, runCli, type TempHome, tempHome } from '../cli/spawn.js';
import { type Chromium, launchChromium, watch } from '../helpers/browser.js';
import { type RunningPage, startPage } from './page-process.js';

let emu: RunningEmulator;
let home: TempHome;
let env: Record<string, string>;
let running: RunningPage;
let browser: Chromium;
let page: Page;
let problems: string[];

const rows = () => page.locator('#list > li');
const rowTitled = (title: string) =>
  rows().filter({ has: page.getByRole('button', { name: title, exact: true }) });

async function importFile(name: string, memories: Record<string, unknown>[]): Promise<void> {
  const file = path.join(home.dir, name);
  await writeFile(file, JSON.stringify({ format: 'memoram-mcp-export', version: 1, memories }));
  const result = await runCli(['import', file], env);
  expect(result.code, result.stderr).toBe(0);
}

/** What Memoram holds, as another process reads it. */
async function exported(): Promise<{ title: string; summary: string; content: string; tags: string[] }[]> {
  const result = await runCli(['export'], env);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout).memories;
}

beforeAll(async () => {
  emu = await startEmulator({ port: 0, autoApprove: true });
  home = await tempHome();
  env = {
    ...home.env,
    MEMORAM_API_URL: emu.apiUrl,
    MEMORAM_API_KEY: emu.apiKey,
    MEMORAM_MEMORY_KEY: emu.demoUser.memory_key,
  };
  const authorized = await runCli(['authorize', '--no-browser'], env);
  expect(authorized.code, authorized.stderr).toBe(0);
  await importFile('seed.json', [
    { content: 'Alice takes her coffee black, without sugar.', title: 'Coffee', tags: ['food'] },
    { content: 'Alice commutes by train on Tuesdays.', title: 'Commute', tags: ['travel'], importance: 0.8 },
    { content: 'Alice’s dentist is Dr. Chen, on Main Street.', title: 'Dentist', tags: ['health'] },
  ]);
  running = await startPage(env);
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.setDefaultTimeout(8000);
  problems = watch(page);
  await page.goto(running.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await emu?.close();
  await home?.cleanup();
});

describe('the memory page on Memoram, through the replica', () => {
  it('lists the account’s memories and says where they live', async () => {
    await expect.poll(() => rows().count()).toBe(3);
    const facts = page.locator('#facts');
    await expect.poll(() => facts.textContent()).toContain('Memoram (through the local replica)');
    expect(await facts.textContent()).toContain(home.env.MEMORAM_DATA_DIR!);
    expect(await page.locator('#tags li').allTextContents()).toEqual(
      expect.arrayContaining([' food 1', ' travel 1', ' health 1']),
    );
  });

  it('searches and marks the matches', async () => {
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('train');
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().locator('.snippet mark').allTextContents()).toEqual(['train']);
    await page.getByRole('searchbox', { name: 'Search memories' }).fill('');
    await expect.poll(() => rows().count()).toBe(3);
  });

  it('edits a memory on Memoram', async () => {
    await rowTitled('Coffee').getByRole('button', { name: 'Coffee' }).click();
    const dialog = page.locator('#detail');
    await dialog.getByRole('button', { name: 'Edit' }).click();
    await dialog.getByLabel('Content').fill('Alice now drinks oat milk flat whites.');
    await dialog.getByLabel('Tags').fill('food, drinks');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect
      .poll(() => dialog.locator('.content').textContent())
      .toBe('Alice now drinks oat milk flat whites.');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect((await exported()).find((memory) => memory.title === 'Coffee')).toMatchObject({
      content: 'Alice now drinks oat milk flat whites.',
      tags: ['food', 'drinks'],
    });
  });

  it('shows an update the assistant made meanwhile through Memoram, instead of overwriting it', async () => {
    await rowTitled('Commute').getByRole('button', { name: 'Commute' }).click();
    const dialog = page.locator('#detail');
    await dialog.getByRole('button', { name: 'Edit' }).click();
    await dialog.getByLabel('Summary').fill('How Alice gets to work.');
    // The assistant, in its own server process, corrects the memory on Memoram meanwhile.
    const assistant = await connectCli(env, 'assistant');
    try {
      const found = await assistant.callTool({ name: 'search_memories', arguments: { query: 'train' } });
      const id = (found.structuredContent as { memories: { id: string }[] }).memories[0]!.id;
      const updated = await assistant.callTool({
        name: 'update_memory',
        arguments: { id, content: 'Alice commutes by bike since May.' },
      });
      expect(updated.isError).toBeFalsy();
    } finally {
      await assistant.close();
    }
    await dialog.getByRole('button', { name: 'Save' }).click();
    const conflict = dialog.locator('.conflict');
    await expect.poll(() => conflict.textContent()).toContain('Alice commutes by bike since May.');
    await conflict.getByRole('button', { name: 'Keep their version' }).click();
    await expect
      .poll(() => dialog.locator('.content').textContent())
      .toBe('Alice commutes by bike since May.');
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect((await exported()).find((memory) => memory.title === 'Commute')).toMatchObject({
      content: 'Alice commutes by bike since May.',
      summary: '',
    });
  });

  it('deletes on Memoram and undoes it', async () => {
    await rowTitled('Dentist').getByRole('checkbox').check();
    await page.getByRole('button', { name: 'Delete selected (1)' }).click();
    await page.locator('#confirm').getByRole('button', { name: 'Delete' }).click();
    const notice = page.locator('.toast', { hasText: 'Deleted 1 memory.' });
    await expect.poll(() => notice.count()).toBe(1);
    expect((await exported()).map((memory) => memory.title).sort()).toEqual(['Coffee', 'Commute']);
    await notice.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => rowTitled('Dentist').count()).toBe(1);
    expect((await exported()).find((memory) => memory.title === 'Dentist')).toMatchObject({
      content: 'Alice’s dentist is Dr. Chen, on Main Street.',
      tags: ['health'],
    });
  });

  it('shows what another process wrote to the account without a reload', async () => {
    await importFile('later.json', [{ content: 'Alice is learning Portuguese.', title: 'Languages' }]);
    await expect.poll(() => rowTitled('Languages').count(), { timeout: 10_000 }).toBe(1);
  });

  it('did nothing a page should never do, and printed no memory text', () => {
    // The browser reports the refusal the conflict test provoked.
    const expected = /^console: Failed to load resource: .* status of 409 /;
    expect(problems.filter((problem) => !expected.test(problem))).toEqual([]);
    const printed = running.output.stdout() + running.output.stderr();
    for (const word of ['coffee', 'dentist', 'bike', 'Portuguese', emu.demoUser.memory_key]) {
      expect(printed).not.toContain(word);
    }
  });
});
