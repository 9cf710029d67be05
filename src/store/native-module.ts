/**
 * The native SQLite module, and what to tell the user when it cannot load. A module compiled for
 * another Node.js (after upgrading Node, or with node_modules copied from another machine) fails
 * in process.dlopen with ERR_DLOPEN_FAILED and a NODE_MODULE_VERSION message, the first time a
 * database is opened; the fix is always the same command, so the error says it.
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
