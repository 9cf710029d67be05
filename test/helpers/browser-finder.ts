/**
 * Which Chromium the browser tests drive: CHROMIUM_PATH when set, else the system's, else the one
 * @sparticuz/chromium ships compressed inside its npm package (a dev dependency), so
 * `npm install && npm test` needs no system browser. Free of vitest, for its global setup.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export const SYSTEM_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
];

export interface FoundBrowser {
  executablePath: string;
  origin: 'CHROMIUM_PATH' | 'system' | 'package';
  /** Environment the browser needs on top of the tests' own (the packaged one's libraries). */
  env: Record<string, string>;
}

export interface BrowserSources {
  chromiumPath: string | undefined;
  systemPaths: readonly string[];
  exists(file: string): boolean;
  packaged(): Promise<Omit<FoundBrowser, 'origin'>>;
}

export async function findBrowser(sources: BrowserSources): Promise<FoundBrowser> {
  if (sources.chromiumPath) {
    if (!sources.exists(sources.chromiumPath)) {
      throw new Error(`CHROMIUM_PATH is ${sources.chromiumPath}, and there is no file there.`);
    }
    return { executablePath: sources.chromiumPath, origin: 'CHROMIUM_PATH', env: {} };
  }
  const system = sources.systemPaths.find((file) => sources.exists(file));
  if (system) return { executablePath: system, origin: 'system', env: {} };
  return { ...(await sources.packaged()), origin: 'package' };
}

/** Where a packaged browser is unpacked: `unpackDir`, which the caller removes after the run. */
export function defaultSources(unpackDir: string): BrowserSources {
  return {
    chromiumPath: process.env.CHROMIUM_PATH || undefined,
    systemPaths: SYSTEM_CHROMIUMS,
    exists: existsSync,
    packaged: () => packagedChromium(unpackDir),
  };
}

/**
 * @sparticuz/chromium's browser, unpacked into `unpackDir`. It is built for Amazon Linux and
 * brings the NSS libraries it links against, which a machine without any browser may lack; the
 * package unpacks them itself only on AWS, so they are unpacked here and put on the browser's
 * library path. The package writes wherever os.tmpdir() points (the browser, its fonts, its GL
 * libraries loose in the folder), so TMPDIR points at `unpackDir` while it unpacks: 209 MB that
 * the caller can remove in one go, instead of files left in the temp root after every run.
 */
export async function packagedChromium(unpackDir: string): Promise<Omit<FoundBrowser, 'origin'>> {
  const { default: sparticuz, inflate } = await import('@sparticuz/chromium');
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = unpackDir;
  try {
    const executablePath = await sparticuz.executablePath();
    const libraries = await inflate(path.join(path.dirname(entry), '..', 'bin', 'al2023.tar.br'));
    const libraryPath = [path.join(libraries, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    return { executablePath, env: { LD_LIBRARY_PATH: libraryPath } };
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
}
