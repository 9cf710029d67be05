/**
 * A module of src/ built for child processes: tests that race several processes on one file run
 * plain Node children, which cannot load TypeScript, so the module is bundled by esbuild as
 * dist/ is, into the test's temp dir. The native SQLite module is imported from this checkout.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const NATIVE = 'better-sqlite3-multiple-ciphers';

/** Bundles `source` (a path under src/) into `outDir`; resolves to the file URL a child imports. */
export async function childModule(source: string, outDir: string): Promise<string> {
  const outfile = path.join(outDir, `${path.basename(source, '.ts')}.mjs`);
  await build({
    absWorkingDir: ROOT,
    entryPoints: [source],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    logLevel: 'silent',
    plugins: [
      {
        name: 'native-module-from-checkout',
        setup(builder) {
          builder.onResolve({ filter: new RegExp(`^${NATIVE}$`) }, () => ({
            path: createRequire(path.join(ROOT, 'package.json')).resolve(NATIVE),
            external: true,
          }));
        },
      },
    ],
  });
  return pathToFileURL(outfile).href;
}
