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

export async function findBrowser(sources: BrowserSources = defaultSources()): Promise<FoundBrowser> {
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

function defaultSources(): BrowserSources {
  return {
    chromiumPath: process.env.CHROMIUM_PATH || undefined,
    systemPaths: SYSTEM_CHROMIUMS,
    exists: existsSync,
    packaged: packagedChromium,
  };
}

/**
 * @sparticuz/chromium's browser, unpacked into the temp dir. It is built for Amazon Linux and
 * brings the NSS libraries it links against, which a machine without any browser may lack; the
 * package unpacks them itself only on AWS, so they are unpacked here and put on the browser's
 * library path.
 */
export async function packagedChromium(): Promise<Omit<FoundBrowser, 'origin'>> {
  const { default: sparticuz, inflate } = await import('@sparticuz/chromium');
  const executablePath = await sparticuz.executablePath();
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const libraries = await inflate(path.join(path.dirname(entry), '..', 'bin', 'al2023.tar.br'));
  const libraryPath = [path.join(libraries, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { executablePath, env: { LD_LIBRARY_PATH: libraryPath } };
}
