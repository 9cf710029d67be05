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
