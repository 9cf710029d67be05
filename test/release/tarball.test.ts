/**
 * The npm tarball as a user gets it: what it holds, then `npm install` of the file into an empty
 * folder (the native module builds or fetches its binary there, as on a user's machine), its
 * `status`, and a whole stdio session from the installed bin.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { exerciseEverything } from './session.js';

const run = promisify(execFile);
const artifacts = inject('artifacts');

describe('the npm tarball', () => {
  it('holds the licence and the built CLI, and no source map, source or test file', () => {
    const files = artifacts.tarballFiles;
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json', 'dist/cli.js']));
    expect(
      files.filter((file) => /\.(map|ts|mcpb|tgz)$|\.test\.|(^|\/)(test|src|scripts|bench)\//.test(file)),
    ).toEqual([]);
  });

  describe('installed into an empty folder', () => {
    let prefix: string;
    let home: string;
    let bin: string;
    beforeAll(async () => {
      prefix = await mkdtemp(path.join(artifacts.dir, 'installed-'));
      home = path.join(prefix, 'home');
      await mkdir(home);
      await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', artifacts.tarball], {
        cwd: prefix,
        // Where no prebuilt binary can be fetched (here: none can), node-gyp compiles on every core.
        env: { ...process.env, npm_config_update_notifier: 'false', JOBS: 'max' },
      });
      bin = path.join(prefix, 'node_modules', '.bin', 'memoram-mcp');
    }, 600_000);

    const env = () => ({ PATH: process.env.PATH ?? '', HOME: home });

    it('runs status', async () => {
      const { stdout } = await run(bin, ['status', '--json'], { env: env() });
      expect(JSON.parse(stdout)).toMatchObject({ backend: 'local' });
    });

    it('serves a whole stdio session', async () => {
      const surface = await exerciseEverything(
        { command: bin, args: [], env: env() },
        { topic: 'x', what: 'y' },
      );
      expect(surface.tools).toContain('search_memories');
      expect(surface.stderr).not.toMatch(/\n\s+at |internal error/);
    });
  });
});
