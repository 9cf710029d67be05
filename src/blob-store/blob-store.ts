/**
 * The blob store: Memoram's data model (memory blobs and tags) for any number of users, in one file
 * shared safely by several processes (WAL, a busy timeout, immediate write transactions). Every
 * write bumps a store-wide revision, and deletes leave tombstones, so a reader can catch up on
 * what other processes changed with one indexed query (changesSince).
 */

import type Database from 'better-sqlite3-multiple-ciphers';
import { newId } from '../crypto/random.js';
import { openDatabase, storeError } from '../store/database.js';
import { type RawBlob, SELECT_BLOB, toBlob } from './blob-rows.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { BLOB_MIGRATIONS } from './schema.js';
import type { BlobPatch, BlobRow, Changes, ListBlobsQuery, NewBlob, TagRow, UpdateOutcome } from './types.js';

const BUSY_TIMEOUT_MS = 5_000;

export class BlobStore {
  readonly file: string;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  private constructor(file: string, db: Database.Database) {
    this.file = file;
    this.db = db;
  }

  /** Opens (creating if needed) the store at `file`, or an in-memory store for ':memory:'. */
  static open(file: string, options: { busyTimeoutMs?: number } = {}): BlobStore {
    return new BlobStore(
      file,
      openDatabase(file, {
        busyTimeoutMs: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS,
        migrations: BLOB_MIGRATIONS,
      }),
    );
  }

  /** A prepared statement, compiled once per connection: the write path runs several per call. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storeError(error, this.file);
    }
  }

  /** Runs `work` in an immediate (write-locking) transaction. */
  private write<T>(work: () => T): T {
    return this.guard(() => this.db.transaction(work).immediate());
  }

  private nextRev(): number {
    const row = this.sql(
      `UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'rev' RETURNING value`,
    );
    return Number((row.get() as { value: string }).value);
  }

  private selectBlob(userId: string, id: string): BlobRow | undefined {
    const raw = this.sql(`${SELECT_BLOB} WHERE b.user_id = ? AND b.id = ?`).get(userId, id) as
      | RawBlob
      | undefined;
    return raw && toBlob(raw);
  }

  private tagIdFor(userId: string, name: string, now: string): string {
    const existing = this.sql('SELECT id FROM tags WHERE user_id = ? AND name = ?').get(userId, name) as
      | { id: string }
      | undefined;
    if (existing) return existing.id;
    const id = newId('tag');
    this.sql('INSERT INTO tags (id, user_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(
      id,
      userId,
      name,
      now,
      now,
    );
    return id;
  }

  /** Replaces a blob's tags (a new blob has none to clear); returns the names and their ids, in order. */
  private setTags(userId: string, blobId: string, names: readonly string[], now: string, fresh = false) {
    if (!fresh) this.sql('DELETE FROM blob_tags WHERE blob_id = ?').run(blobId);
    const insert = this.sql('INSERT INTO blob_tags (blob_id, tag_id, position) VALUES (?, ?, ?)');
    const tags = [...new Set(names)];
    const tagIds = tags.map((name, position) => {
      const tagId = this.tagIdFor(userId, name, now);
      insert.run(blobId, tagId, position);
      return tagId;
    });
    return { tags, tagIds };
  }

  /**
   * Stores a new blob. When `fingerprint` matches a blob this user already has, nothing is written
   * and that blob comes back with `existing: true`, atomically, whichever process asks.
   */
  createBlob(userId: string, input: NewBlob, now = new Date()): { blob: BlobRow; existing: boolean } {
    return this.write(() => {
      if (input.fingerprint) {
        const found = this.sql('SELECT id FROM blobs WHERE user_id = ? AND fingerprint = ?').get(
          userId,
          input.fingerprint,
        ) as { id: string } | undefined;
        if (found) return { blob: this.selectBlob(userId, found.id)!, existing: true };
      }
      const id = newId('mem');
      const stamp = now.toISOString();
      this.sql(
        `INSERT INTO blobs (id, user_id, content, fingerprint, title, summary, importance, confidence, source,
             created_at, updated_at, rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        id,
        userId,
        input.content,
        input.fingerprint ?? null,
        input.title ?? '',
        input.summary ?? '',
        input.importance ?? null,
        input.confidence ?? null,
        input.source ?? null,
        stamp,
        stamp,
        this.nextRev(),
      );
      const { tags, tagIds } = this.setTags(userId, id, input.tags ?? [], stamp, true);
      // Built from what was just written rather than read back: creates are the hot write path.
      const blob: BlobRow = {
        id,
        user_id: userId,
        content: input.content,
        title: input.title ?? '',
        summary: input.summary ?? '',
        tags,
        tag_ids: tagIds,
        importance: input.importance ?? null,
        confidence: input.confidence ?? null,
        source: input.source ?? null,
        created_at: stamp,
        updated_at: stamp,
      };
      return { blob, existing: false };
    });
  }

  getBlob(userId: string, id: string): BlobRow | undefined {
    return this.guard(() => this.selectBlob(userId, id));
  }

  /**
   * Applies the fields present in `patch`. With `expectedUpdatedAt`, refuses (conflict) when the
   * blob changed since. `updated_at` strictly increases, so that check never misses a change.
   */
  updateBlob(
    userId: string,
    id: string,
    patch: BlobPatch,
    expectedUpdatedAt?: string,
    now = new Date(),
  ): UpdateOutcome {
    return this.write((): UpdateOutcome => {
      const current = this.selectBlob(userId, id);
      if (!current) return { status: 'not_found' };
      if (expectedUpdatedAt !== undefined && expectedUpdatedAt !== current.updated_at) {
        return { status: 'conflict', current_updated_at: current.updated_at };
      }
      const previous = Date.parse(current.updated_at);
      const stamp = new Date(Math.max(now.getTime(), previous + 1)).toISOString();
      const columns: Record<string, unknown> = {};
      for (const key of [
        'content',
        'fingerprint',
        'title',
        'summary',
        'importance',
        'confidence',
        'source',
      ] as const) {
        if (patch[key] !== undefined) columns[key] = patch[key];
      }
      const assignments = Object.keys(columns).map((key) => `${key} = @${key}`);
      this.sql(
        `UPDATE blobs SET ${[...assignments, 'updated_at = @updated_at', 'rev = @rev'].join(', ')} WHERE id = @id`,
      ).run({ ...columns, updated_at: stamp, rev: this.nextRev(), id });
      if (patch.tags !== undefined) this.setTags(userId, id, patch.tags, stamp);
      return { status: 'updated', blob: this.selectBlob(userId, id)! };
    });
  }

  deleteBlob(userId: string, id: string): boolean {
    return this.write(() => {
      const result = this.sql('DELETE FROM blobs WHERE user_id = ? AND id = ?').run(userId, id);
      if (result.changes === 0) return false;
      this.sql('INSERT OR REPLACE INTO tombstones (id, user_id, rev) VALUES (?, ?, ?)').run(
        id,
        userId,
        this.nextRev(),
      );
      return true;
    });
  }

  /** Newest first by created_at then id, with Memoram's filters and an opaque cursor. */
  listBlobs(userId: string, query: ListBlobsQuery): { blobs: BlobRow[]; next_cursor: string | null } {
    const where = ['b.user_id = @userId'];
    const params: Record<string, unknown> = { userId, limit: query.limit + 1 };
    if (query.cursor) {
      const [createdAt, id] = decodeCursor(query.cursor);
      where.push('(b.created_at < @cAt OR (b.created_at = @cAt AND b.id < @cId))');
      Object.assign(params, { cAt: createdAt, cId: id });
    }
    if (query.tags && query.tags.length > 0) {
      where.push(`EXISTS (SELECT 1 FROM blob_tags bt JOIN tags t ON t.id = bt.tag_id
        WHERE bt.blob_id = b.id AND t.name IN (SELECT value FROM json_each(@tags)))`);
      params.tags = JSON.stringify(query.tags);
    }
    if (query.searchQuery) {
      where.push(
        `(instr(lower(b.title), @q) > 0 OR instr(lower(b.summary), @q) > 0 OR instr(lower(b.content), @q) > 0)`,
      );
      params.q = query.searchQuery.toLowerCase();
    }
    if (query.importance !== undefined) {
      where.push('b.importance >= @importance');
      params.importance = query.importance;
    }
    return this.guard(() => {
      const rows = this.sql(
        `${SELECT_BLOB} WHERE ${where.join(' AND ')} ORDER BY b.created_at DESC, b.id DESC LIMIT @limit`,
      ).all(params) as RawBlob[];
      const page = rows.slice(0, query.limit).map(toBlob);
      const last = page.at(-1);
      return {
        blobs: page,
        next_cursor: rows.length > query.limit && last ? encodeCursor(last.created_at, last.id) : null,
      };
    });
  }

  /** Everything written for this user after revision `since` (0 = everything), and the revision now. */
  changesSince(userId: string, since: number): Changes {
    // Nothing changed is the common answer (asked before every tool call): one statement, no
    // transaction. Otherwise the revision and the rows are read in one snapshot.
    const current = this.revision();
    if (current === since) return { blobs: [], deleted: [], rev: current };
    return this.guard(() =>
      this.db
        .transaction((): Changes => {
          const rev = this.currentRev();
          if (rev === since) return { blobs: [], deleted: [], rev };
          const raws = this.sql(`${SELECT_BLOB} WHERE b.user_id = ? AND b.rev > ? ORDER BY b.rev`).all(
            userId,
            since,
          ) as RawBlob[];
          const deleted =
            since === 0
              ? []
              : (
                  this.sql('SELECT id FROM tombstones WHERE user_id = ? AND rev > ?').all(userId, since) as {
                    id: string;
                  }[]
                ).map((row) => row.id);
          return { blobs: raws.map(toBlob), deleted, rev };
        })
        .deferred(),
    );
  }

  /** The store-wide revision: how many writes (creates, updates, deletes) the file has seen. */
  revision(): number {
    return this.guard(() => this.currentRev());
  }

  private currentRev(): number {
    return Number((this.sql(`SELECT value FROM meta WHERE key = 'rev'`).get() as { value: string }).value);
  }

  listTags(userId: string): TagRow[] {
    return this.guard(() => {
      const rows = this.sql(
        `SELECT id, name, description, color, is_enabled, created_at, updated_at
         FROM tags WHERE user_id = ? ORDER BY name`,
      ).all(userId) as (Omit<TagRow, 'is_enabled'> & { is_enabled: number })[];
      return rows.map((row) => ({ ...row, is_enabled: row.is_enabled === 1 }));
    });
  }

  getTag(userId: string, id: string): TagRow | undefined {
    return this.guard(() => {
      const row = this.sql(
        'SELECT id, name, description, color, is_enabled, created_at, updated_at FROM tags WHERE user_id = ? AND id = ?',
      ).get(userId, id) as (Omit<TagRow, 'is_enabled'> & { is_enabled: number }) | undefined;
      return row && { ...row, is_enabled: row.is_enabled === 1 };
    });
  }

  /** The underlying connection, for the emulator's own tables in the same file. */
  get database(): Database.Database {
    return this.db;
  }
}
