/**
 * Which Chromium the browser tests get: CHROMIUM_PATH first, the system's next, the packaged one
 * last; and the packaged one really runs, so a machine without any browser passes the tests.
 */
import { existsSync } from 'node:fs';
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

it('runs the packaged browser, as on a machine with no browser of its own', {
  timeout: 180_000,
}, async () => {
  const found = await findBrowser({
    chromiumPath: undefined,
    systemPaths: [],
    exists: existsSync,
    packaged: packagedChromium,
  });
  expect(found.origin).toBe('package');
  const browser = await launchChromium(found);
  try {
    const page = await browser.context.newPage();
    await page.setContent('<h1>Memoram</h1>');
    expect(await page.textContent('h1')).toBe('Memoram');
  } finally {
    await browser.close();
  }
});
