// The Memoram fault campaign (issue 9): a seeded stream of creates, updates and deletes through
// the real MemoryService and RemoteBackend, against the emulator over real HTTP, with a fault
// injected before many of the calls: 429 and 5xx with and without Retry-After, dropped
// connections, delays past the client's (shortened) deadline, failures after the write landed.
// Then, on the emulator's side: no memory stored twice, every acknowledged write there as
// acknowledged, every acknowledged delete gone; and every failed call said what happened.
import { setTimeout as delay } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { keyFromHex, open } from '../../src/crypto/codec.js';
import { MemoramError } from '../../src/memory/errors.js';
import { plaintext, remote } from '../backends/remote-setup.js';

const SEED = 0x9e3779b9;
const OPERATIONS = 90;
const TIMEOUT_MS = 200;
const SETTLE_MS = 700;

/** mulberry32: a small seeded generator, so a failing run can be replayed exactly. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

type Fault = Record<string, unknown>;

/** Faults for any write route; `count` above the client's two retries makes the call fail. */
const FAULTS: Fault[] = [
  { status: 429, retryAfter: 0 },
  { status: 429, count: 3 },
  { status: 503, retryAfter: 0 },
  { status: 503 },
  { status: 500 },
  { status: 500, count: 3 },
  { status: 502 },
  { drop: true },
  { drop: true, count: 3 },
  { status: 500, afterHandling: true },
  { drop: true, afterHandling: true },
  // A server that stores the write and then answers "come back later".
  { status: 429, retryAfter: 0, afterHandling: true },
  { status: 503, retryAfter: 0, afterHandling: true },
  // Past the deadline, landing while the client still looks for it.
  { delayMs: TIMEOUT_MS + 200 },
];
/** Only creates can meet these: landing after the client gave up or posted again. */
const CREATE_FAULTS: Fault[] = [{ delayMs: TIMEOUT_MS + SETTLE_MS + 600 }, { delayMs: 2_500, count: 3 }];
/** Faults on the listing a create's check and the refresh read. */
const LISTING_FAULTS: Fault[] = [{ status: 500 }, { status: 503, count: 3 }, { drop: true }];

interface Expected {
  /** Every state the memory may be in: one after an acknowledged write, more after a failed one. */
  states: { content: string; title: string }[];
  deleted: 'no' | 'yes' | 'maybe';
}

it('keeps every acknowledged write once and only once through Memoram faults', async () => {
  const random = generator(SEED);
  const { h, credentials, service } = await remote({
    timeoutMs: TIMEOUT_MS,
    settleMs: SETTLE_MS,
    sleep: (ms, signal) => delay(ms, undefined, { signal }),
  });
  const memories = service();
  await memories.refresh();

  const expected = new Map<string, Expected>();
  /** Contents of creates that failed: each may be stored once, never twice. */
  const unconfirmed = new Set<string>();
  const tally = { attempted: 0, acknowledged: 0, failed: 0, faulted: 0 };
  const failures: string[] = [];
  const live = () => [...expected].filter(([, memory]) => memory.deleted === 'no').map(([id]) => id);

  for (let step = 0; step < OPERATIONS; step += 1) {
    const ids = live();
    const kind =
      ids.length < 3 || random.next() < 0.45 ? 'create' : random.next() < 0.6 ? 'update' : 'delete';
    const route = {
      create: 'POST /memory-blobs',
      update: 'PATCH /memory-blobs/{blobId}',
      delete: 'DELETE /memory-blobs/{blobId}',
    }[kind];
    if (random.next() < 0.6) {
      const pool = kind === 'create' ? [...FAULTS, ...CREATE_FAULTS] : FAULTS;
      await h.control('faults', { route, count: 1, ...random.pick(pool) });
      if (kind === 'create' && random.next() < 0.2) {
        await h.control('faults', { route: 'GET /memory-blobs', count: 1, ...random.pick(LISTING_FAULTS) });
      }
      tally.faulted += 1;
    }
    tally.attempted += 1;
    const content = plaintext(h, `Campaign memory ${step}`);
    const title = `step ${step}`;
    const id = kind === 'create' ? undefined : random.pick(ids);
    try {
      if (kind === 'create') {
        const { memory } = await memories.create({ content, title });
        expected.set(memory.id, { states: [{ content, title }], deleted: 'no' });
        unconfirmed.delete(content);
      } else if (kind === 'update') {
        await memories.update(id!, { content, title });
        expected.get(id!)!.states = [{ content, title }];
      } else {
        const { deleted } = await memories.delete([id!]);
        expect(deleted, `delete ${id} claimed`).toEqual([id]);
        expected.get(id!)!.deleted = 'yes';
      }
      tally.acknowledged += 1;
    } catch (error) {
      h.seen(error);
      tally.failed += 1;
      // What the user reads: a MemoramError saying what happened, never a bare HTTP error.
      expect(error, `${kind} at step ${step}`).toBeInstanceOf(MemoramError);
      expect((error as MemoramError).userText.length).toBeGreaterThan(20);
      failures.push(`${kind}: ${(error as MemoramError).message}`);
      if (kind === 'create') unconfirmed.add(content);
      else if (kind === 'update') expected.get(id!)!.states.push({ content, title });
      else expected.get(id!)!.deleted = 'maybe';
    }
    await h.control('faults', undefined, 'DELETE');
  }

  // Let every request the emulator still holds land, then refresh as the next server start would.
  await waitForQuiet(h);
  await service().refresh();
  await waitForQuiet(h);

  const key = keyFromHex(credentials.encryption_key);
  const stored = await h.client.listAllMemoryBlobs(credentials.user_id);
  const byContent = new Map<string, number>();
  for (const blob of stored) {
    const text = open(blob.content, key);
    byContent.set(text, (byContent.get(text) ?? 0) + 1);
  }
  const duplicated = [...byContent.values()].reduce((sum, copies) => sum + copies - 1, 0);
  const storedById = new Map(stored.map((blob) => [blob.id, blob]));
  let found = 0;
  const lost: string[] = [];
  const resurrected: string[] = [];
  for (const [id, memory] of expected) {
    const blob = storedById.get(id);
    if (memory.deleted === 'yes') {
      if (blob) resurrected.push(id);
      continue;
    }
    const matches =
      blob &&
      memory.states.some((state) => state.content === open(blob.content, key) && state.title === blob.title);
    if (matches) found += 1;
    else if (memory.deleted === 'no') lost.push(id);
  }
  const known = new Set(
    [...expected.values()].flatMap((memory) => memory.states.map((state) => state.content)),
  );
  const strays = [...byContent.keys()].filter((text) => !known.has(text) && !unconfirmed.has(text));

  console.log(
    [
      `Memoram fault campaign (seed ${SEED.toString(16)}): ${OPERATIONS} operations, ${tally.faulted} with a fault`,
      '| attempted | acknowledged | failed (told) | found | lost | duplicated | deleted yet present |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      `| ${tally.attempted} | ${tally.acknowledged} | ${tally.failed} | ${found} | ${lost.length} | ${duplicated} | ${resurrected.length} |`,
    ].join('\n'),
  );
  expect(tally.failed, 'the campaign never made a call fail').toBeGreaterThan(0);
  expect(duplicated, 'memories stored twice').toBe(0);
  expect(lost, 'acknowledged writes missing').toEqual([]);
  expect(resurrected, 'acknowledged deletes still present').toEqual([]);
  expect(strays, 'blobs nobody asked for').toEqual([]);
}, 240_000);

/** Until no request is in flight at the emulator (a delayed one lands when its delay is over). */
async function waitForQuiet(h: Awaited<ReturnType<typeof remote>>['h']): Promise<void> {
  for (;;) {
    const inFlight = (await h.requests()).filter(
      (request) => request.status === null && !request.fault?.drop,
    );
    if (inFlight.length === 0) return;
    await delay(100);
  }
}
