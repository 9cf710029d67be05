/**
 * The emulator's tables, kept beside the memory store's in the same SQLite file. Every name starts
 * with `emu_` and every statement is idempotent, so opening an existing file changes nothing, and
 * `migrateEmulatorSchema` adds the columns later versions need to a file made by an earlier one.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

export const PRIMARY_APP_NAME = 'memoram-mcp (emulator)';

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

  -- OAuth: open consent screens, authorization codes, and access/refresh tokens. Each secret is
  -- kept only as its SHA-256 (hash), so the database never holds a usable credential.
  CREATE TABLE IF NOT EXISTS emu_oauth_consents (
    hash TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS emu_oauth_codes (
    hash TEXT PRIMARY KEY,
    grant_id TEXT NOT NULL,
    request TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE IF NOT EXISTS emu_oauth_tokens (
    hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    grant_id TEXT NOT NULL,
    developer_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked TEXT
  );
  CREATE INDEX IF NOT EXISTS emu_oauth_tokens_by_grant ON emu_oauth_tokens (grant_id);
`;

/** Columns added to `emu_developers` after its first release: the app's name and OAuth client. */
const DEVELOPER_COLUMNS: Record<string, string> = {
  name: `TEXT NOT NULL DEFAULT ''`,
  client_secret_hash: 'TEXT',
  redirect_uris: `TEXT NOT NULL DEFAULT '[]'`,
};

export function migrateEmulatorSchema(db: Database.Database): void {
  db.exec(EMULATOR_SCHEMA);
  const present = new Set(
    (db.prepare('PRAGMA table_info(emu_developers)').all() as { name: string }[]).map(
      (column) => column.name,
    ),
  );
  for (const [name, definition] of Object.entries(DEVELOPER_COLUMNS)) {
    if (!present.has(name)) db.exec(`ALTER TABLE emu_developers ADD COLUMN ${name} ${definition}`);
  }
  db.prepare(`UPDATE emu_developers SET name = ? WHERE is_primary = 1 AND name = ''`).run(PRIMARY_APP_NAME);
}
