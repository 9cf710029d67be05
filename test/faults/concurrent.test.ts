/**
 * Three server processes on one store, at once: each creates, updates (with and without
 * expected_updated_at) and deletes memories of its own, and all three race to update a shared
 * set, always with expected_updated_at. The end state must be exactly what was acknowledged: the
 * own memories as their last acknowledged write left them, and each shared memory as the last of
 * its chain of accepted updates, where each accepted update started from the one before (two
 * accepted from one state would be a lost update). Each process must see the others' writes on
 * its next search, with no refresh call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { Ledger } from './ledger.js';
import { campaignSeed, type Rng, seededRng } from './prng.js';
import { reportFigures } from './report.js';
import {
  type Fields,
  readAll,
  readMemories,
  type Server,
  searchIds,
  startServer,
  statusCount,
  updateMemory,
} from './server.js';
import { newFields, newPatch } from './workload.js';

const PROCESSES = 3;
const WRITERS_PER_PROCESS = 2;
const OPS_PER_WRITER = 70;
const SHARED = 3;

interface Accepted {
  from: string;
  updatedAt: string;
  fields: Fields;
  token: string;
  by: string;
}

interface Shared {
  initial: string;
  fields: Fields;
  accepted: Accepted[];
}

interface Tally {
  attempted: number;
  conflicts: number;
  visibilityChecks: number;
  problems: string[];
}

let home: TempHome;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(() => home.cleanup());

/** The other process searches for `token` at once: `id` must be among its hits, or must not. */
async function seenBy(
  other: Server,
  token: string,
  id: string,
  present: boolean,
  tally: Tally,
  what: string,
) {
  tally.visibilityChecks++;
  const hits = await searchIds(other, token);
  if (hits.includes(id) !== present) {
    tally.problems.push(
      `${other.name} ${present ? 'misses' : 'still finds'} ${id} (${what}) searching ${token}`,
    );
  }
}

/** The updated_at of a shared memory as `server` reads it now. */
async function readShared(server: Server, id: string, tally: Tally): Promise<string | undefined> {
  const [current] = (await readMemories(server, [id])).memories;
  if (!current) tally.problems.push(`${server.name}: shared ${id} is missing`);
  return current?.updated_at;
}

/** One shared update from the updated_at `from`: accepted, or refused as a conflict. */
async function updateShared(
  server: Server,
  id: string,
  from: string,
  shared: Shared,
  rng: Rng,
  tally: Tally,
) {
  const token = rng.token(10);
  const patch = {
    content: `shared by ${server.name}: ${token} ${newPatch(rng, token).content ?? ''}`.trim(),
  };
  tally.attempted++;
  const outcome = await updateMemory(server, id, patch, from);
  if (outcome.kind === 'ok') {
    const fields = { ...shared.fields, ...patch };
    shared.accepted.push({ from, updatedAt: outcome.value.updated_at, fields, token, by: server.name });
  } else if (outcome.kind === 'refused' && /changed since you read it/.test(outcome.text)) {
    tally.conflicts++;
  } else {
    tally.problems.push(`${server.name}: shared update of ${id} failed: ${JSON.stringify(outcome)}`);
  }
}

/** All three read one shared memory, then all three update it from what they read: one may win. */
async function raceAll(servers: Server[], id: string, shared: Shared, rng: Rng, tally: Tally): Promise<void> {
  const froms = await Promise.all(servers.map((server) => readShared(server, id, tally)));
  const before = shared.accepted.length;
  await Promise.all(
    servers.map((server, at) => {
      const from = froms[at];
      return from && updateShared(server, id, from, shared, rng.fork(server.name), tally);
    }),
  );
  const won = shared.accepted.length - before;
  if (won !== 1)
    tally.problems.push(`shared ${id}: ${won} of ${servers.length} updates from one state accepted`);
}

async function writer(
  self: Server,
  others: Server[],
  ledger: Ledger,
  shared: Map<string, Shared>,
  rng: Rng,
  tally: Tally,
): Promise<void> {
  for (let op = 0; op < OPS_PER_WRITER; op++) {
    const other = rng.pick(others);
    const free = ledger.freeIds(self.name);
    const roll = rng.next();
    if (roll < 0.25) {
      const id = rng.pick([...shared.keys()]);
      const from = await readShared(self, id, tally);
      if (from) await updateShared(self, id, from, shared.get(id) as Shared, rng, tally);
    } else if (roll < 0.45 && free.length > 0) {
      const id = rng.pick(free);
      const before = ledger.known.get(id)?.token ?? '';
      const token = rng.token(10);
      const patch = newPatch(rng, token);
      const after = await ledger.update(
        self,
        id,
        patch,
        patch.content ? token : undefined,
        rng.chance(0.5),
        true,
      );
      if (after && patch.content) {
        await seenBy(other, token, id, true, tally, 'updated');
        await seenBy(other, before, id, false, tally, 'updated away');
      }
      ledger.release(id);
    } else if (roll < 0.55 && free.length > 2) {
      const ids = rng.sample(free, rng.int(1, 2));
      const tokens = ids.map((id) => ledger.known.get(id)?.token ?? '');
      const deleted = await ledger.delete(self, ids);
      for (const [at, id] of ids.entries()) {
        if (deleted?.includes(id)) await seenBy(other, tokens[at] as string, id, false, tally, 'deleted');
      }
    } else {
      const token = rng.token(10);
      const id = await ledger.create(self, newFields(rng, token, self.name), token, self.name, true);
      if (id) {
        await seenBy(other, token, id, true, tally, 'created');
        ledger.release(id);
      }
    }
  }
}

/** The accepted updates of one shared memory must form one chain from its first state. */
function checkChain(id: string, entry: Shared, problems: string[]): Accepted | undefined {
  const chain = [...entry.accepted].sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
  let from = entry.initial;
  for (const accepted of chain) {
    if (accepted.from !== from) {
      problems.push(
        `shared ${id}: ${accepted.by}'s update from ${accepted.from} was accepted, but the memory was at ${from} then`,
      );
    }
    from = accepted.updatedAt;
  }
  return chain.at(-1);
}

describe('three processes on one store', () => {
  it('end exactly as acknowledged, and see each other at once', { timeout: 180_000 }, async () => {
    const seed = campaignSeed(20261202);
    console.log(`concurrent campaign: seed ${seed} (MEMORAM_FAULT_SEED=${seed} replays it)`);
    const started = Date.now();
    const rng = seededRng(seed);
    const ledger = new Ledger();
    const tally: Tally = { attempted: 0, conflicts: 0, visibilityChecks: 0, problems: [] };

    // The first process creates the store; the other two start together beside it, one speaking
    // the 2026-07-28 protocol. (Two processes creating a store at once is a case of its own.)
    const servers = [startServer(home.env, 'p0')];
    await servers[0]?.ready;
    servers.push(startServer(home.env, 'p1'), startServer(home.env, 'p2', { modern: true }));
    await Promise.all(servers.map((server) => server.ready));
    const [first] = servers as [Server];

    const shared = new Map<string, Shared>();
    for (let at = 0; at < SHARED; at++) {
      const token = rng.token(10);
      const fields = newFields(rng, token, 'shared');
      const id = await ledger.create(first, fields, token, 'shared');
      const updatedAt = ledger.known.get(id ?? '')?.updatedAt;
      if (!id || !updatedAt) throw new Error(`the shared memory ${at} was not created: ${ledger.problems}`);
      shared.set(id, { initial: updatedAt, fields, accepted: [] });
    }

    // First a race that surely happens: every process updates each shared memory from one state.
    for (const [at, [id, entry]] of [...shared].entries()) {
      await raceAll(servers, id, entry, rng.fork(`race ${at}`), tally);
    }
    await Promise.all(
      servers.flatMap((self) =>
        Array.from({ length: WRITERS_PER_PROCESS }, (_, at) =>
          writer(
            self,
            servers.filter((server) => server !== self),
            ledger,
            shared,
            rng.fork(`${self.name} writer ${at}`),
            tally,
          ),
        ),
      ),
    );

    for (const [id, entry] of shared) {
      const last = checkChain(id, entry, tally.problems);
      const state = last ?? {
        fields: entry.fields,
        token: ledger.known.get(id)?.token ?? '',
        updatedAt: entry.initial,
      };
      ledger.adopt(id, state.fields, state.token, 'shared', state.updatedAt, entry.accepted.length);
    }
    for (const [at, server] of servers.entries()) {
      const { memories: stored, ghosts } = await readAll(server);
      ledger.check(stored, server.name, at === 0);
      if (ghosts.length > 0) tally.problems.push(`${server.name}: search lists ${ghosts.join(', ')}, gone`);
      const count = await statusCount(server);
      if (count !== ledger.known.size)
        tally.problems.push(`${server.name}: status counts ${count}, not ${ledger.known.size}`);
    }
    await Promise.all(servers.map((server) => server.close()));

    const { counts } = ledger;
    const accepted = [...shared.values()].reduce((sum, entry) => sum + entry.accepted.length, 0);
    reportFigures({
      campaign: 'concurrent',
      seed,
      attempted: counts.attempted + tally.attempted,
      acknowledged: counts.acknowledged + accepted,
      found: counts.found,
      lost: counts.lost,
      duplicated: counts.duplicated,
      details: {
        processes: PROCESSES,
        'shared updates accepted': accepted,
        'shared updates refused as conflicts': tally.conflicts,
        'searches from another process': tally.visibilityChecks,
        'memories at the end': ledger.known.size,
        'never written yet stored': counts.strangers,
        refused: counts.refused,
      },
      seconds: (Date.now() - started) / 1000,
    });
    expect([...ledger.problems, ...tally.problems]).toEqual([]);
    expect(counts.found).toBe(counts.acknowledged + accepted);
    expect(tally.conflicts).toBeGreaterThanOrEqual(SHARED * (PROCESSES - 1));
  });
});
