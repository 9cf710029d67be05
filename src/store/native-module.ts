/**
 * The native SQLite module: the one place that constructs its databases, and what to tell the user
 * when it cannot load or when the Node.js running it is known to abort it.
 *
 * Two lines of the module serve the two packagings, and this file hides the difference. The npm
 * package depends on 12.x, which runs on Node 20 to 26 and is compiled for the Node that installs
 * it (or fetched prebuilt for that Node's ABI); a module compiled for another Node fails in
 * process.dlopen with ERR_DLOPEN_FAILED and a NODE_MODULE_VERSION message, fixed by a rebuild. The
 * Desktop bundle ships 13.x (`npm run bundle`), whose N-API binaries for eight platforms sit inside
 * its package and load in any Node ≥ 22, but crash Node 20 outright; on a platform it has no binary
 * for, its loader fails with MODULE_NOT_FOUND, and no rebuild can help. The code imports the
 * module by its name alone, so whichever line sits in node_modules beside dist/ is the one that
 * runs: nothing in the build picks one.
 */
import { createRequire } from 'node:module';
import Database from 'better-sqlite3-multiple-ciphers';
import { MemoramError } from '../memory/errors.js';

/** The npm package that brings SQLite; the one place its name is spelled for users. */
export const SQLITE_PACKAGE = 'better-sqlite3-multiple-ciphers';

/** The first line of the module built on N-API (binaries inside the package), and the Node it needs. */
const NAPI_MAJOR = 13;
const NAPI_MIN_NODE = 22;

/** The version of the module that `import` finds from here, or undefined where it cannot be read. */
export function nativeModuleVersion(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url)(`${SQLITE_PACKAGE}/package.json`) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined; // a bundled child process of the tests, resolving from a temp dir
  }
}

/** True when `version` is of the N-API line that the Desktop bundle ships. */
function isNapiLine(version: string | undefined): boolean {
  return Number.parseInt(version ?? '', 10) >= NAPI_MAJOR;
}

/**
 * Why the module at `version` cannot run on Node `node` (as in process.versions.node), or
 * undefined. The N-API line on Node 20 crashes the process at its first statement, with no error
 * to catch, so this is asked before the module is ever loaded.
 */
export function nativeModuleMismatch(version: string | undefined, node: string): string | undefined {
  if (!isNapiLine(version) || Number.parseInt(node, 10) >= NAPI_MIN_NODE) return undefined;
  return `This copy of memoram-mcp (the Desktop bundle) brings ${SQLITE_PACKAGE} ${version}, which needs Node.js ${NAPI_MIN_NODE} or later; this is Node.js ${node}.`;
}

/** A database from the native module, once it is known that this Node can run it. */
export function newDatabase(file: string, options?: Database.Options): Database.Database {
  const mismatch = nativeModuleMismatch(nativeModuleVersion(), process.versions.node);
  if (mismatch) {
    throw new MemoramError('STORE_UNAVAILABLE', mismatch, {
      hint: `Run it with Node.js ${NAPI_MIN_NODE} or later (Claude Desktop's own Node.js does), or install memoram-mcp from npm, which runs on Node.js 20.`,
    });
  }
  return new Database(file, options);
}

/** A MemoramError saying what to do when `error` is the native module failing to load. */
export function nativeModuleError(error: unknown, version = nativeModuleVersion()): MemoramError | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  const noBinary = code === 'MODULE_NOT_FOUND' && message.includes('better_sqlite3.node');
  if (code !== 'ERR_DLOPEN_FAILED' && !message.includes('NODE_MODULE_VERSION') && !noBinary) return undefined;
  const platform = `${process.platform}-${process.arch}`;
  if (isNapiLine(version)) {
    return new MemoramError(
      'STORE_UNAVAILABLE',
      `The SQLite module (${SQLITE_PACKAGE} ${version}) has no binary that loads on ${platform} with Node.js ${process.version}.`,
      {
        hint: 'This bundle runs on macOS, Windows and Linux (glibc or musl), on x64 and arm64; elsewhere, install memoram-mcp from npm, which builds the module for your machine.',
        cause: error,
      },
    );
  }
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
