/**
 * The SQLite schema of the memory store and its migrations. The version lives in
 * `PRAGMA user_version`; each migration runs in an immediate transaction, so several processes
 * opening one file at once migrate it exactly once.
 */
import type Database from 'better-sqlite3';
import { MemoramError } from '../memory/errors.js';

const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO meta (key, value) VALUES ('rev', '0');
  CREATE TABLE blobs (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    content TEXT NOT NULL,
    fingerprint TEXT,
    title TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    importance REAL,
    confidence REAL,
    source TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    rev INTEGER NOT NULL
  );
  CREATE INDEX blobs_by_user_created ON blobs (user_id, created_at DESC, id DESC);
  CREATE INDEX blobs_by_rev ON blobs (rev);
  CREATE INDEX blobs_by_fingerprint ON blobs (user_id, fingerprint) WHERE fingerprint IS NOT NULL;
  CREATE TABLE tags (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL DEFAULT '#9CA3AF',
    is_enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, name)
  );
  CREATE TABLE blob_tags (
    blob_id TEXT NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
    tag_id TEXT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (blob_id, tag_id)
  );
  CREATE INDEX blob_tags_by_tag ON blob_tags (tag_id);
  CREATE TABLE tombstones (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, rev INTEGER NOT NULL);
  CREATE INDEX tombstones_by_rev ON tombstones (rev);
  `,
  // Catching up (changesSince) filters on user and revision together: without this index SQLite
  // walked every blob of the user on each call, a millisecond or two at 10,000 memories.
  `
  DROP INDEX blobs_by_rev;
  CREATE INDEX blobs_by_user_rev ON blobs (user_id, rev);
  DROP INDEX tombstones_by_rev;
  CREATE INDEX tombstones_by_user_rev ON tombstones (user_id, rev);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  // The common case, an up-to-date file, takes no write lock: another process may be writing.
  if ((db.pragma('user_version', { simple: true }) as number) === SCHEMA_VERSION) return;
  const run = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION) {
      throw new MemoramError(
        'STORE_UNAVAILABLE',
        `The memory database was written by a newer version of memoram-mcp (schema ${current}).`,
        { hint: 'Upgrade memoram-mcp to open it.' },
      );
    }
    for (let version = current; version < SCHEMA_VERSION; version++) {
      db.exec(MIGRATIONS[version]!);
    }
    if (current !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  run.immediate();
}
