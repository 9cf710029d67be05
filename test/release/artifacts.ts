/**
 * The release check's global setup: builds what a release ships, once, into a temp folder, from
 * the dist/ that `npm run release:check` has just built: the npm tarball (`npm pack`) and the
 * Desktop bundle (`scripts/bundle.mjs`, which runs `mcpb validate` and `mcpb pack`). It also finds
 * a Node 22 and a Node 24 from the npm registry (the node-linux-<arch> packages, as
 * scripts/node-matrix.sh does), cached by npx after the first run.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface Artifacts {
  dir: string;
  tarball: string;
  tarballFiles: string[];
  bundle: string;
  /** Node binaries by major version. */
  nodes: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    artifacts: Artifacts;
  }
}

export const NODE_VERSIONS = ['22', '24'];

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'memoram-release-'));
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dir, '--loglevel=error'],
    { cwd: ROOT, maxBuffer: 16 << 20 },
  );
  const [report] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  await run(process.execPath, ['scripts/bundle.mjs', '--out', dir], { cwd: ROOT, maxBuffer: 16 << 20 });
  const { version } = (await import(path.join(ROOT, 'package.json'), { with: { type: 'json' } })).default;
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const nodes: Record<string, string> = {};
  for (const major of NODE_VERSIONS) {
    const found = await run(
      'npx',
      ['-y', '--loglevel=error', '-p', `node-linux-${arch}@${major}`, '--', 'node', '-p', 'process.execPath'],
      { cwd: dir },
    );
    nodes[major] = found.stdout.trim();
  }
  project.provide('artifacts', {
    dir,
    tarball: path.join(dir, report!.filename),
    tarballFiles: report!.files.map((file) => file.path),
    bundle: path.join(dir, `memoram-mcp-${version}.mcpb`),
    nodes,
  });
  return () => rm(dir, { recursive: true, force: true });
}
