/**
 * The Memoram backend's search index until the persistent replica lands: a MemoryDatabase in
 * memory, filled from one full listing of the account, refreshed in the background once it is
 * older than the refresh interval, and kept current by this process's own writes. Concurrent
 * callers share one pull; writes made while a pull runs are re-applied over its older snapshot.
 */
import { setImmediate } from 'node:timers/promises';
import { untilAborted } from '../async/until-aborted.js';
import type { Memory } from '../memory/types.js';
import { MemoryDatabase } from '../store/memory-db.js';

/** How many listed memories are written between two turns of the event loop. */
const PULL_BATCH = 500;

export interface ListingIndexOptions {
  /** Every memory of the account, decrypted. */
  list: () => Promise<Memory[]>;
  fingerprint: (content: string) => string;
  refreshIntervalMs?: number | undefined;
  onBackgroundError?: ((error: unknown) => void) | undefined;
  now?: (() => number) | undefined;
}

export class ListingIndex {
  readonly db = MemoryDatabase.open(':memory:');
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

  /** Waits for the first load; later, starts a background refresh when the index is stale. */
  async refresh(signal?: AbortSignal): Promise<void> {
    if (!this.warmed) return this.pullOnce(signal);
    if (this.now() - this.lastSync > this.refreshIntervalMs && !this.pulling) this.pullInBackground();
  }

  /** Pulls now (or joins the pull in flight): an explicit refresh. */
  pull(signal?: AbortSignal): Promise<void> {
    return this.pullOnce(signal);
  }

  pullInBackground(): void {
    this.pullOnce().catch((error) => this.options.onBackgroundError?.(error));
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
    this.writesDuringPull = new Map();
    try {
      const memories = await this.options.list();
      const listed = new Set(memories.map((memory) => memory.id));
      this.db.transaction(() => {
        for (const id of this.db.ids()) if (!listed.has(id)) this.db.delete(id);
      });
      for (let at = 0; at < memories.length; at += PULL_BATCH) {
        this.db.transaction(() => {
          for (const memory of memories.slice(at, at + PULL_BATCH)) this.put(memory);
        });
        await setImmediate();
      }
      for (const [id, memory] of this.writesDuringPull) this.write(id, memory);
      this.lastSync = this.now();
      this.warmed = true;
    } finally {
      this.writesDuringPull = undefined;
    }
  }

  private put(memory: Memory): void {
    this.db.put(memory, memory.unreadable ? null : this.options.fingerprint(memory.content));
  }

  private write(id: string, memory: Memory | null): void {
    if (memory) this.put(memory);
    else this.db.delete(id);
  }

  /** Applies one of this process's writes (or a fresh read): null deletes. */
  apply(id: string, memory: Memory | null): void {
    this.write(id, memory);
    this.writesDuringPull?.set(id, memory);
  }

  close(): void {
    this.db.close();
  }
}
