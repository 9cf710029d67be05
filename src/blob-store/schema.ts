/**
 * The schema of the blob store (Memoram's data model for any number of users: the emulator's
 * file, and the local store as release 0.1 wrote it) and its migrations (see migrate.ts).
 */
import type { Migration } from '../store/migrate.js';

export const BLOB_MIGRATIONS: readonly Migration[] = [
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
