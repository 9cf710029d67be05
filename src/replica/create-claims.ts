/**
 * Creates in flight across the processes sharing a replica: before posting content, a process
 * takes a claim on its fingerprint in the replica's meta table, in one immediate transaction with
 * the check that no memory has that fingerprint yet. A second process creating the same content
 * waits until the claim is gone and then finds the memory the first one stored (so it answers
 * `deduplicated: true` instead of posting a second copy). A claim whose owner stopped renewing it
 * (the process died) is taken over with the sealed content it recorded, so the new owner first
 * looks on Memoram for what the dead one may have posted.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Memory } from '../memory/types.js';
import type { MemoryDatabase } from '../store/memory-db.js';

/** A claim not renewed for this long belongs to a process that is gone. */
export const CLAIM_STALE_MS = 30_000;
export const CLAIM_RENEW_MS = 5_000;
const POLL_MS = 50;

interface ClaimRow {
  owner: string;
  beat: number;
  sealed: string;
  since: number;
}

export type Claim =
  | { kind: 'existing'; memory: Memory }
  | { kind: 'mine'; taken?: { sealed: string; since: number } };

const keyOf = (fingerprint: string) => `replica:creating:${fingerprint}`;

function read(db: MemoryDatabase, fingerprint: string): ClaimRow | undefined {
  const text = db.getMeta(keyOf(fingerprint));
  if (!text) return undefined;
  try {
    return JSON.parse(text) as ClaimRow;
  } catch {
    return undefined;
  }
}

/** Waits until this process may post `sealed` for `fingerprint`, or a memory with it exists. */
export async function claimCreate(
  db: MemoryDatabase,
  fingerprint: string,
  mine: { owner: string; sealed: string; since: number },
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<Claim> {
  for (;;) {
    const claim = db.transaction((): Claim | undefined => {
      const memory = db.byFingerprint(fingerprint);
      if (memory) return { kind: 'existing', memory };
      const row = read(db, fingerprint);
      if (row && row.owner !== mine.owner && now() - row.beat < CLAIM_STALE_MS) return undefined;
      db.setMeta(
        keyOf(fingerprint),
        JSON.stringify({
          ...mine,
          ...(row && { sealed: row.sealed, since: row.since }),
          owner: mine.owner,
          beat: now(),
        }),
      );
      return row ? { kind: 'mine', taken: { sealed: row.sealed, since: row.since } } : { kind: 'mine' };
    });
    if (claim) return claim;
    await delay(POLL_MS, undefined, { signal });
  }
}

export function renewClaim(db: MemoryDatabase, fingerprint: string, owner: string, now = Date.now()): void {
  db.transaction(() => {
    const row = read(db, fingerprint);
    if (row?.owner === owner) db.setMeta(keyOf(fingerprint), JSON.stringify({ ...row, beat: now }));
  });
}

export function releaseClaim(db: MemoryDatabase, fingerprint: string, owner: string): void {
  db.transaction(() => {
    if (read(db, fingerprint)?.owner === owner) db.setMeta(keyOf(fingerprint), '');
  });
}
