/**
 * Schema versions in `PRAGMA user_version`: each database kind lists its migrations, and each
 * runs in an immediate transaction, so several processes opening one file migrate it exactly once.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { MemoramError } from '../memory/errors.js';

/** SQL to run, or a function for a step SQL alone cannot do. */
export type Migration = string | ((db: Database.Database) => void);

export function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  const target = migrations.length;
  // The common case, an up-to-date file, takes no write lock: another process may be writing.
  if ((db.pragma('user_version', { simple: true }) as number) === target) return;
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > target) {
      throw new MemoramError(
        'STORE_UNAVAILABLE',
        `The memory database was written by a newer version of memoram-mcp (schema ${current}).`,
        { hint: 'Upgrade memoram-mcp to open it.' },
      );
    }
    for (let version = current; version < target; version++) {
      const step = migrations[version]!;
      if (typeof step === 'string') db.exec(step);
      else step(db);
    }
    if (current !== target) db.pragma(`user_version = ${target}`);
  });
  run.immediate();
}
