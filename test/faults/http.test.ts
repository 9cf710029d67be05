/**
 * HTTP campaign: `serve --http` under the faults a network brings. Two parts, each on its own
 * store, each read back against its ledger:
 *
 * * hostile wire: generated malformed request lines, methods, targets, headers and bodies,
 *   oversized and slow requests and a session flood, while two honest clients (one per protocol
 *   era) write; every hostile request must get a status, the server must stay up, and the honest
 *   writes must all be there;
 * * two HTTP clients and one stdio process on one store, the end state read from each;
 * * SIGKILL rounds and SIGTERM rounds during writes from clients of both eras, which reconnect
 *   to the restarted server (http-kill.ts), the store read back after each.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type TempHome, tempHome } from '../cli/spawn.js';
import type { HttpCli } from '../mcp/http-cli.js';
import { hostileRequest, OVERSIZED, sendHostile } from './http-hostile.js';
import { killRounds } from './http-kill.js';
import { httpClient, newTally, startHttpProcess, type Tally } from './http-server.js';
import { Ledger } from './ledger.js';
import { campaignSeed, seededRng } from './prng.js';
import { reportFigures } from './report.js';
import { checkStore, writer } from './rounds.js';
import { type Server, startServer } from './server.js';

const HOSTILE = 240;
const KILL_ROUNDS = { SIGKILL: 6, SIGTERM: 3 } as const;

const homes: TempHome[] = [];
afterAll(async () => {
  for (const home of homes) await home.cleanup();
});
async function home(): Promise<TempHome> {
  const made = await tempHome();
  homes.push(made);
  return made;
}

/** Two clients of `process`, one per protocol era (or both 2026-07-28, stateless), connected. */
async function twoClients(
  process: HttpCli,
  tally: Tally,
  label: string,
  bothModern = false,
): Promise<Server[]> {
  const clients = [
    httpClient(process, `${label}-${bothModern ? 'stateless' : 'legacy'}`, tally, bothModern),
    httpClient(process, `${label}-modern`, tally, true),
  ];
  for (const client of clients) {
    await client.ready.catch((error: unknown) => {
      throw new Error(`${client.name} did not connect: ${error}\n${process.output.stderr()}`);
    });
  }
  return clients;
}

function figures(
  campaign: string,
  seed: number,
  ledger: Ledger,
  started: number,
  details: Record<string, number>,
) {
  const { counts } = ledger;
  reportFigures({
    campaign,
    seed,
    attempted: counts.attempted,
    acknowledged: counts.acknowledged,
    found: counts.found,
    lost: counts.lost,
    duplicated: counts.duplicated,
    details,
    seconds: (Date.now() - started) / 1000,
  });
}

describe('HTTP campaign', () => {
  const seed = campaignSeed(20261208);

  it(`answers ${HOSTILE} hostile requests while honest writes land`, { timeout: 120_000 }, async () => {
    const started = Date.now();
    const { env } = await home();
    const process = await startHttpProcess(env);
    const tally = newTally();
    const clients = await twoClients(process, tally, 'hostile');
    const ledger = new Ledger();
    const rng = seededRng(seed).fork('hostile');
    let done = false;
    const writers = clients.map((client, at) =>
      writer(client, ledger, rng.fork(`writer ${at}`), () => done, client.name),
    );
    const byKind = new Map<string, number>();
    let unanswered = 0;
    let attempted = 0;
    const requests = [
      OVERSIZED(process),
      OVERSIZED(process),
      ...Array.from({ length: HOSTILE }, () => hostileRequest(process, rng)),
    ];
    for (let at = 0; at < requests.length; at += 12) {
      const batch = requests.slice(at, at + 12);
      const statuses = await Promise.all(batch.map((request) => sendHostile(process.url, request)));
      batch.forEach((request, index) => {
        const status = statuses[index];
        if (status === null) return;
        attempted++;
        if (status === 0) {
          unanswered++;
          byKind.set(request.kind, (byKind.get(request.kind) ?? 0) + 1);
        }
      });
    }
    done = true;
    await Promise.all(writers);
    expect(process.child.exitCode, process.output.stderr()).toBeNull();
    await checkStore(clients[0]!, ledger, rng, 'after the hostile requests');
    for (const client of clients) await client.close();
    await process.stop();
    figures('HTTP: hostile requests beside two writing clients', seed, ledger, started, {
      'hostile requests sent': attempted,
      'hostile requests unanswered': unanswered,
      'honest requests unanswered': tally.unanswered,
    });
    expect(Object.fromEntries(byKind)).toEqual({});
    expect(tally.unanswered).toBe(0);
    expect(ledger.problems).toEqual([]);
    expect(ledger.counts.found).toBe(ledger.counts.acknowledged);
  });

  it('keeps two HTTP clients and one stdio process on one store exact', { timeout: 60_000 }, async () => {
    const started = Date.now();
    const { env } = await home();
    const process = await startHttpProcess(env);
    const tally = newTally();
    const stdio = startServer(env, 'stdio');
    await stdio.ready;
    const clients = [...(await twoClients(process, tally, 'mixed')), stdio];
    const ledger = new Ledger();
    const rng = seededRng(seed).fork('mixed');
    let done = false;
    const writers = clients.map((client, at) =>
      writer(client, ledger, rng.fork(`writer ${at}`), () => done, client.name),
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    done = true;
    await Promise.all(writers);
    for (const client of clients) await checkStore(client, ledger, rng, `read by ${client.name}`);
    for (const client of clients) await client.close();
    await process.stop();
    figures('HTTP: two HTTP clients and one stdio process on one store', seed, ledger, started, {
      'unanswered HTTP requests': tally.unanswered,
    });
    expect(tally.unanswered).toBe(0);
    expect(ledger.problems).toEqual([]);
    expect(ledger.counts.found).toBe(ledger.counts.acknowledged);
  });

  it.each(['SIGKILL', 'SIGTERM'] as const)(
    'loses no acknowledged write over %s rounds during HTTP writes',
    { timeout: 120_000 },
    async (signal) => {
      const started = Date.now();
      const { env } = await home();
      const ledger = new Ledger();
      const tally = newTally();
      const rounds = KILL_ROUNDS[signal];
      const { endings, connections } = await killRounds({
        env,
        signal,
        rounds,
        ledger,
        tally,
        rng: seededRng(seed).fork(signal),
      });
      const { counts } = ledger;
      figures(`HTTP: ${rounds} ${signal}s of serve --http during writes`, seed, ledger, started, {
        'unanswered requests': tally.unanswered,
        'answered 503 while draining': tally.statuses.get(503) ?? 0,
        'connections refused': tally.refused,
        'writer connections (reconnects included)': connections,
        'cut off, landed whole': counts.inDoubtLanded,
        'cut off, not landed': counts.inDoubtNotLanded,
        'answered 503 yet landed': counts.deferredLanded,
      });
      expect(ledger.problems).toEqual([]);
      expect(counts.lost).toBe(0);
      expect(counts.duplicated).toBe(0);
      expect(counts.found).toBe(counts.acknowledged);
      expect(counts.acknowledged).toBeGreaterThan(rounds * 5);
      if (signal === 'SIGTERM') {
        // A drain answers everything it gets: in full, or 503 with nothing done. None is reset.
        expect(tally.unanswered).toBe(0);
        expect(endings).toEqual(Array(rounds).fill(0));
      } else expect(endings).toEqual(Array(rounds).fill('SIGKILL'));
    },
  );
});
