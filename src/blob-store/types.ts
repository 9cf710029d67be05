/**
 * Memoram's data model as the store keeps it: memory blobs and tags, with the contract's exact
 * field spellings (CONTRACT.md §4.5, §4.9), so the emulator can hand rows out as they are.
 */

export interface BlobRow {
  id: string;
  user_id: string;
  /** Opaque to the store: ciphertext from the local backend or whatever a Memoram client sent. */
  content: string;
  title: string;
  summary: string;
  tags: string[];
  tag_ids: string[];
  importance: number | null;
  confidence: number | null;
  source: string | null;
  created_at: string;
  updated_at: string;
}

export interface TagRow {
  id: string;
  name: string;
  description: string;
  color: string;
  is_enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface NewBlob {
  content: string;
  /** A keyed digest of the plaintext; a second blob with the same one is not stored (see createBlob). */
  fingerprint?: string | undefined;
  title?: string | undefined;
  summary?: string | undefined;
  tags?: readonly string[] | undefined;
  importance?: number | null | undefined;
  confidence?: number | null | undefined;
  source?: string | null | undefined;
}

export type BlobPatch = Partial<Omit<NewBlob, 'fingerprint'>> & { fingerprint?: string | null | undefined };

export interface ListBlobsQuery {
  limit: number;
  cursor?: string | undefined;
  /** Tag names; a blob matches when it has any of them. */
  tags?: readonly string[] | undefined;
  /** Case-insensitive substring of title, summary or content. */
  searchQuery?: string | undefined;
  /** Minimum importance, inclusive. */
  importance?: number | undefined;
}

export type UpdateOutcome =
  | { status: 'updated'; blob: BlobRow }
  | { status: 'not_found' }
  | { status: 'conflict'; current_updated_at: string };

export interface Changes {
  blobs: BlobRow[];
  deleted: string[];
  rev: number;
}
