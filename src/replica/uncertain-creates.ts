/**
 * Creates whose outcome Memoram left open: a post that got no answer may still land after the
 * call gave up or posted again. Each is kept, by content fingerprint, with the sealed content it
 * sent; content is sealed with a random IV, so a blob carrying exactly that ciphertext can only be
 * one of these posts. That gives two rules that keep a create to one copy however late it lands:
 * - a repeat create of the same content first looks for that ciphertext, and re-posts the same
 *   ciphertext (never a fresh seal), so every copy stays recognisable;
 * - a listing of the account finds the twins: blobs with that ciphertext other than the one the
 *   user was given (or, when none was, the oldest), which the caller deletes.
 * Kept in memory for `ttlMs`: far longer than any server holds a request.
 */

export interface UncertainCreate {
  /** The sealed content every attempt of this create sent. */
  sealed: string;
  /** When it was first sent (ms): the landed blob was created after this. */
  since: number;
  /** The blob the user was given, once one was. */
  id?: string;
  expires: number;
}

export interface ListedBlob {
  id: string;
  content: string;
  created_at: string;
}

const DEFAULT_TTL_MS = 30 * 60_000;

export class UncertainCreates {
  private readonly byFingerprint = new Map<string, UncertainCreate>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  get(fingerprint: string): UncertainCreate | undefined {
    this.expire();
    return this.byFingerprint.get(fingerprint);
  }

  remember(fingerprint: string, entry: { sealed: string; since: number; id?: string | undefined }): void {
    const { id, ...rest } = entry;
    this.byFingerprint.set(fingerprint, { ...rest, ...(id && { id }), expires: this.now() + this.ttlMs });
  }

  forget(fingerprint: string): void {
    this.byFingerprint.delete(fingerprint);
  }

  /** The ids among `blobs` that are late twins of a create already given to the user. */
  twins(blobs: readonly ListedBlob[]): string[] {
    this.expire();
    if (this.byFingerprint.size === 0) return [];
    const bySealed = new Map([...this.byFingerprint.values()].map((entry) => [entry.sealed, entry]));
    const copies = new Map<UncertainCreate, ListedBlob[]>();
    for (const blob of blobs) {
      const entry = bySealed.get(blob.content);
      if (entry) copies.set(entry, [...(copies.get(entry) ?? []), blob]);
    }
    const twins: string[] = [];
    for (const [entry, found] of copies) {
      // Never given to the user: the first copy is the memory, as a retry would have found it.
      entry.id ??= oldest(found).id;
      for (const blob of found) if (blob.id !== entry.id) twins.push(blob.id);
    }
    return twins;
  }

  private expire(): void {
    const now = this.now();
    for (const [fingerprint, entry] of this.byFingerprint) {
      if (entry.expires <= now) this.byFingerprint.delete(fingerprint);
    }
  }
}

function oldest(blobs: readonly ListedBlob[]): ListedBlob {
  return blobs.reduce((a, b) =>
    a.created_at < b.created_at || (a.created_at === b.created_at && a.id < b.id) ? a : b,
  );
}
