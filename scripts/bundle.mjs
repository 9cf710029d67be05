#!/usr/bin/env node
// `npm run bundle`: the Claude Desktop bundle, memoram-mcp-<version>.mcpb, built with the official
// MCPB tooling (`mcpb validate`, then `mcpb pack`) from a staging folder, build/bundle/:
//
//   manifest.json    tools, prompts, user_config, compatibility (scripts/bundle-manifest.mjs)
//   dist/            the built server, as in the npm package (npm run build runs first)
//   node_modules/    better-sqlite3-multiple-ciphers 13.x: its loader and its N-API binaries for
//                    eight platforms, nothing to compile (its C sources and headers stay out)
//   package.json     "type": "module" for dist/, and the version
//   LICENSE, icon.png
//
// The npm package depends on the 12.x line, which still runs on Node 20; the bundle's 13.x comes
// from the lockfile under an alias (better-sqlite3-multiple-ciphers-13) and is put in place under
// the module's own name, so the same dist/ loads whichever line sits beside it. Claude Desktop
// runs the bundle with the Node it ships (22 or later).
//
//   node scripts/bundle.mjs [--out DIR]    (after npm run build; DIR defaults to the repository)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildManifest } from './bundle-manifest.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({ options: { out: { type: 'string' } } });
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const staging = path.join(root, 'build', 'bundle');
const output = path.resolve(values.out ?? root, `${pkg.name}-${pkg.version}.mcpb`);

/** The platforms Claude Desktop runs on, as the native module names its binaries. */
export const PLATFORMS = [
  'darwin-arm64',
  'darwin-x64',
  'linux-arm64',
  'linux-x64',
  'linuxmusl-arm64',
  'linuxmusl-x64',
  'win32-arm64',
  'win32-x64',
];

/** Each native package the server loads: where the lockfile has the bundle's copy, and what of it runs. */
const NATIVE = [
  {
    name: 'better-sqlite3-multiple-ciphers',
    from: 'better-sqlite3-multiple-ciphers-13',
    keep: ['package.json', 'LICENSE', 'lib', 'prebuilds'],
    binaries: (dir) => PLATFORMS.map((platform) => path.join(dir, 'prebuilds', `${platform}.node`)),
  },
];

if (!existsSync(path.join(root, 'dist', 'cli.js')))
  fail('dist/cli.js is missing: run `npm run build` first.');
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });

// The server as the npm package has it: not the emulator library the benchmarks load, no maps.
cpSync(path.join(root, 'dist'), path.join(staging, 'dist'), {
  recursive: true,
  filter: (source) => !source.endsWith('.map') && !source.startsWith(path.join(root, 'dist', 'emulator')),
});
cpSync(path.join(root, 'LICENSE'), path.join(staging, 'LICENSE'));
cpSync(path.join(root, 'assets', 'icon.png'), path.join(staging, 'icon.png'));
const { name, version, description, license } = pkg;
writeJson(path.join(staging, 'package.json'), {
  name,
  version,
  description,
  license,
  private: true,
  type: 'module',
});

const require = createRequire(path.join(root, 'package.json'));
for (const native of NATIVE) {
  const from = path.dirname(require.resolve(`${native.from}/package.json`));
  const to = path.join(staging, 'node_modules', native.name);
  for (const entry of native.keep) cpSync(path.join(from, entry), path.join(to, entry), { recursive: true });
  const missing = native.binaries(to).filter((file) => !existsSync(file));
  if (missing.length > 0)
    fail(`${native.from} lacks ${missing.map((file) => path.basename(file)).join(', ')}.`);
}

writeJson(path.join(staging, 'manifest.json'), await buildManifest(pkg, path.join(root, 'dist', 'cli.js')));
const mcpb = path.join(root, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
execFileSync(process.execPath, [mcpb, 'validate', path.join(staging, 'manifest.json')], { stdio: 'inherit' });
rmSync(output, { force: true });
execFileSync(process.execPath, [mcpb, 'pack', staging, output], { stdio: ['ignore', 'ignore', 'inherit'] });
const megabytes = (statSync(output).size / 1e6).toFixed(1);
console.error(`bundle: ${path.relative(process.cwd(), output) || output} (${megabytes} MB)`);

function writeJson(file, value) {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

function fail(message) {
  console.error(`bundle: ${message}`);
  process.exit(1);
}
