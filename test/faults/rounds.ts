/**
 * The steps a fault campaign repeats round after round, over stdio or HTTP alike: writers that
 * keep a server busy until told to stop, the store read back against the ledger, and the retries
 * a client makes after a restart.
 */
import type { Ledger } from './ledger.js';
import type { Rng } from './prng.js';
import { readAll, type Server, searchIds, statusCount } from './server.js';
import { newFields, newPatch } from './workload.js';

/** One writer: creates mostly, updates and deletes of what is acknowledged, until `stopped`. */
export async function writer(
  server: Server,
  ledger: Ledger,
  rng: Rng,
  stopped: () => boolean,
  owner: string,
): Promise<void> {
  while (!stopped()) {
    const free = ledger.freeIds(owner);
    const roll = rng.next();
    if (roll < 0.25 && free.length > 0) {
      const token = rng.token(10);
      const patch = newPatch(rng, token);
      await ledger.update(server, rng.pick(free), patch, patch.content ? token : undefined, rng.chance(0.3));
    } else if (roll < 0.35 && free.length > 3) {
      await ledger.delete(server, rng.sample(free, rng.int(1, 3)));
    } else {
      const token = rng.token(10);
      await ledger.create(server, newFields(rng, token, `${owner}-${rng.int(0, 9)}`), token, owner);
    }
  }
}

/** The store opens and reads back as the ledger says; status and search work on it. */
export async function checkStore(server: Server, ledger: Ledger, rng: Rng, label: string): Promise<void> {
  const { memories: stored, ghosts } = await readAll(server);
  ledger.check(stored, label);
  if (ghosts.length > 0)
    ledger.problems.push(`${label}: search lists ${ghosts.join(', ')}, which cannot be read`);
  const count = await statusCount(server);
  if (count !== stored.length)
    ledger.problems.push(`${label}: status counts ${count}, the store holds ${stored.length}`);
  for (const id of rng.sample([...ledger.known.keys()], 3)) {
    const token = ledger.known.get(id)?.token ?? '';
    if (!(await searchIds(server, token)).includes(id))
      ledger.problems.push(`${label}: search for ${token} misses ${id}`);
  }
}

/** What a client does after a restart: send again the creates that got no answer. */
export async function retryCutOff(server: Server, ledger: Ledger): Promise<void> {
  const { landed, notLanded } = ledger.settledCreates;
  for (const id of landed) await ledger.retryLanded(server, id);
  for (const doubt of notLanded) await ledger.create(server, doubt.fields, doubt.token, doubt.owner);
}
