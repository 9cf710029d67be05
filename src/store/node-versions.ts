/**
 * Node.js releases on which the native SQLite module aborts the process. Node 24.19.0 compiled a
 * cleanup hook into every addon's `node::ObjectWrap` whose removal, run when the garbage collector
 * frees a prepared statement, trips an assertion (nodejs/node#65446); 24.22.0 made the runtime
 * tolerate it. Measured here with better-sqlite3-multiple-ciphers built from source: a few
 * thousand statements crash 24.20.0 and 24.21.0 in almost every run, 24.22.3 and 22.x in none.
 * The crash needs no mistake of ours and takes the server down mid-session; SQLite's transactions
 * keep every committed write, so the warning says what to do rather than refusing to start.
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
    '(nodejs/node#65446): the server may stop at any moment. Use Node.js 24.22 or later, or 22.'
  );
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}
