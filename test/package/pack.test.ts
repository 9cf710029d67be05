/**
 * What `npm pack` puts in the package: the built CLI and every module it imports, the README, the
 * licence and package.json, and nothing else (no tests, fixtures, sources or source maps).
 * Needs `npm run build` first, as `npm test` does.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { beforeAll, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DOCUMENTS = ['LICENSE', 'README.md', 'mcp.json.example', 'package.json'];
// The memory page's assets, which the server reads from dist/ui/ at run time (src/ui/routes.ts).
const PAGE_ASSETS = ['dist/ui/icon.svg', 'dist/ui/page-style.css', 'dist/ui/page.js'];

let files: string[];

beforeAll(async () => {
  // --ignore-scripts: the build is already there; packing must not rebuild it under the tests.
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
  });
  const [report] = JSON.parse(stdout) as { files: { path: string }[] }[];
  files = (report?.files ?? []).map((file) => file.path).sort();
}, 60_000);

/**
 * dist/cli.js and every module it reaches through relative imports, static or dynamic, as
 * esbuild's parser finds them (bundled libraries' comments name modules too); packages stay out.
 */
async function reachable(): Promise<Set<string>> {
  return new Set(Object.keys((await bundleGraph()).inputs).map((file) => path.posix.normalize(file)));
}

/** The packages (not node: built-ins) that the built CLI's modules import at run time. */
async function importedPackages(): Promise<string[]> {
  const imports = Object.values((await bundleGraph()).inputs).flatMap((input) => input.imports);
  const names = imports.filter((entry) => entry.external && !entry.path.startsWith('node:'));
  return [...new Set(names.map((entry) => entry.path))].sort();
}

async function bundleGraph() {
  const { metafile } = await build({
    absWorkingDir: ROOT,
    entryPoints: ['dist/cli.js'],
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
  });
  return metafile;
}

it('holds the CLI, every module it imports, and the documents', async () => {
  const needed = await reachable();
  // The bundle: the CLI, the commands it loads when they run, and the chunks they share.
  expect(needed.size).toBeGreaterThan(5);
  for (const file of [...needed, ...DOCUMENTS, ...PAGE_ASSETS]) expect(files).toContain(file);
});

it('holds nothing else: no tests, fixtures, sources or source maps', async () => {
  const needed = await reachable();
  const extra = files.filter(
    (file) => !needed.has(file) && !DOCUMENTS.includes(file) && !PAGE_ASSETS.includes(file),
  );
  // A module of types only compiles to an empty one, which nothing imports at run time.
  const empty = async (file: string) =>
    (await readFile(path.join(ROOT, file), 'utf8')).replace(/\/\*[\s\S]*?\*\//g, '').trim() === 'export {};';
  const unexplained = [];
  for (const file of extra) if (!(await empty(file))) unexplained.push(file);
  expect(unexplained).toEqual([]);
  expect(files.filter((file) => /\.(map|ts)$|^(test|src|bench|scripts)\//.test(file))).toEqual([]);
});

it('depends on exactly the packages the built CLI imports: the rest is bundled into it', async () => {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const packages = await importedPackages();
  expect(packages).toEqual(['better-sqlite3-multiple-ciphers']);
  expect(Object.keys(manifest.dependencies).sort()).toEqual(packages);
});

it('names a bin that is in it, under the licence it ships', async () => {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    license: string;
  };
  expect(Object.values(manifest.bin).map((bin) => path.posix.normalize(bin))).toEqual(['dist/cli.js']);
  expect(manifest.license).toBe('MIT');
  expect(await readFile(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(
    /^MIT License\n\nCopyright \(c\) \d{4} memoram-mcp contributors/,
  );
});
