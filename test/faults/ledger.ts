/**
 * The expected state of a store under fault: every write a campaign sends goes through here, so
 * the ledger knows what was acknowledged, what was cut off unanswered (in doubt: it may or may not
 * have landed, but never half), and what was refused. `check` compares the whole store, read
 * back, against it: each acknowledged write must be there exactly, each acknowledged delete gone,
 * each write in doubt either whole or absent, and no content stored twice. Doubts are settled by
 * what was read, so a campaign can go on writing on the same store.
 */
import {
  createMemory,
  deleteMemories,
  differences,
  type Fields,
  type Server,
  type StoredMemory,
  updateMemory,
} from './server.js';
import { applyPatch } from './workload.js';

interface Known {
  fields: Fields;
  /** The token in its content, which a search finds it by. */
  token: string;
  owner: string;
  updatedAt: string;
  /** Acknowledged writes not yet seen in a check. */
  unchecked: number;
}

interface Doubt {
  fields: Fields;
  token: string;
  owner: string;
  /** Answered 503 by a draining server: it must not have landed. */
  deferred?: boolean;
}

export class Ledger {
  readonly known = new Map<string, Known>();
  readonly problems: string[] = [];
  readonly counts = {
    attempted: 0,
    acknowledged: 0,
    found: 0,
    lost: 0,
    duplicated: 0,
    refused: 0,
    inDoubtLanded: 0,
    inDoubtNotLanded: 0,
    half: 0,
    strangers: 0,
    /** Writes answered 503 (nothing ran, the server said) that had landed all the same. */
    deferredLanded: 0,
  };
  private readonly doubtfulCreates = new Set<Doubt>();
  /** The creates cut off before the last check, by how it settled them: what a client retries. */
  settledCreates: { landed: string[]; notLanded: Doubt[] } = { landed: [], notLanded: [] };
  private readonly doubtfulUpdates = new Map<string, { fields: Fields; token: string; deferred?: boolean }>();
  /** Deletes in doubt, each with whether it was answered 503 (so must not have landed). */
  private readonly doubtfulDeletes = new Map<string, boolean>();
  /** Acknowledged deletes not yet checked, with the acknowledged writes they supersede. */
  private readonly deletedUnchecked = new Map<string, number>();
  private readonly busy = new Set<string>();
  /** Memories a campaign is looking at (searching for from another process), not to be written. */
  private readonly held = new Set<string>();

  /** Memories of `owner` with no write in flight or in doubt: the ones it may write next. */
  freeIds(owner: string): string[] {
    return [...this.known]
      .filter(([id, known]) => known.owner === owner && !this.busy.has(id) && !this.held.has(id))
      .map(([id]) => id);
  }

  /** Creates a memory; with `hold`, it is not picked for writes until `release`. */
  async create(
    server: Server,
    fields: Fields,
    token: string,
    owner = server.name,
    hold = false,
  ): Promise<string | undefined> {
    this.counts.attempted++;
    const doubt: Doubt = { fields, token, owner };
    this.doubtfulCreates.add(doubt);
    const outcome = await createMemory(server, fields);
    if (outcome.kind === 'cut') {
      doubt.deferred = outcome.deferred;
      return undefined;
    }
    this.doubtfulCreates.delete(doubt);
    if (outcome.kind === 'refused') return this.refused(server, 'create', outcome.text);
    const { id, deduplicated, updated_at } = outcome.value;
    this.counts.acknowledged++;
    if (deduplicated || this.known.has(id)) {
      this.problems.push(
        `${server.name}: create of new content answered with existing ${id} (deduplicated ${deduplicated})`,
      );
      this.counts.duplicated++;
      return undefined;
    }
    this.known.set(id, { fields, token, owner, updatedAt: updated_at, unchecked: 1 });
    if (hold) this.held.add(id);
    return id;
  }

  /**
   * Sends a create again whose first answer was cut off and which landed, as a client retrying
   * it would: it must answer with the memory stored then (deduplicated), not store a copy.
   */
  async retryLanded(server: Server, id: string): Promise<void> {
    const known = this.expect(id);
    this.counts.attempted++;
    const outcome = await createMemory(server, known.fields);
    if (outcome.kind === 'cut') return;
    if (outcome.kind === 'refused') return this.refused(server, `retried create of ${id}`, outcome.text);
    this.counts.acknowledged++;
    if (outcome.value.deduplicated && outcome.value.id === id) known.unchecked++;
    else {
      this.counts.duplicated++;
      this.problems.push(`${server.name}: retried create of ${id} stored ${outcome.value.id} instead`);
    }
  }

  /**
   * Updates one of `owner`'s memories; with `guarded`, passes the updated_at last seen, which must
   * hold since nobody else writes it. Returns the memory's new state once acknowledged; with
   * `hold`, the memory is not picked for writes until `release`.
   */
  async update(
    server: Server,
    id: string,
    patch: Partial<Fields>,
    token: string | undefined,
    guarded: boolean,
    hold = false,
  ): Promise<Known | undefined> {
    const known = this.expect(id);
    this.counts.attempted++;
    this.busy.add(id);
    const after = { fields: applyPatch(known.fields, patch), token: token ?? known.token };
    this.doubtfulUpdates.set(id, after);
    const outcome = await updateMemory(server, id, patch, guarded ? known.updatedAt : undefined);
    if (outcome.kind === 'cut') {
      this.doubtfulUpdates.set(id, { ...after, deferred: outcome.deferred });
      return undefined;
    }
    this.doubtfulUpdates.delete(id);
    this.busy.delete(id);
    if (outcome.kind === 'refused') return this.refused(server, `update of ${id}`, outcome.text);
    this.counts.acknowledged++;
    Object.assign(known, after, { updatedAt: outcome.value.updated_at, unchecked: known.unchecked + 1 });
    if (hold) this.held.add(id);
    return known;
  }

  async delete(server: Server, ids: string[]): Promise<string[] | undefined> {
    for (const id of ids) this.expect(id);
    this.counts.attempted += ids.length;
    for (const id of ids) {
      this.busy.add(id);
      this.doubtfulDeletes.set(id, false);
    }
    const outcome = await deleteMemories(server, ids);
    if (outcome.kind === 'cut') {
      for (const id of ids) this.doubtfulDeletes.set(id, outcome.deferred);
      return undefined;
    }
    for (const id of ids) {
      this.doubtfulDeletes.delete(id);
      this.busy.delete(id);
    }
    if (outcome.kind === 'refused') return this.refused(server, `delete of ${ids.join(', ')}`, outcome.text);
    const { deleted, not_found } = outcome.value;
    if (not_found.length > 0)
      this.problems.push(`${server.name}: delete says not found: ${not_found.join(', ')}`);
    for (const id of deleted) {
      this.counts.acknowledged++;
      this.deletedUnchecked.set(id, 1 + (this.known.get(id)?.unchecked ?? 0));
      this.known.delete(id);
    }
    return deleted;
  }

  /**
   * Records what a memory must now be, after writes made outside the ledger's own calls (a
   * campaign's shared set): `unchecked` more of them acknowledged, which the next check counts.
   */
  adopt(id: string, fields: Fields, token: string, owner: string, updatedAt: string, unchecked = 0): void {
    const before = this.known.get(id)?.unchecked ?? 0;
    this.known.set(id, { fields, token, owner, updatedAt, unchecked: before + unchecked });
  }

  /** Lets a memory kept by `hold: true` be picked for writes again. */
  release(id: string): void {
    this.held.delete(id);
  }

  /**
   * Compares the whole store, as `stored` read back, with the ledger. `settle` (after a kill)
   * resolves the writes in doubt by what is there and counts what was found; without it, a check
   * only reads and reports, so several processes can each check one state.
   */
  check(stored: readonly StoredMemory[], label: string, settle = true): void {
    const counts = { ...this.counts };
    const byId = new Map(stored.map((memory) => [memory.id, memory]));
    const copies = new Map<string, number>();
    for (const memory of stored) copies.set(memory.content, (copies.get(memory.content) ?? 0) + 1);
    for (const [content, count] of copies) {
      if (count < 2) continue;
      this.counts.duplicated += count - 1;
      this.problems.push(`${label}: ${count} copies of "${content.slice(0, 40)}"`);
    }
    for (const [id, writes] of this.deletedUnchecked) {
      const back = byId.get(id);
      if (!back) this.counts.found += writes;
      else {
        this.counts.lost += writes;
        this.problems.push(`${label}: deleted ${id} is back`);
        // Reported once: from now on it is a memory like any other.
        if (settle) this.adopt(id, fieldsOf(back), '', 'nobody', back.updated_at);
      }
    }
    const strangers = stored.filter(
      (memory) => !this.known.has(memory.id) && !this.deletedUnchecked.has(memory.id),
    );
    if (!settle) {
      for (const [id, known] of this.known) this.compare(id, known, byId.get(id), label);
      for (const memory of strangers) this.problems.push(`${label}: ${memory.id} was never written`);
      Object.assign(this.counts, counts);
      return;
    }
    this.settledCreates = { landed: [], notLanded: [] };
    for (const [id, known] of this.known) this.settle(id, known, byId.get(id), label);
    for (const memory of strangers) this.settleStranger(memory, label);
    this.deletedUnchecked.clear();
    this.counts.inDoubtNotLanded += this.doubtfulCreates.size;
    this.settledCreates.notLanded = [...this.doubtfulCreates];
    this.doubtfulCreates.clear();
    this.doubtfulUpdates.clear();
    this.doubtfulDeletes.clear();
    this.busy.clear();
  }

  private compare(id: string, known: Known, got: StoredMemory | undefined, label: string): void {
    if (!got) this.problems.push(`${label}: ${id} (${known.owner}) is missing`);
    else {
      const wrong = differences(known.fields, got);
      if (wrong.length > 0)
        this.problems.push(`${label}: ${id} (${known.owner}) differs in ${wrong.join(', ')}`);
    }
  }

  /** Settles one known memory by what was read: its writes in doubt landed whole or not at all. */
  private settle(id: string, known: Known, got: StoredMemory | undefined, label: string): void {
    const update = this.doubtfulUpdates.get(id);
    if (!got && this.doubtfulDeletes.has(id)) {
      // The delete in doubt landed; the writes before it were acknowledged and are superseded.
      this.counts.inDoubtLanded++;
      if (this.doubtfulDeletes.get(id)) this.deferredLanded(`${label}: delete of ${id}`);
      this.counts.found += known.unchecked;
      this.known.delete(id);
      return;
    }
    if (!got) {
      this.lose(known);
      this.problems.push(`${label}: ${id} (${known.owner}) is missing`);
      this.known.delete(id);
      return;
    }
    const wrong = differences(known.fields, got);
    if (wrong.length === 0) {
      if (update || this.doubtfulDeletes.has(id)) this.counts.inDoubtNotLanded++;
    } else if (update && differences(update.fields, got).length === 0) {
      this.counts.inDoubtLanded++;
      if (update.deferred) this.deferredLanded(`${label}: update of ${id}`);
      Object.assign(known, { fields: update.fields, token: update.token });
    } else {
      this.lose(known);
      if (update) this.counts.half++;
      this.problems.push(`${label}: ${id} (${known.owner}) differs in ${wrong.join(', ')}`);
      known.fields = fieldsOf(got);
    }
    this.counts.found += known.unchecked;
    known.unchecked = 0;
    known.updatedAt = got.updated_at;
  }

  /** A memory the ledger does not know: a create in doubt that landed, whole, or a defect. */
  private settleStranger(memory: StoredMemory, label: string): void {
    const doubt = [...this.doubtfulCreates].find((entry) => entry.fields.content === memory.content);
    if (doubt && differences(doubt.fields, memory).length === 0) {
      this.doubtfulCreates.delete(doubt);
      this.settledCreates.landed.push(memory.id);
      this.counts.inDoubtLanded++;
      if (doubt.deferred) this.deferredLanded(`${label}: create of ${memory.id}`);
      this.adopt(memory.id, doubt.fields, doubt.token, doubt.owner, memory.updated_at);
      return;
    }
    if (doubt) {
      this.counts.half++;
      this.problems.push(
        `${label}: ${memory.id} landed half: ${differences(doubt.fields, memory).join(', ')} differ`,
      );
    } else {
      this.counts.strangers++;
      this.problems.push(`${label}: ${memory.id} was never written ("${memory.content.slice(0, 40)}")`);
    }
  }

  /** Counts a memory's acknowledged writes as lost; one checked before loses the write then counted. */
  private lose(known: Known): void {
    if (known.unchecked === 0) {
      this.counts.found--;
      known.unchecked = 1;
    }
    this.counts.lost += known.unchecked;
    known.unchecked = 0;
  }

  private deferredLanded(what: string): void {
    this.counts.deferredLanded++;
    this.problems.push(`${what} landed, though the server answered 503 (nothing done)`);
  }

  private refused(server: Server, what: string, text: string): undefined {
    this.counts.refused++;
    this.problems.push(`${server.name}: ${what} refused: ${text}`);
    return undefined;
  }

  private expect(id: string): Known {
    const known = this.known.get(id);
    if (!known) throw new Error(`the ledger has no memory ${id}`);
    return known;
  }
}

function fieldsOf(memory: StoredMemory): Fields {
  const { content, title, summary, tags, importance, source } = memory;
  return { content, title, summary, tags, importance, source };
}
