/**
 * Keeps a memory database's vectors in step with its memories for one embedding provider: gives a
 * write the vector of its text when the model is ready (computed before the write's synchronous
 * transaction), and fills in, in the background, every memory without a vector of the current
 * model: those written before the model first loaded or changed, or by a process without it.
 *
 * The fill walks the rowids down from the newest in spans read from two small indexes, embeds
 * BATCH memories at a time and writes each batch in its own short transaction, yielding to
 * requests in between; a restart starts it again from the top, and what has a vector costs
 * nothing but its index entry. Searches keep working throughout: the vectors already written
 * take part, and with none the search is by words alone.
 *
 * After each pass, and when the process closes, it leaves the model's snapshot of vectors
 * (vector-snapshot.ts) when the rows moved far enough past the stored one, so the next start
 * reads it rather than every row.
 */
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { EmbeddingProvider, Embeddings } from '../embeddings/provider.js';
import type { Logger } from '../log/logger.js';
import type { SearchByMeaningStatus } from '../memory/types.js';
import type { MemoryDatabase } from './memory-db.js';
import { type EmbeddedFields, embeddingText, type MemoryVector, type QueryVector } from './vector-table.js';

/** Memories embedded per call of the model and per transaction. */
const BATCH = 32;
/** Rowids looked at per step of the walk. */
const SPAN = 4096;
/** Vectors whose 4-bit codes are read per turn after a start from a snapshot (a few ms). */
const CODES_BATCH = 512;
/**
 * How long after the start's load the codes' read waits. A client that polls status and searches
 * as soon as the model is ready would otherwise find its requests behind the first parts: ~25 ms
 * at 100,000 memories (the first part is the slowest, cold), where making the 300-400 codes that
 * first search needs from their rows costs ~12 ms. No longer: until they are in, every create's
 * and search's pool is made from rows too (100 ms made creates right after a start measurably slower).
 */
const CODES_AFTER_MS = 20;
/** How often a fill pass runs again, for memories another process wrote without a vector. */
const REPASS_MS = 300_000;

export interface VectorFillOptions {
  logger?: Logger | undefined;
  repassMs?: number | undefined;
}

export class VectorFill {
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;
  /** Whether the model became ready and the vectors were loaded (a close then leaves a snapshot). */
  private started = false;
  /** The codes' read after the start, which the first fill pass follows. */
  private loading: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly db: () => MemoryDatabase | undefined,
    private readonly embeddings: Embeddings,
    private readonly options: VectorFillOptions = {},
  ) {}

  /** Starts filling once the model is ready, and again every REPASS_MS. */
  start(): void {
    this.embeddings.ready().then((provider) => {
      if (!provider || this.closed) return;
      this.started = true;
      try {
        this.db()?.loadVectors(provider.id, provider.dimensions);
      } catch (error) {
        // The first search loads them instead, or answers by words if the store cannot be read.
        this.options.logger?.warn('loading the memory vectors failed', { error });
      }
      this.loading = sleep(CODES_AFTER_MS, undefined, { ref: false })
        .then(() => this.loadCodes(provider))
        .then(() => this.schedule());
      this.timer = setInterval(() => this.schedule(), this.options.repassMs ?? REPASS_MS);
      this.timer.unref();
    });
  }

  /** Reads, a batch per turn, the 4-bit codes a snapshot brought the vectors without. */
  private async loadCodes(provider: EmbeddingProvider): Promise<void> {
    try {
      while (!this.closed && this.db()?.loadVectorCodes(provider.id, provider.dimensions, CODES_BATCH)) {
        await nextTurn();
      }
    } catch (error) {
      // Searches read the codes they need from the rows meanwhile; the next start tries again.
      this.options.logger?.warn('reading the memory vectors failed', { error });
    }
  }

  /** Runs a fill pass soon (one at a time; a request during one runs another after it). */
  schedule(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.fill()
      .catch((error: unknown) => this.options.logger?.warn('filling in memory vectors failed', { error }))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  /** Settles when no fill pass runs (tests, shutdown). */
  async idle(): Promise<void> {
    await this.loading;
    while (this.running) await this.running;
  }

  private async fill(): Promise<void> {
    const provider = this.embeddings.provider();
    const db = this.db();
    if (!provider || !db) return;
    for (let below = db.lastRowid() + 1; below > 0 && !this.closed; below -= SPAN) {
      const rowids = db.unembedded(provider.id, Math.max(0, below - SPAN), below);
      for (let at = 0; at < rowids.length && !this.closed; at += BATCH) {
        const texts = db.embeddingTexts(rowids.slice(at, at + BATCH));
        if (texts.length === 0) continue;
        const vectors = await provider.embed(texts.map(({ text }) => text));
        if (this.closed) return;
        db.writeVectors(
          texts.map(({ rowid, text }, i) => ({ rowid, text, model: provider.id, vector: vectors[i]! })),
        );
        await nextTurn();
      }
      await nextTurn();
    }
    if (!this.closed) this.snapshot();
  }

  /** Writes the snapshot of vectors if it is stale; a failure costs only the next start's time. */
  private snapshot(): void {
    const provider = this.embeddings.provider();
    try {
      if (provider) this.db()?.snapshotVectors(provider.id, provider.dimensions);
    } catch (error) {
      this.options.logger?.warn('writing the snapshot of memory vectors failed', { error });
    }
  }

  /** The vector of each memory's text, when the model is ready (else the fill computes it later). */
  async vectorsOf(memories: readonly EmbeddedFields[]): Promise<(MemoryVector | undefined)[]> {
    const provider = this.embeddings.provider();
    if (!provider || memories.length === 0) return memories.map(() => undefined);
    const texts = memories.map(embeddingText);
    try {
      const vectors = await provider.embed(texts);
      return texts.map((text, at) => ({ model: provider.id, text, vector: vectors[at]! }));
    } catch (error) {
      this.options.logger?.warn('embedding a memory failed; it is filled in later', { error });
      this.schedule();
      return memories.map(() => undefined);
    }
  }

  async vectorOf(memory: EmbeddedFields): Promise<MemoryVector | undefined> {
    return (await this.vectorsOf([memory]))[0];
  }

  /** The query's vector, when the model is ready; a failure leaves the search to words alone. */
  async queryVector(query: string | undefined, signal?: AbortSignal): Promise<QueryVector | undefined> {
    const provider: EmbeddingProvider | undefined = this.embeddings.provider();
    if (!provider || !query?.trim()) return undefined;
    try {
      const [vector] = await provider.embed([query], signal);
      return vector && { model: provider.id, vector };
    } catch (error) {
      this.options.logger?.warn('embedding a query failed; searching by words alone', { error });
      return undefined;
    }
  }

  /** The model's state, and once it is ready how far the store's vectors are. */
  status(): SearchByMeaningStatus {
    const state = this.embeddings.status();
    const provider = this.embeddings.provider();
    const db = this.db();
    if (state.state !== 'ready' || !provider || !db) return state;
    return { ...state, vectors: { ...db.vectorProgress(provider.id), filling: this.running !== undefined } };
  }

  /** Stops filling; leaves a snapshot first when this process's writes made the stored one stale. */
  close(): void {
    if (this.closed) return;
    if (this.started) this.snapshot();
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
  }
}
