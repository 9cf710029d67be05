/**
 * The HTTP campaign's kill rounds: `serve --http` is SIGKILLed (or sent SIGTERM) while clients of
 * both protocol eras write, and started again on the same store, round after round. Each writer is
 * a client application that outlives the restarts: it writes until a call of its own fails (no
 * answer, a refused connection, a 503 from the drain), drops its connection, and connects again to
 * the restarted server once the campaign has read the store back (`checkStore`, which settles the
 * writes cut off) and sent the unanswered creates again (`retryCutOff`).
 *
 * Why a writer drops its connection at the first failure rather than keep calling: with the SDK's
 * StreamableHTTPClientTransport (@modelcontextprotocol/client 2.4.0),
 * * a 2025-11-25 call whose answer is an SSE stream (status 200 sent, result not yet) that the kill
 *   cuts off is reported only to `onerror`: the call itself waits out its 60 s request timeout
 *   (the 2026-07-28 era answers with JSON, whose cut body fails the call at once);
 * * after a restart its session is 404 for good (the transport never starts a new one), and a
 *   refused connection fails at once, so a writer calling on loops at full speed, each fetch
 *   adding an abort listener to the transport's one signal, which undici removes only when the
 *   request is garbage-collected (the "1500 abort listeners" warning).
 * Closing the client on its first error rejects the calls waiting on it at once, and the writer
 * waits for the restart instead of spinning.
 */
import type { HttpCli } from '../mcp/http-cli.js';
import { httpClient, startHttpProcess, type Tally } from './http-server.js';
import type { Ledger } from './ledger.js';
import type { Rng } from './prng.js';
import { checkStore, retryCutOff, writer } from './rounds.js';

export type KillSignal = 'SIGKILL' | 'SIGTERM';

export interface KillWriter {
  name: string;
  /** 2026-07-28, stateless; else 2025-11-25 with a session. */
  modern: boolean;
  rng: Rng;
  /** Connections made, across the restarts. */
  connections: number;
}

/** Writers of both eras, two of each, their workload drawn from `rng`. */
export function killWriters(rng: Rng): KillWriter[] {
  return ['legacy-a', 'legacy-b', 'modern-a', 'modern-b'].map((name) => ({
    name,
    modern: name.startsWith('modern'),
    rng: rng.fork(name),
    connections: 0,
  }));
}

/**
 * One connection of `kill` to `target`: connects, writes until a call of its own fails, closes.
 * `connected` settles once the connection is made (or has failed).
 */
function writeUntilFailure(
  kill: KillWriter,
  target: HttpCli,
  ledger: Ledger,
  tally: Tally,
): { connected: Promise<void>; done: Promise<void> } {
  const server = httpClient(target, kill.name, tally, kill.modern);
  let failed = false;
  server.client.onerror = () => {
    if (failed) return;
    failed = true;
    // After the failing call has settled with its own error (a 503 must read as one), not before.
    setImmediate(() => void server.client.close().catch(() => {}));
  };
  kill.connections++;
  const connected = server.ready.catch(() => {
    failed = true;
  });
  const done = (async () => {
    await connected;
    if (!failed) await writer(server, ledger, kill.rng, () => failed, kill.name);
    await server.close().catch(() => {});
  })();
  return { connected, done };
}

/**
 * The store read back through a fresh client and settled; unless it is the last check, the creates
 * cut off are sent again then, as their clients retry them.
 */
async function check(target: HttpCli, ledger: Ledger, tally: Tally, rng: Rng, label: string, retry = true) {
  const checker = httpClient(target, 'checker', tally, true);
  await checker.ready;
  await checkStore(checker, ledger, rng, label);
  if (retry) await retryCutOff(checker, ledger);
  await checker.close();
}

async function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

export interface KillRounds {
  /** How each process ended: its exit code, or the signal. */
  endings: (number | string)[];
  /** Connections the writers made, reconnects after each restart included. */
  connections: number;
}

/**
 * `rounds` rounds on the store of `env`: writers connect, `signal` comes 50–400 ms after they
 * have, every writer must see its server go (within 20 s, or the round fails instead of hanging), a new
 * process starts, the store is checked and the cut-off creates retried. The store is checked once
 * more at the end; every process is gone when this returns, failed or not.
 */
export async function killRounds(options: {
  env: Record<string, string>;
  signal: KillSignal;
  rounds: number;
  ledger: Ledger;
  tally: Tally;
  rng: Rng;
}): Promise<KillRounds> {
  const { env, signal, ledger, tally, rng } = options;
  const writers = killWriters(rng.fork('writers'));
  const endings: (number | string)[] = [];
  let target = await startHttpProcess(env);
  try {
    for (let round = 0; round < options.rounds; round++) {
      const roundRng = rng.fork(`round ${round}`);
      if (round > 0) await check(target, ledger, tally, roundRng, `after ${signal} ${round}`);
      const current = target;
      const sessions = writers.map((kill) => writeUntilFailure(kill, current, ledger, tally));
      await within(
        Promise.all(sessions.map((session) => session.connected)),
        10_000,
        `round ${round}: the writers did not connect`,
      );
      await new Promise((resolve) => setTimeout(resolve, roundRng.int(50, 400)));
      const { child } = current;
      const ended = new Promise<number | string>((resolve) =>
        child.once('exit', (code, name) => resolve(code ?? name ?? 'unknown')),
      );
      child.kill(signal);
      endings.push(await within(ended, 10_000, `serve --http did not exit after ${signal}`));
      await within(
        Promise.all(sessions.map((session) => session.done)),
        20_000,
        `round ${round}: the writers did not all see the server go`,
      );
      target = await startHttpProcess(env);
    }
    await check(target, ledger, tally, rng.fork('final'), 'final', false);
  } finally {
    if (target.child.exitCode === null && target.child.signalCode === null) await target.stop('SIGKILL');
  }
  return { endings, connections: writers.reduce((sum, kill) => sum + kill.connections, 0) };
}
