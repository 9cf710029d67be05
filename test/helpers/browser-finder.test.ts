/**
 * Which Chromium the browser tests get: CHROMIUM_PATH first, the system's next, the packaged one
 * last; and the packaged one really runs, so a machine without any browser passes the tests.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { launchChromium } from './browser.js';
import { type BrowserSources, findBrowser, packagedChromium } from './browser-finder.js';

const packaged = { executablePath: '/tmp/packaged-chromium', env: { LD_LIBRARY_PATH: '/tmp/libs' } };

function sources(overrides: Partial<BrowserSources>, present: string[] = []): BrowserSources {
  return {
    chromiumPath: undefined,
    systemPaths: ['/usr/bin/chromium', '/usr/bin/google-chrome'],
    exists: (file) => present.includes(file),
    packaged: vi.fn(async () => packaged),
    ...overrides,
  };
}

describe('findBrowser', () => {
  it('takes CHROMIUM_PATH over a system browser', async () => {
    const from = sources({ chromiumPath: '/opt/my-chrome' }, ['/opt/my-chrome', '/usr/bin/chromium']);
    expect(await findBrowser(from)).toEqual({
      executablePath: '/opt/my-chrome',
      origin: 'CHROMIUM_PATH',
      env: {},
    });
    expect(from.packaged).not.toHaveBeenCalled();
  });

  it('refuses a CHROMIUM_PATH with no file behind it, rather than quietly taking another', async () => {
    await expect(findBrowser(sources({ chromiumPath: '/nowhere' }, ['/usr/bin/chromium']))).rejects.toThrow(
      'CHROMIUM_PATH is /nowhere, and there is no file there.',
    );
  });

  it('takes the first system browser there is, before the packaged one', async () => {
    const from = sources({}, ['/usr/bin/google-chrome']);
    expect(await findBrowser(from)).toMatchObject({
      executablePath: '/usr/bin/google-chrome',
      origin: 'system',
    });
    expect(from.packaged).not.toHaveBeenCalled();
  });

  it('falls back to the packaged browser, with the environment it needs', async () => {
    expect(await findBrowser(sources({}))).toEqual({ ...packaged, origin: 'package' });
  });
});

it('runs the packaged browser, as on a machine with no browser of its own, unpacked only where asked', {
  timeout: 180_000,
}, async () => {
  // The temp root as the package sees it: whatever it leaves outside unpackDir shows up here.
  const root = mkdtempSync(path.join(os.tmpdir(), 'memoram-browser-root-'));
  const unpackDir = path.join(root, 'unpack');
  mkdirSync(unpackDir);
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = root;
  try {
    const found = await findBrowser({
      chromiumPath: undefined,
      systemPaths: [],
      exists: existsSync,
      packaged: () => packagedChromium(unpackDir),
    });
    expect(found.origin).toBe('package');
    expect(found.executablePath.startsWith(unpackDir)).toBe(true);
    expect(readdirSync(root)).toEqual(['unpack']);
    const browser = await launchChromium(found);
    try {
      const page = await browser.context.newPage();
      await page.setContent('<h1>Memoram</h1>');
      expect(await page.textContent('h1')).toBe('Memoram');
    } finally {
      await browser.close();
    }
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
    rmSync(root, { recursive: true, force: true });
  }
});
