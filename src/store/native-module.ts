/**
 * The native SQLite module, and what to tell the user when it cannot load or when the Node.js
 * running it is known to abort it. A module compiled for another Node.js (after upgrading Node, or
 * with node_modules copied from another machine) fails in process.dlopen with ERR_DLOPEN_FAILED
 * and a NODE_MODULE_VERSION message, the first time a database is opened; the fix is always the
 * same command, so the error says it.
 */
import { MemoramError } from '../memory/errors.js';

/** The npm package that brings SQLite; the one place its name is spelled for users. */
export const SQLITE_PACKAGE = 'better-sqlite3-multiple-ciphers';

/** A MemoramError saying what to run when `error` is the native module failing to load. */
export function nativeModuleError(error: unknown): MemoramError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  if (code !== 'ERR_DLOPEN_FAILED' && !message.includes('NODE_MODULE_VERSION')) return undefined;
  const builtForOtherNode = message.includes('NODE_MODULE_VERSION');
  return new MemoramError(
    'STORE_UNAVAILABLE',
    builtForOtherNode
      ? `The SQLite module (${SQLITE_PACKAGE}) was built for another Node.js version than this one (${process.version}).`
      : `The SQLite module (${SQLITE_PACKAGE}) could not be loaded by Node.js ${process.version}.`,
    {
      hint: `Run \`npm rebuild ${SQLITE_PACKAGE}\` in the folder memoram-mcp is installed in (for a global install, \`cd "$(npm root -g)/memoram-mcp"\` first), or reinstall memoram-mcp with this Node.js.`,
      cause: error,
    },
  );
}

/*
 * Node 24.19.0 compiled a cleanup hook into every addon's `node::ObjectWrap` whose removal, run
 * when the garbage collector frees a prepared statement, trips an assertion and aborts the
 * process (nodejs/node#65446); 24.22.0 made the runtime tolerate it. Measured here with the module
 * built from source: a few thousand statements crash 24.20.0 and 24.21.0 in almost every run,
 * 24.22.3 and 22.x in none. The crash needs no mistake of ours; SQLite's transactions keep every
 * committed write, so the warning says what to do rather than refusing to start.
 */
const FIRST_BROKEN = [24, 19, 0] as const;
const FIRST_FIXED = [24, 22, 0] as const;

/** Why `version` (as in process.versions.node) is unsafe for the store, or undefined if it is not. */
export function nodeVersionHazard(version: string): string | undefined {
  const parts = version.replace(/^v/, '').split('.').map(Number);
  if (parts.length < 3 || parts.some((part) => !Number.isInteger(part))) return undefined;
  if (compare(parts, FIRST_BROKEN) < 0 || compare(parts, FIRST_FIXED) >= 0) return undefined;
  return (
    `Node.js ${parts.join('.')} aborts processes that use native modules such as the SQLite store ` +
    `(${SQLITE_PACKAGE}; nodejs/node#65446): the server may stop at any moment. Use Node.js 24.22 or later, or 22.`
  );
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
