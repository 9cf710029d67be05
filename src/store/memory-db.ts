/**
 * MemoryDatabase: memories in one encrypted SQLite file (or in memory), with their full-text
 * index, tags and metadata. The local store is one; each Memoram replica is another. Every write
 * is an immediate transaction, and the index changes with the row it indexes, so any number of
 * processes on one file see each other's writes on their next read, with nothing to refresh.
 */

import type Database from 'better-sqlite3-multiple-ciphers';
import { newId } from '../crypto/random.js';
import type {
  Memory,
  MemoryFields,
  MemoryPatch,
  NewMemory,
  ScopeFilter,
  ScopeInfo,
  SearchPage,
  SearchParams,
  SimilarMemory,
  TagInfo,
  TagMeta,
} from '../memory/types.js';
import { BUSY_TIMEOUT_MS, isLockError, openDatabase, type SqliteDatabase, storeError } from './database.js';
import { hybridSearch } from './hybrid.js';
import { IndexUpkeep, type StepOutcome, type UpkeepOptions } from './index-upkeep.js';
import { INSERT_MEMORY, MEMORY_COLUMNS, type MemoryRow, rowParams, toMemory } from './memory-rows.js';
import { INDEX_WRITES, MEMORY_MIGRATIONS } from './memory-schema.js';
import { findSimilar } from './near-duplicates.js';
import { scopeClause } from './scope-filter.js';
import { search } from './search.js';
import { VectorIndex, type VectorLoad } from './vector-index.js';
import { snapshotSeq, writeSnapshot } from './vector-snapshot.js';
import {
  embeddingText,
  embeddingTexts,
  knownModel,
  type MemoryVector,
  modelNumber,
  type QueryVector,
  unembedded,
  writeVector,
} from './vector-table.js';

/** A create of a batch, with the vector of its text when the embedding model was ready. */
export type EmbeddedNewMemory = NewMemory & { vector?: MemoryVector | undefined };

export interface CreatedMemory {
  memory: Memory;
  existing: boolean;
  similar: SimilarMemory[];
}

export type UpdateResult =
  | { status: 'updated'; memory: Memory }
  | { status: 'not_found' }
  | { status: 'conflict'; current_updated_at: string };

export interface MemoryDatabaseOptions {
  /** The raw 32-byte database key (see crypto/store-key.ts); without one the file is not encrypted. */
  key?: Buffer | undefined;
  /** Named in the error when the key does not open the file. */
  keyFile?: string | undefined;
  busyTimeoutMs?: number | undefined;
  /** When and how the index is merged as it grows (index-upkeep.ts). */
  upkeep?: UpkeepOptions | undefined;
}

/** The fewest changes since the vectors' snapshot that have it rewritten (a start replays them). */
const SNAPSHOT_STALE = 256;

/** Index pages one compaction step writes: a few MiB, well under a second of lock. */
const COMPACT_PAGES = 1000;

export class MemoryDatabase {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly sql = (text: string): Database.Statement => {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  };

  private readonly upkeep: IndexUpkeep;
  /** This process's copy of the vectors of the model searched with last. */
  private vectorIndex: VectorIndex | undefined;

  private constructor(
    readonly file: string,
    private readonly db: SqliteDatabase,
    upkeep: UpkeepOptions | undefined,
  ) {
    this.upkeep = new IndexUpkeep(this, upkeep);
    // A merge that an earlier process left due is done in this one's first idle spell.
    this.upkeep.noteWrite();
  }

  static open(file: string, options: MemoryDatabaseOptions = {}): MemoryDatabase {
    const db = openDatabase(file, {
      key: options.key,
      keyFile: options.keyFile,
      busyTimeoutMs: options.busyTimeoutMs ?? BUSY_TIMEOUT_MS,
      migrations: MEMORY_MIGRATIONS,
    });
    return new MemoryDatabase(file, db, options.upkeep);
  }

  close(): void {
    this.upkeep.stop();
    if (this.db.open) this.db.close();
  }

  private guard<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw storeError(error, this.file);
    }
  }

  /** Runs `work` in one immediate (write-locking) transaction; nested calls join the outer one. */
  transaction<T>(work: () => T): T {
    if (this.db.inTransaction) return work();
    const result = this.guard(() => this.db.transaction(work).immediate());
    this.upkeep.noteWrite();
    return result;
  }

  private row(where: string, ...args: unknown[]): MemoryRow | undefined {
    return this.sql(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE ${where}`).get(...args) as
      | MemoryRow
      | undefined;
  }

  /**
   * Stores a new memory, or returns the one with the same fingerprint (`existing: true`) without
   * writing: the check and the insert are one transaction, so it holds across processes.
   */
  create(fields: MemoryFields, fingerprint: string, now = new Date(), vector?: MemoryVector): CreatedMemory {
    const existing = this.byFingerprint(fingerprint);
    if (existing) return { memory: existing, existing: true, similar: [] };
    const scope = fields.scope ?? null;
    const similar = this.similarTo(fields.content, undefined, { names: scope ? [scope] : [], global: true });
    const [outcome] = this.insertMany([{ fields, fingerprint, vector }], now);
    return { ...outcome!, similar: outcome!.existing ? [] : similar };
  }

  /**
   * Merges the search index's segments into one, in steps (compactStep), each its own short
   * transaction, so other processes on the store write in between. FTS5 adds a segment per
   * write transaction and merges them only in part; after a bulk load a term's matches are spread
   * over many segments, each looked up on every query (10 lookups of a create's near-duplicate
   * check: 0.75 ms at 100,000 memories after an import, 0.31 ms after this).
   */
  compactIndex(): void {
    while (this.compactStep() === 'merged');
  }

  /**
   * One step of FTS5's incremental 'merge', writing at most COMPACT_PAGES pages: 'done' when it
   * found nothing left to merge, and then the count of index writes starts again from zero. With
   * `waitForLock` false, a step that would wait for another process's write lock (within the busy
   * timeout, the event loop stopped) is 'busy' at once instead, for a merge that can come later.
   */
  compactStep(waitForLock = true): StepOutcome {
    const changes = this.sql('SELECT total_changes()').pluck();
    const merge = this.sql(`INSERT INTO memories_fts (memories_fts, rank) VALUES ('merge', ?)`);
    const reset = this.sql(`UPDATE meta SET value = '0' WHERE key = '${INDEX_WRITES}'`);
    // Not this.transaction(): a merge is not a write the upkeep counts.
    const step = this.db.transaction((): StepOutcome => {
      const before = changes.get() as number;
      // Negative: segments of every level are merged, as 'optimize' does, not only full levels.
      merge.run(-COMPACT_PAGES);
      if ((changes.get() as number) - before >= 2) return 'merged';
      reset.run();
      return 'done';
    });
    if (waitForLock) return this.guard(() => step.immediate());
    const timeout = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      return step.immediate();
    } catch (error) {
      if (isLockError(error)) return 'busy';
      throw storeError(error, this.file);
    } finally {
      this.db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  /** Index writes since the last merge (all processes'), and the highest rowid (about the store's size). */
  indexWrites(): { writes: number; size: number } {
    return this.guard(
      () =>
        this.sql(
          `SELECT (SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${INDEX_WRITES}') AS writes,
             (SELECT coalesce(max(rowid), 0) FROM memories) AS size`,
        ).get() as { writes: number; size: number },
    );
  }

  /** Many creates in one transaction (import): no near-duplicate search, dedup as create's. */
  createMany(entries: readonly EmbeddedNewMemory[], now = new Date()): CreatedMemory[] {
    return this.insertMany(entries, now);
  }

  private insertMany(entries: readonly EmbeddedNewMemory[], now: Date): CreatedMemory[] {
    const stamp = now.toISOString();
    return this.transaction(() =>
      entries.map(({ fields, fingerprint, vector }) => {
        const found = this.row('fingerprint = ?', fingerprint);
        if (found) return { memory: toMemory(found), existing: true, similar: [] };
        const memory: Memory = {
          id: newId('mem'),
          title: fields.title ?? '',
          summary: fields.summary ?? '',
          content: fields.content,
          tags: [...new Set(fields.tags ?? [])],
          importance: fields.importance ?? null,
          confidence: fields.confidence ?? null,
          source: fields.source ?? null,
          scope: fields.scope ?? null,
          created_at: stamp,
          updated_at: stamp,
        };
        this.storeVector(this.insert(memory, fingerprint), memory, vector);
        return { memory, existing: false, similar: [] };
      }),
    );
  }

  private insert(memory: Memory, fingerprint: string | null, sealed?: string | null): number {
    const { lastInsertRowid } = this.sql(INSERT_MEMORY).run(rowParams(memory, fingerprint, sealed));
    const rowid = Number(lastInsertRowid);
    this.setTags(rowid, memory.tags, true);
    return rowid;
  }

  /** Stores the vector with its memory when it was computed from the text the memory now has. */
  private storeVector(rowid: number, memory: Memory, vector: MemoryVector | undefined): void {
    if (!vector || memory.unreadable || vector.text !== embeddingText(memory)) return;
    writeVector(this.sql, rowid, modelNumber(this.sql, vector.model), vector.vector);
  }

  private setTags(rowid: number, tags: readonly string[], fresh = false): void {
    if (!fresh) this.sql('DELETE FROM memory_tags WHERE memory = ?').run(rowid);
    const insert = this.sql('INSERT OR IGNORE INTO memory_tags (tag, memory) VALUES (?, ?)');
    for (const tag of tags) insert.run(tag, rowid);
  }

  /**
   * Writes `memory` as it is, with its own id and timestamps (a replica applying what Memoram
   * holds): inserted, or replacing the row with that id. A fingerprint another memory already has
   * is dropped here: Memoram may hold identical content twice, and both must be kept.
   */
  put(memory: Memory, fingerprint: string | null, sealed?: string | null, vector?: MemoryVector): void {
    this.transaction(() => {
      const other =
        fingerprint === null ? undefined : this.row('fingerprint = ? AND id <> ?', fingerprint, memory.id);
      const own = other ? null : fingerprint;
      const current = this.row('id = ?', memory.id);
      if (!current) {
        this.storeVector(this.insert(memory, own, sealed), memory, vector);
        return;
      }
      const params = rowParams(memory, own, sealed);
      this.sql(
        `UPDATE memories SET importance = @importance, confidence = @confidence, source = @source,
           scope = @scope, created_at = @created_at, created_ms = @created_ms, updated_at = @updated_at,
           updated_ms = @updated_ms, fingerprint = @fingerprint, sealed = @sealed
         WHERE id = @id`,
      ).run(params);
      // The indexed text apart, so that a change of importance alone leaves the index as it is: the
      // index's trigger fires on any UPDATE that sets one of its columns, even to the same value.
      const textChanged = (['title', 'summary', 'tags', 'content'] as const).some(
        (column) => params[column] !== current[column],
      );
      if (textChanged) {
        this.sql(
          `UPDATE memories SET title = @title, summary = @summary, tags = @tags, content = @content, cjk = @cjk
           WHERE id = @id`,
        ).run(params);
      }
      if (current.tags !== params.tags) this.setTags(current.rowid, memory.tags);
      if (textChanged) this.storeVector(current.rowid, memory, vector);
    });
  }

  /**
   * Changes the given fields (`scope: null` makes a memory global); `fingerprintOf` gives the new
   * fingerprint when the content or the scope changes.
   */
  update(
    id: string,
    patch: MemoryPatch & { fingerprintOf?: ((content: string, scope: string | null) => string) | undefined },
    expectedUpdatedAt?: string,
    now = new Date(),
    vector?: MemoryVector,
  ): UpdateResult {
    return this.transaction(() => {
      const row = this.row('id = ?', id);
      if (!row) return { status: 'not_found' };
      if (expectedUpdatedAt !== undefined && row.updated_at !== expectedUpdatedAt) {
        return { status: 'conflict', current_updated_at: row.updated_at };
      }
      const current = toMemory(row);
      // A change always moves updated_at, also within the millisecond of the last one.
      const previous = Date.parse(row.updated_at);
      const stamp = new Date(Math.max(now.getTime(), previous + 1)).toISOString();
      const content = patch.content ?? current.content;
      const memory: Memory = {
        ...current,
        content,
        title: patch.title ?? current.title,
        summary: patch.summary ?? current.summary,
        tags: patch.tags === undefined ? current.tags : [...new Set(patch.tags)],
        importance: patch.importance ?? current.importance,
        confidence: patch.confidence ?? current.confidence,
        source: patch.source ?? current.source,
        scope: patch.scope === undefined ? current.scope : patch.scope,
        updated_at: stamp,
      };
      if (patch.content !== undefined) delete memory.unreadable;
      const moved = memory.scope !== current.scope;
      const fingerprint =
        patch.content === undefined && !moved
          ? row.fingerprint
          : memory.unreadable
            ? null
            : (patch.fingerprintOf?.(memory.content, memory.scope) ?? null);
      this.put(memory, fingerprint, patch.content === undefined ? row.sealed : null, vector);
      return { status: 'updated', memory };
    });
  }

  delete(id: string): boolean {
    return this.transaction(() => this.sql('DELETE FROM memories WHERE id = ?').run(id).changes > 0);
  }

  /** The memories with these ids that exist, in the order asked. */
  get(ids: readonly string[]): Memory[] {
    return this.guard(() =>
      ids.flatMap((id) => {
        const row = this.row('id = ?', id);
        return row ? [toMemory(row)] : [];
      }),
    );
  }

  byFingerprint(fingerprint: string): Memory | undefined {
    const row = this.guard(() => this.row('fingerprint = ?', fingerprint));
    return row && toMemory(row);
  }

  count(): number {
    return this.guard(() => this.sql('SELECT count(*) FROM memories').pluck().get() as number);
  }

  /** Every memory, oldest first (for export). */
  all(): Memory[] {
    return this.guard(() =>
      (
        this.sql(`SELECT ${MEMORY_COLUMNS} FROM memories ORDER BY created_at, rowid`).all() as MemoryRow[]
      ).map(toMemory),
    );
  }

  /** The ids of every memory (a replica compares them with what Memoram lists). */
  ids(): string[] {
    return this.guard(() => this.sql('SELECT id FROM memories').pluck().all() as string[]);
  }

  /**
   * One read transaction: a search is several statements, and between two snapshots another
   * process's delete and insert could hand a deleted memory's rowid (and its score) to a new one.
   * By words, and by meaning too when given the query's vector and the store has vectors of its model.
   */
  search(params: SearchParams, now = Date.now(), query?: QueryVector): SearchPage {
    const read = () => {
      const index = query && this.vectorsOf(query.model, query.vector.length);
      return index && index.count > 0
        ? hybridSearch(this.sql, index, params, now, query.vector)
        : search(this.sql, params, now);
    };
    return this.guard(() => (this.db.inTransaction ? read() : this.db.transaction(read).deferred()));
  }

  /** This process's copy of the model's vectors, current with every process's writes (inside a transaction). */
  private vectorsOf(model: string, dimensions: number): VectorIndex | undefined {
    let index = this.vectorIndex;
    if (!index || index.dimensions !== dimensions || knownModel(this.sql, model) !== index.model) {
      const number = knownModel(this.sql, model);
      if (number === undefined) return undefined;
      index = this.vectorIndex = new VectorIndex(this.sql, number, dimensions);
    }
    index.sync();
    return index;
  }

  /** `work` in one read transaction (or the one under way): the vectors' seq and rows must agree. */
  private read<T>(work: () => T): T {
    return this.guard(() => (this.db.inTransaction ? work() : this.db.transaction(work).deferred()));
  }

  /** Loads the model's vectors into memory ahead of the first search by meaning; how they were read. */
  loadVectors(model: string, dimensions: number): VectorLoad | undefined {
    return this.read(() => this.vectorsOf(model, dimensions)?.loaded);
  }

  /**
   * Reads the 4-bit codes of up to `batch` vectors a snapshot brought without them (see
   * vector-index.ts); true while some are still to read.
   */
  loadVectorCodes(model: string, dimensions: number, batch: number): boolean {
    return this.read(() => this.vectorsOf(model, dimensions)?.loadCodes(batch) ?? false);
  }

  /**
   * Writes the model's snapshot of vectors when the rows changed since the stored one pass
   * `stale` changes (by default a 64th of the vectors, at least 256: what a start then replays).
   * True when it wrote one.
   */
  snapshotVectors(model: string, dimensions: number, stale?: number): boolean {
    return this.transaction(() => {
      const index = this.vectorsOf(model, dimensions);
      if (!index || index.count === 0) return false;
      const stored = snapshotSeq(this.sql, index.model);
      const bound = stale ?? Math.max(SNAPSHOT_STALE, index.count >> 6);
      if (stored !== undefined && index.seq - stored <= bound) return false;
      // A copy still reading its 4-bit codes in the background finishes first: the snapshot holds them all.
      while (index.loadCodes(4096));
      writeSnapshot(this.sql, index.model, dimensions, index.seq, index.count, index.arrays());
      return true;
    });
  }

  /** How many vectors the loaded copy holds whose 4-bit codes are still to be read (status, tests). */
  vectorCodesPending(): number {
    return this.vectorIndex?.pending ?? 0;
  }

  /** How many memories have a vector of this model, of how many. */
  vectorProgress(model: string): { embedded: number; total: number } {
    return this.read(() => {
      const number = knownModel(this.sql, model);
      const index = this.vectorIndex;
      // The copy in memory, brought up to date, counts them without reading every vector row.
      index?.sync();
      const embedded =
        number === undefined
          ? 0
          : index?.model === number
            ? index.count
            : (this.sql('SELECT count(*) FROM memory_vectors WHERE model = ?').pluck().get(number) as number);
      const total = this.sql('SELECT count(*) FROM memories').pluck().get() as number;
      return { embedded, total };
    });
  }

  /** The vectors stored, by model id. */
  vectorCounts(): { model: string; count: number }[] {
    return this.guard(
      () =>
        this.sql(
          `SELECT m.name AS model, count(*) AS count FROM memory_vectors v JOIN vector_models m ON m.id = v.model
           GROUP BY v.model ORDER BY count DESC`,
        ).all() as { model: string; count: number }[],
    );
  }

  /** The highest rowid: where the background fill starts. */
  lastRowid(): number {
    return this.guard(() => Number(this.sql('SELECT coalesce(max(rowid), 0) FROM memories').pluck().get()));
  }

  /** Memories with rowids in [from, below) lacking a vector of this model, newest first. */
  unembedded(model: string, from: number, below: number): number[] {
    return this.guard(() => unembedded(this.sql, knownModel(this.sql, model), from, below));
  }

  /** The text each readable memory's vector is computed from. */
  embeddingTexts(rowids: readonly number[]): { rowid: number; text: string }[] {
    return this.guard(() => embeddingTexts(this.sql, rowids));
  }

  /** Stores vectors computed in the background, each only if its memory still has that text. */
  writeVectors(vectors: readonly (MemoryVector & { rowid: number })[]): void {
    this.transaction(() => {
      const current = new Map(
        embeddingTexts(
          this.sql,
          vectors.map(({ rowid }) => rowid),
        ).map(({ rowid, text }) => [rowid, text]),
      );
      for (const { rowid, model, text, vector } of vectors) {
        if (current.get(rowid) === text) writeVector(this.sql, rowid, modelNumber(this.sql, model), vector);
      }
    });
  }

  /** Up to five memories (of the scopes the filter sees) whose wording overlaps heavily with `content`. */
  similarTo(content: string, excludeId?: string, scopes?: ScopeFilter): SimilarMemory[] {
    return this.guard(() =>
      findSimilar(this.sql, content, excludeId, scopeClause(scopes)).map(({ id, title }) => ({ id, title })),
    );
  }

  /** Tags in use by the memories the filter sees, most used first, with descriptions and colours. */
  tagCounts(scopes?: ScopeFilter): TagInfo[] {
    const scope = scopeClause(scopes);
    const rows = this.guard(
      () =>
        this.sql(
          `SELECT t.tag AS name, count(*) AS count, meta.description, meta.color
           FROM memory_tags t LEFT JOIN tag_meta meta ON meta.name = t.tag
           ${scope ? `JOIN memories m ON m.rowid = t.memory WHERE ${scope.sql}` : ''}
           GROUP BY t.tag ORDER BY count DESC, t.tag`,
        ).all(...(scope?.args ?? [])) as {
          name: string;
          count: number;
          description: string | null;
          color: string | null;
        }[],
    );
    return rows.map(({ name, count, description, color }) => ({
      name,
      count,
      ...(description ? { description } : {}),
      ...(color ? { color } : {}),
    }));
  }

  /** The scopes in use with their memory counts: global first, then the fullest. */
  scopeCounts(): ScopeInfo[] {
    return this.guard(
      () =>
        this.sql(
          `SELECT scope AS name, count(*) AS count FROM memories GROUP BY scope
           ORDER BY scope IS NOT NULL, count DESC, scope`,
        ).all() as ScopeInfo[],
    );
  }

  /** Replaces the description and colour kept for each of these tags. */
  setTagMeta(tags: readonly TagMeta[]): void {
    const upsert = this.sql(
      `INSERT INTO tag_meta (name, description, color) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET description = excluded.description, color = excluded.color`,
    );
    this.transaction(() => {
      for (const tag of tags) upsert.run(tag.name, tag.description ?? null, tag.color ?? null);
    });
  }

  getMeta(key: string): string | undefined {
    return this.guard(
      () => this.sql('SELECT value FROM meta WHERE key = ?').pluck().get(key) as string | undefined,
    );
  }

  setMeta(key: string, value: string): void {
    this.guard(() =>
      this.sql(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ).run(key, value),
    );
  }
}
