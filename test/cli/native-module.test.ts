// The native SQLite module built for another Node.js (after a Node upgrade, or node_modules copied
// between machines) must reach the user as what to run, not as "internal error" and a stack.
// The failure is simulated where it really happens: process.dlopen of the module's .node file
// throws what Node throws for a NODE_MODULE_VERSION mismatch (a --require hook in NODE_OPTIONS).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type TempHome, tempHome } from './spawn.js';

const HOOK = `
const load = process.dlopen;
process.dlopen = function (module, filename, ...rest) {
  if (/sqlite3/.test(filename)) {
    const error = new Error(
      "The module '" + filename + "'\\nwas compiled against a different Node.js version using\\n" +
      'NODE_MODULE_VERSION 108. This version of Node.js requires\\nNODE_MODULE_VERSION ' +
      process.versions.modules + '. Please try re-compiling or re-installing\\n' +
      'the module (for instance, using \`npm rebuild\` or \`npm install\`).');
    error.code = 'ERR_DLOPEN_FAILED';
    throw error;
  }
  return load.call(this, module, filename, ...rest);
};
`;

let home: TempHome;
let env: Record<string, string>;
beforeEach(async () => {
  home = await tempHome();
  const hook = path.join(home.dir, 'mismatch-hook.cjs');
  await writeFile(hook, HOOK);
  env = { ...home.env, NODE_OPTIONS: `--require ${hook}` };
});
afterEach(() => home.cleanup());

describe('a native SQLite module built for another Node.js', () => {
  it('says what to run, for each command that opens the store', async () => {
    for (const command of [['status'], ['export'], ['serve']]) {
      const result = await runCli(command, env);
      expect(result.code, command[0]).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('npm rebuild better-sqlite3-multiple-ciphers');
      expect(result.stderr).toContain(process.version);
      expect(result.stderr).not.toContain('internal error');
      expect(result.stderr).not.toContain('    at ');
    }
  });
});

describe('a Node.js release whose native modules abort at garbage collection', () => {
  const pretend = (version: string) => async () => {
    const hook = path.join(home.dir, 'version-hook.cjs');
    await writeFile(hook, `Object.defineProperty(process.versions, 'node', { value: '${version}' });\n`);
    return { ...home.env, NODE_OPTIONS: `--require ${hook}` };
  };

  it('is named on stderr with what to use instead, and the command still runs', async () => {
    const result = await runCli(['status', '--json'], await pretend('24.20.0')());
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ backend: 'local' });
    expect(result.stderr).toContain('Node.js 24.20.0 aborts');
    expect(result.stderr).toContain('24.22 or later');
  });

  it('is not mentioned on a release without the fault, nor when logging is silenced', async () => {
    const fixed = await runCli(['status'], await pretend('24.22.3')());
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).not.toContain('aborts');
    const silent = await runCli(['status'], { ...(await pretend('24.20.0')()), MEMORAM_LOG_LEVEL: 'silent' });
    expect(silent.code).toBe(0);
    expect(silent.stderr).toBe('');
  });
});
