/**
 * Crash campaign: a server taking creates, updates and deletes is SIGKILLed at random moments,
 * again and again, and restarted on the same store. After every kill the store must open, and
 * read back whole: every acknowledged write there exactly, every acknowledged delete gone, every
 * write cut off unanswered either whole or absent, nothing stored twice. Some kills land during
 * the start itself (the very first one, on a fresh install, among them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { Ledger } from './ledger.js';
import { campaignSeed, seededRng } from './prng.js';
import { reportFigures } from './report.js';
import { checkStore, retryCutOff, writer } from './rounds.js';
import { type Server, startServer } from './server.js';

const ROUNDS = 24;
/** Calls in flight at once, as a client sending calls in parallel does. */
const IN_FLIGHT = 4;

let home: TempHome;
beforeAll(async () => {
  home = await tempHome();
});
afterAll(() => home.cleanup());

/** SIGKILL `ms` from now; `killed` says whether it has happened, `done` when the process is gone. */
function killAfter(server: Server, ms: number): { killed: () => boolean; done: Promise<void> } {
  let killed = false;
  const done = new Promise<void>((resolve) => {
    server.client.onclose = () => resolve();
    const fire = () => {
      if (server.pid() === null) return void setTimeout(fire, 1);
      killed = true;
      server.kill();
    };
    setTimeout(fire, ms);
  });
  return { killed: () => killed, done };
}

describe('crash campaign', () => {
  it(`loses no acknowledged write over ${ROUNDS} SIGKILLs`, { timeout: 240_000 }, async () => {
    const seed = campaignSeed(20261201);
    console.log(`crash campaign: seed ${seed} (MEMORAM_FAULT_SEED=${seed} replays it)`);
    const started = Date.now();
    const ledger = new Ledger();
    let startupKills = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const rng = seededRng(seed).fork(`round ${round}`);
      const server = startServer(home.env, `crash-${round}`);
      if (round === 0 || rng.chance(0.15)) {
        // A kill during the start: opening (or creating) the key and the store, migrating.
        startupKills++;
        await killAfter(server, rng.int(0, 300)).done;
        continue;
      }
      await server.ready.catch((error: unknown) => {
        throw new Error(`round ${round}: the server did not start: ${error}\n${server.stderr()}`);
      });
      await checkStore(server, ledger, rng, `after kill ${round}`);
      await retryCutOff(server, ledger);
      const kill = killAfter(server, rng.int(20, 600));
      const writers = Array.from({ length: IN_FLIGHT }, (_, at) =>
        writer(server, ledger, rng.fork(`writer ${at}`), kill.killed, 'crash'),
      );
      await Promise.all([...writers, kill.done]);
    }
    const last = startServer(home.env, 'crash-final');
    await last.ready;
    await checkStore(last, ledger, seededRng(seed).fork('final'), 'final');
    await last.close();

    const { counts } = ledger;
    reportFigures({
      campaign: 'crash',
      seed,
      attempted: counts.attempted,
      acknowledged: counts.acknowledged,
      found: counts.found,
      lost: counts.lost,
      duplicated: counts.duplicated,
      details: {
        kills: ROUNDS,
        'kills in the first 300 ms of a start': startupKills,
        'memories at the end': ledger.known.size,
        'cut off, landed whole': counts.inDoubtLanded,
        'cut off, not landed': counts.inDoubtNotLanded,
        'landed half': counts.half,
        'never written yet stored': counts.strangers,
        refused: counts.refused,
      },
      seconds: (Date.now() - started) / 1000,
    });
    expect(ledger.problems).toEqual([]);
    expect(counts.found).toBe(counts.acknowledged);
    expect(counts.acknowledged).toBeGreaterThan(ROUNDS * 5);
  });
});
