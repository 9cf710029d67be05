/**
 * The schema of a memory database (the local store, and each Memoram replica): plaintext
 * memories inside the encrypted file, their tags, tag metadata, a key/value table, and the FTS5
 * index kept in step by triggers, so a row and its index entry change in one transaction.
 *
 * `memories.tags` holds the tags as a JSON array (their order, and the text the index reads);
 * `memory_tags` holds them one per row, for filters and counts. `cjk` holds the text's CJK runs
 * as overlapping bigrams (cjk.ts), so scripts written without spaces are searchable word by word.
 * `sealed` keeps content that no key opened, exactly as it came, so nothing is lost.
 *
 * `memories_scoring` holds, per row, what ranking and filters read besides the index (importance,
 * times, source): a search reads each match's entry there rather than its whole row, whose
 * content spreads the table over many pages, each decrypted when read.
 *
 * `scope` names the scope a memory belongs to (a project, an agent), NULL for a global one; a
 * search's scope filter is read from memories_scoring with the match, and a listing's from
 * memories_by_updated, so a scoped search reads no more pages than an unscoped one.
 */
import type { Migration } from './migrate.js';

/** Column weights of the ranking: title, summary, tags, content, CJK bigrams. */
export const FIELD_WEIGHTS = [4, 2, 2, 1, 1] as const;

const FTS_COLUMNS = 'title, summary, tags, content, cjk';

/** The meta key that counts the index's writes since its last merge. */
export const INDEX_WRITES = 'index_writes';

/** The meta key of the last change number given to a vector row (vector-table.ts). */
export const VECTOR_SEQ = 'vector_seq';

/** The text columns a memory's vector is computed from: a change to one of them voids it. */
const EMBEDDED_COLUMNS = 'title, summary, tags, content';

/** A trigger's body: the vector of the memory `old` is void, with the next change number. */
const VOID_VECTOR = `
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '${VECTOR_SEQ}';
    UPDATE memory_vectors SET model = 0, vector = x'',
      seq = (SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${VECTOR_SEQ}')
    WHERE memory = old.rowid;
  END;`;

export const MEMORY_MIGRATIONS: readonly Migration[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  CREATE TABLE memories (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    content TEXT NOT NULL DEFAULT '',
    cjk TEXT NOT NULL DEFAULT '',
    importance REAL,
    confidence REAL,
    source TEXT,
    created_at TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    fingerprint TEXT UNIQUE,
    sealed TEXT
  );
  CREATE INDEX memories_by_updated ON memories (updated_ms DESC, rowid DESC);
  CREATE TABLE memory_tags (
    tag TEXT NOT NULL COLLATE NOCASE,
    memory INTEGER NOT NULL REFERENCES memories (rowid) ON DELETE CASCADE,
    PRIMARY KEY (tag, memory)
  ) WITHOUT ROWID;
  CREATE INDEX memory_tags_by_memory ON memory_tags (memory);
  CREATE TABLE tag_meta (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    description TEXT,
    color TEXT
  ) WITHOUT ROWID;
  CREATE VIRTUAL TABLE memories_fts USING fts5(
    ${FTS_COLUMNS}, content = 'memories', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  INSERT INTO memories_fts (memories_fts, rank) VALUES ('rank', 'bm25(${FIELD_WEIGHTS.join(', ')})');
  CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, 'row');
  CREATE TRIGGER memories_after_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, ${FTS_COLUMNS})
      VALUES (new.rowid, new.title, new.summary, new.tags, new.content, new.cjk);
  END;
  CREATE TRIGGER memories_after_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, ${FTS_COLUMNS})
      VALUES ('delete', old.rowid, old.title, old.summary, old.tags, old.content, old.cjk);
  END;
  CREATE TRIGGER memories_after_update AFTER UPDATE OF ${FTS_COLUMNS} ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, ${FTS_COLUMNS})
      VALUES ('delete', old.rowid, old.title, old.summary, old.tags, old.content, old.cjk);
    INSERT INTO memories_fts (rowid, ${FTS_COLUMNS})
      VALUES (new.rowid, new.title, new.summary, new.tags, new.content, new.cjk);
  END;
  `,
  'CREATE INDEX memories_scoring ON memories (rowid, importance, updated_ms, created_ms, source);',
  // The index's writes since it was last merged, whichever process made them (index-upkeep.ts);
  // a store grown before this counts as written once over, so its index is merged once.
  `
  INSERT INTO meta (key, value) VALUES ('${INDEX_WRITES}', (SELECT count(*) FROM memories))
    ON CONFLICT (key) DO NOTHING;
  CREATE TRIGGER memories_count_insert AFTER INSERT ON memories BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '${INDEX_WRITES}';
  END;
  CREATE TRIGGER memories_count_delete AFTER DELETE ON memories BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '${INDEX_WRITES}';
  END;
  CREATE TRIGGER memories_count_update AFTER UPDATE OF ${FTS_COLUMNS} ON memories BEGIN
    UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '${INDEX_WRITES}';
  END;
  `,
  // This release's one migration: scopes and the vectors of search by meaning. A store written before it has no
  // scopes: its memories come back global (NULL). The two indexes gain the scope, so filtering
  // by it reads nothing they do not hold already.
  //
  // Vectors: one row per memory, named by the model that computed it (vector_models), with a
  // change number (seq) from the meta table, so that every process keeps its copy in memory
  // current by reading the rows changed since its last look. A delete or a text change voids the
  // row in the same transaction (model 0, no vector, a new seq) rather than deleting it, so the
  // change reaches the other processes the same way. vector_snapshots holds, per model, the
  // rowids and binary codes of its vectors, current to a seq (vector-snapshot.ts), so that a
  // start reads two BLOBs and the rows changed since rather than every row; its 4-bit codes are
  // in vector_snapshot_parts, read in the background after the start.
  `
  ALTER TABLE memories ADD COLUMN scope TEXT;
  DROP INDEX memories_scoring;
  CREATE INDEX memories_scoring ON memories (rowid, importance, updated_ms, created_ms, source, scope);
  DROP INDEX memories_by_updated;
  CREATE INDEX memories_by_updated ON memories (updated_ms DESC, rowid DESC, scope);
  CREATE INDEX memories_by_scope ON memories (scope);
  CREATE TABLE vector_models (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  CREATE TABLE memory_vectors (
    memory INTEGER PRIMARY KEY,
    model INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    vector BLOB NOT NULL
  );
  CREATE INDEX memory_vectors_by_seq ON memory_vectors (seq);
  CREATE TABLE vector_snapshots (
    model INTEGER PRIMARY KEY,
    format INTEGER NOT NULL,
    dimensions INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    count INTEGER NOT NULL,
    rowids BLOB NOT NULL,
    bits BLOB NOT NULL
  );
  CREATE TABLE vector_snapshot_parts (
    model INTEGER NOT NULL,
    part INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    scales BLOB NOT NULL,
    codes BLOB NOT NULL,
    PRIMARY KEY (model, part)
  ) WITHOUT ROWID;
  INSERT INTO meta (key, value) VALUES ('${VECTOR_SEQ}', '0') ON CONFLICT (key) DO NOTHING;
  CREATE TRIGGER memories_vector_delete AFTER DELETE ON memories
  WHEN EXISTS (SELECT 1 FROM memory_vectors WHERE memory = old.rowid AND model <> 0) BEGIN
  ${VOID_VECTOR}
  CREATE TRIGGER memories_vector_update AFTER UPDATE OF ${EMBEDDED_COLUMNS} ON memories
  WHEN EXISTS (SELECT 1 FROM memory_vectors WHERE memory = old.rowid AND model <> 0) BEGIN
  ${VOID_VECTOR}
  `,
];
