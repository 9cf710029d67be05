/**
 * The emulator's tables, kept beside the memory store's in the same SQLite file. Every name starts
 * with `emu_` and every statement is idempotent, so opening an existing file changes nothing.
 */
export const EMULATOR_SCHEMA = `
  CREATE TABLE IF NOT EXISTS emu_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS emu_developers (
    id TEXT PRIMARY KEY,
    api_key TEXT NOT NULL UNIQUE,
    client_id TEXT NOT NULL UNIQUE,
    is_primary INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS emu_users (
    user_id TEXT PRIMARY KEY,
    memory_key TEXT NOT NULL UNIQUE,
    encryption_key TEXT NOT NULL,
    key_version INTEGER NOT NULL,
    is_demo INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
  );
  CREATE TABLE IF NOT EXISTS emu_access_requests (
    id TEXT PRIMARY KEY,
    developer_id TEXT NOT NULL REFERENCES emu_developers (id),
    subject_user_id TEXT NOT NULL REFERENCES emu_users (user_id),
    memory_key TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    user_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS emu_access_requests_by_developer
    ON emu_access_requests (developer_id, created_at DESC, id DESC);
`;
