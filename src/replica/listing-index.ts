/**
 * The replica of a Memoram account: a MemoryDatabase (one encrypted file per user, see
 * replica-file.ts, shared by every process of that user; in memory when none is given), filled
 * from one full listing of the account, refreshed in the background once it is older than the
 * refresh interval, and kept current by the server's own writes once Memoram has answered them.
 * A replica filled before answers at once after a restart; its refresh comes later.
 *
 * One process refreshes at a time (a lease in the meta table); the others read the shared file.
 * A refresh must not undo writes made while it listed: a memory written since (by any process)
 * carries a newer updated_at and is kept; one deleted since leaves a tombstone in the meta table;
 * one missing from the listing is dropped only when the replica held it before the listing began.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay, setImmediate } from 'node:timers/promises';
import { untilAborted } from '../async/until-aborted.js';
import type { Memory } from '../memory/types.js';
import { MemoryDatabase } from '../store/memory-db.js';
import type { MemoryVector } from '../store/vector-table.js';

/** How many listed memories are written between two turns of the event loop. */
const PULL_BATCH = 500;

const LISTED_AT = 'replica:listed-at';
const LEASE = 'replica:refresh-lease';
const TOMBSTONES = 'replica:tombstones';
/** How long a refresh may hold the lease without renewing it before another process takes over. */
const LEASE_MS = 120_000;
const TOMBSTONE_MS = 3_600_000;
/** How long a background refresh waits after it is asked for, so a search answers first. */
const BACKGROUND_DELAY_MS = 1_000;

export interface ListingIndexOptions {
  /** Opens the replica database; a private one in memory when absent. */
  open?: (() => Promise<MemoryDatabase>) | undefined;
  /** Every memory of the account, decrypted. */
  list: () => Promise<Memory[]>;
  fingerprint: (content: string, scope: string | null) => string;
  refreshIntervalMs?: number | undefined;
  onBackgroundError?: ((error: unknown) => void) | undefined;
  /** Called once the replica is open and after each listing was applied (vectors are filled in then). */
  onLoaded?: (() => void) | undefined;
  now?: (() => number) | undefined;
}

export class ListingIndex {
  private database: MemoryDatabase | undefined;
  private opening: Promise<MemoryDatabase> | undefined;
  private readonly owner = randomUUID();
  private closed = false;
  /** A background refresh is due to start (one at a time, however many searches ask). */
  private scheduled = false;
  private warmed = false;
  private lastSync = 0;
  private pulling: Promise<void> | undefined;
  private writesDuringPull: Map<string, Memory | null> | undefined;
  private readonly refreshIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ListingIndexOptions) {
    this.refreshIntervalMs = options.refreshIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** The replica once open, else undefined. */
  get openDb(): MemoryDatabase | undefined {
    return this.database;
  }

  /** The replica; only after `ready()`. */
  get db(): MemoryDatabase {
    if (!this.database) throw new Error('the replica is not open yet');
    return this.database;
  }

  /** Opens the replica (once); a replica filled before counts as warm, so searches answer at once. */
  ready(): Promise<MemoryDatabase> {
    this.opening ??= (async () => {
      const db = await (this.options.open?.() ?? Promise.resolve(MemoryDatabase.open(':memory:')));
      if (this.closed) {
        db.close();
        throw new Error('the replica is closed');
      }
      this.database = db;
      queueMicrotask(() => this.options.onLoaded?.());
      const listedAt = Number(db.getMeta(LISTED_AT) ?? Number.NaN);
      if (Number.isFinite(listedAt)) {
        this.warmed = true;
        this.lastSync = listedAt;
      }
      return db;
    })();
    return this.opening;
  }

  /** Waits for the first load; later, starts a background refresh when the replica is stale. */
  async refresh(signal?: AbortSignal): Promise<void> {
    const db = await this.ready();
    if (!this.warmed) return this.pullOnce(signal);
    // Another process may have refreshed the shared replica since.
    this.lastSync = Math.max(this.lastSync, Number(db.getMeta(LISTED_AT) ?? 0));
    if (this.now() - this.lastSync > this.refreshIntervalMs && !this.pulling) {
      this.pullInBackground(BACKGROUND_DELAY_MS);
    }
  }

  /** Whether the replica was ever filled (by any process). */
  get warm(): boolean {
    return this.warmed;
  }

  /** Pulls now (or joins the pull in flight): an explicit refresh. */
  pull(signal?: AbortSignal): Promise<void> {
    return this.pullOnce(signal);
  }

  pullInBackground(afterMs = 0): void {
    const start = () => {
      if (this.closed) return;
      this.pullOnce().catch((error) => this.options.onBackgroundError?.(error));
    };
    if (afterMs === 0) {
      start();
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      start();
    }, afterMs).unref();
  }

  /** Waits for a pull in flight, if any (a create must not miss a copy that landed unseen). */
  async settled(signal?: AbortSignal): Promise<void> {
    if (this.pulling)
      await untilAborted(
        this.pulling.catch(() => {}),
        signal,
      );
  }

  /**
   * One pull shared by every caller. It takes no caller's signal: one caller cancelling must not
   * fail the others waiting for it; each stops waiting when its own signal aborts.
   */
  private pullOnce(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.pulling ??= this.load().finally(() => {
      this.pulling = undefined;
    });
    return untilAborted(this.pulling, signal);
  }

  private async load(): Promise<void> {
    const db = await this.ready();
    if (!this.takeLease(db)) return this.waitForOther(db);
    this.writesDuringPull = new Map();
    try {
      const started = this.now();
      const before = new Set(db.ids());
      const memories = await this.options.list();
      this.takeLease(db); // renew: applying a large account takes a while
      this.dropVanished(db, memories, before);
      const tombstones = this.tombstones(db);
      for (let at = 0; at < memories.length; at += PULL_BATCH) {
        db.transaction(() => {
          for (const memory of memories.slice(at, at + PULL_BATCH)) {
            if ((tombstones[memory.id] ?? 0) >= started) continue;
            if (this.isCurrent(db, memory)) continue;
            this.put(memory);
          }
        });
        await setImmediate();
      }
      for (const [id, memory] of this.writesDuringPull) this.write(id, memory);
      const now = this.now();
      db.setMeta(LISTED_AT, String(now));
      this.lastSync = now;
      this.warmed = true;
      this.options.onLoaded?.();
    } finally {
      this.writesDuringPull = undefined;
      this.releaseLease(db);
    }
  }

  /**
   * Drops what the listing no longer has. Only memories the replica held before the listing began
   * qualify: one written into it since (by any process) may have been created after the listing
   * read that part of the account.
   */
  private dropVanished(db: MemoryDatabase, memories: readonly Memory[], before: ReadonlySet<string>): void {
    const listed = new Set(memories.map((memory) => memory.id));
    db.transaction(() => {
      for (const id of db.ids()) if (before.has(id) && !listed.has(id)) db.delete(id);
    });
  }

  /** The replica already holds this version of the memory, or a newer one written since. */
  private isCurrent(db: MemoryDatabase, memory: Memory): boolean {
    const [local] = db.get([memory.id]);
    if (!local) return false;
    if (local.unreadable && !memory.unreadable) return false;
    return local.updated_at >= memory.updated_at;
  }

  /** Another process holds the lease: wait for its first fill if there is none yet, else read on. */
  private async waitForOther(db: MemoryDatabase): Promise<void> {
    while (!this.closed && db.getMeta(LISTED_AT) === undefined) {
      await delay(100);
      if (this.takeLease(db)) {
        this.releaseLease(db);
        return this.load();
      }
    }
    this.lastSync = Number(db.getMeta(LISTED_AT) ?? this.now());
    this.warmed = true;
  }

  private takeLease(db: MemoryDatabase): boolean {
    return db.transaction(() => {
      const lease = parseJson<{ owner: string; until: number }>(db.getMeta(LEASE));
      if (lease && lease.owner !== this.owner && lease.until > this.now()) return false;
      db.setMeta(LEASE, JSON.stringify({ owner: this.owner, until: this.now() + LEASE_MS }));
      return true;
    });
  }

  private releaseLease(db: MemoryDatabase): void {
    if (this.closed) return;
    db.transaction(() => {
      const lease = parseJson<{ owner: string }>(db.getMeta(LEASE));
      if (lease?.owner === this.owner) db.setMeta(LEASE, JSON.stringify({ owner: '', until: 0 }));
    });
  }

  private tombstones(db: MemoryDatabase): Record<string, number> {
    return parseJson<Record<string, number>>(db.getMeta(TOMBSTONES)) ?? {};
  }

  /** Notes a delete, so a refresh whose listing still had the memory does not bring it back. */
  private bury(db: MemoryDatabase, id: string): void {
    db.transaction(() => {
      const now = this.now();
      const kept = Object.entries(this.tombstones(db)).filter(([, at]) => at > now - TOMBSTONE_MS);
      db.setMeta(TOMBSTONES, JSON.stringify(Object.fromEntries([...kept, [id, now]])));
    });
  }

  private put(memory: Memory, vector?: MemoryVector): void {
    const fingerprint = memory.unreadable ? null : this.options.fingerprint(memory.content, memory.scope);
    this.db.put(memory, fingerprint, undefined, vector);
  }

  private write(id: string, memory: Memory | null, vector?: MemoryVector): void {
    if (memory) this.put(memory, vector);
    else {
      this.db.delete(id);
      this.bury(this.db, id);
    }
  }

  /** Applies one of this process's writes (or a fresh read), with its vector if known: null deletes. */
  apply(id: string, memory: Memory | null, vector?: MemoryVector): void {
    this.write(id, memory, vector);
    this.writesDuringPull?.set(id, memory);
  }

  close(): void {
    this.closed = true;
    this.database?.close();
  }
}

function parseJson<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
