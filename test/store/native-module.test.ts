import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  nativeModuleError,
  nativeModuleMismatch,
  nativeModuleVersion,
  nodeVersionHazard,
} from '../../src/store/native-module.js';

const SRC = path.resolve(import.meta.dirname, '..', '..', 'src');
// The npm package's line (compiled per Node ABI) and the Desktop bundle's (N-API, Node >= 22).
const NPM_LINE = '12.11.1';
const BUNDLE_LINE = '13.0.3';

describe('the two lines of the native module', () => {
  it("reads the version that this checkout loads: the npm package's line", () => {
    expect(nativeModuleVersion()).toMatch(/^12\./);
  });

  it("refuses the bundle's line on a Node older than 22, before it can crash the process", () => {
    expect(nativeModuleMismatch(BUNDLE_LINE, '20.20.2')).toContain(
      'needs Node.js 22 or later; this is Node.js 20.20.2',
    );
    for (const node of ['22.0.0', '22.23.3', '24.22.3'])
      expect(nativeModuleMismatch(BUNDLE_LINE, node)).toBeUndefined();
    expect(nativeModuleMismatch(NPM_LINE, '20.20.2')).toBeUndefined();
    expect(nativeModuleMismatch(undefined, '20.20.2')).toBeUndefined();
  });

  it('is constructed in native-module.ts alone, so no open can skip the check', async () => {
    const sources = await readdir(SRC, { recursive: true });
    const loaders = [];
    for (const file of sources.filter((name) => name.endsWith('.ts'))) {
      const text = await readFile(path.join(SRC, file), 'utf8');
      if (/^import (?!type )[^;]*from 'better-sqlite3-multiple-ciphers';/m.test(text)) loaders.push(file);
    }
    expect(loaders).toEqual([path.join('store', 'native-module.ts')]);
  });

  it('says what helps when the module does not load: a rebuild for the npm line, another install for the bundle', () => {
    const abi = Object.assign(
      new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 108'),
      {
        code: 'ERR_DLOPEN_FAILED',
      },
    );
    expect(nativeModuleError(abi, NPM_LINE)?.userText).toContain(
      'npm rebuild better-sqlite3-multiple-ciphers',
    );
    // The bundle's loader on a platform it has no binary for falls back to a build folder that is not there.
    const noBinary = Object.assign(new Error("Cannot find module '/x/build/Release/better_sqlite3.node'"), {
      code: 'MODULE_NOT_FOUND',
    });
    const bundled = nativeModuleError(noBinary, BUNDLE_LINE);
    expect(bundled?.message).toContain(`has no binary that loads on ${process.platform}-${process.arch}`);
    expect(bundled?.userText).not.toContain('npm rebuild');
    expect(bundled?.hint).toContain('install memoram-mcp from npm');
    expect(
      nativeModuleError(Object.assign(new Error('Cannot find module x'), { code: 'MODULE_NOT_FOUND' })),
    ).toBe(undefined);
  });
});

describe('nodeVersionHazard', () => {
  it('names the Node releases whose addons abort at garbage collection, and what to use instead', () => {
    for (const version of ['24.19.0', '24.20.0', '24.21.0', '24.21.9', 'v24.20.0']) {
      const hazard = nodeVersionHazard(version);
      expect(hazard, version).toContain(`Node.js ${version.replace(/^v/, '')} aborts`);
      expect(hazard).toContain('24.22 or later');
    }
  });

  it('says nothing of the releases before and after, nor of other lines', () => {
    for (const version of ['20.19.0', '20.20.2', '22.23.5', '24.18.1', '24.22.0', '24.22.3', '26.12.1']) {
      expect(nodeVersionHazard(version), version).toBeUndefined();
    }
  });

  it('says nothing of a version it cannot read', () => {
    for (const version of ['', '24', '24.x.1', 'nightly']) expect(nodeVersionHazard(version)).toBeUndefined();
  });
});
