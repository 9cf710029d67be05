// The snapshot of vectors a start reads instead of every row (src/store/vector-snapshot.ts), on a
// real encrypted SQLite file opened by several connections at once, as several processes would.
import { describe, expect, it } from 'vitest';
import type { EmbeddingProvider } from '../../src/embeddings/provider.js';
import type { LocalBackend } from '../../src/store/local-backend.js';
import { localStores } from '../helpers/local-stores.js';
import { synonymProvider, testEmbeddings } from '../helpers/synonym-embeddings.js';

const { open, close } = localStores('vector-snapshot');

const TOPICS = [
  'We adopted a golden retriever last spring.',
  'Takes the sedan to the office on Mondays.',
  'Moved into an apartment near the river in March.',
  'Went to a guitar concert with Ragnhild.',
  'Had a fever for a week in January; saw a doctor twice.',
  'Puts a tenth of the salary into savings each month.',
  'Training for the Berlin marathon, running five days a week.',
  'The build fails with ERR_4711 when the cache is cold.',
  'Prefers a light lunch, usually soup.',
  'Flew to Lisbon for a week abroad.',
];

/** `count` memories over the topics, each with words of its own. */
const corpus = (count: number) =>
  Array.from({ length: count }, (_, at) => ({
    title: `Note ${at}`,
    content: `${TOPICS[at % TOPICS.length]} Entry ${at} zq${at.toString(36)}`,
  }));

const QUESTIONS = [
  'What pet does the user have?',
  'How does the user get to work?',
  'Was the user ill recently?',
  'Any vacation plans?',
  'What music does the user like?',
];

/** The titles of the top 10 by words and meaning, through the database with the query's vector. */
async function hybridTop(backend: LocalBackend, provider: EmbeddingProvider, question: string) {
  const [vector] = await provider.embed([question]);
  const page = backend.db.search({ query: question, limit: 10 }, Date.UTC(2026, 0, 1), {
    model: provider.id,
    vector: vector!,
  });
  return page.memories.map((memory) => memory.title);
}

/** Writes the vectors of every memory lacking one, as a background fill does, in a process without the model. */
async function embedAll(backend: LocalBackend, provider: EmbeddingProvider) {
  const texts = backend.db.embeddingTexts(backend.db.unembedded(provider.id, 0, 1_000_000));
  const vectors = await provider.embed(texts.map(({ text }) => text));
  backend.db.writeVectors(
    texts.map(({ rowid, text }, at) => ({ rowid, text, model: provider.id, vector: vectors[at]! })),
  );
}

/** The topic of a note of `corpus`. */
const topic = (title: string) => Number(title.replace('Note ', '')) % TOPICS.length;

const answers = (backend: LocalBackend, provider: EmbeddingProvider) =>
  Promise.all(QUESTIONS.map((question) => hybridTop(backend, provider, question)));

describe('the snapshot of vectors', () => {
  it('is left by a closing process and read by the next start with only the rows changed since, deletes and text changes included', async () => {
    const provider = synonymProvider();
    const writer0 = await open();
    for (const memory of corpus(60)) await writer0.service.create(memory);
    await embedAll(writer0.backend, provider);
    // A process that read every row, before any snapshot, and stays open throughout.
    const first = await open();
    expect(first.backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({
      snapshot: false,
      rows: 60,
    });
    // A process with the model: its fill pass finds nothing to do and leaves a snapshot.
    const filler = await open(testEmbeddings(provider));
    await filler.backend.vectors!.idle();
    await close(filler.backend);
    const reader = await open();
    expect(reader.backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({
      snapshot: true,
      rows: 0,
    });
    await close(reader.backend);

    // Another process deletes, changes a text and creates, after the snapshot, and writes none.
    const writer = await open(testEmbeddings(provider));
    const retriever = (await writer.service.search({ query: 'retriever', limit: 1 })).memories[0]!;
    await writer.service.delete([retriever.id]);
    const sedan = (await writer.service.search({ query: 'sedan', limit: 1 })).memories[0]!;
    await writer.service.update(sedan.id, {
      title: 'Sedan sold',
      content: 'Sold the sedan; now takes the tram.',
    });
    await writer.service.create({ title: 'Kitten', content: 'A kitten called Miso joined the family.' });
    await close(writer.backend);

    const later = await open();
    // Three rows changed since the snapshot: the voided one, the changed one re-embedded, the new one.
    expect(later.backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({
      snapshot: true,
      rows: 3,
    });
    // The 4-bit codes read (as the background does after a start), the answers are those of the
    // process that read every row and followed the changes.
    while (later.backend.db.loadVectorCodes(provider.id, provider.dimensions, 16));
    const fromSnapshot = await answers(later.backend, provider);
    const live = await answers(first.backend, provider);
    expect(fromSnapshot).toEqual(live);
    expect(fromSnapshot[0]).toContain('Kitten');
    expect(fromSnapshot.flat()).not.toContain(retriever.title);
    expect((await hybridTop(later.backend, provider, 'Which automobile?'))[0]).toBe('Sedan sold');
  });

  it('answers alike before and after the 4-bit codes are read in the background, from the snapshot or, once it was replaced, from the rows', async () => {
    const provider = synonymProvider();
    const filled = await open(testEmbeddings(provider));
    for (const memory of corpus(600)) await filled.service.create(memory);
    await close(filled.backend);
    // One process reads its codes from the snapshot's one part; another finds that snapshot
    // replaced by a third process before it reads the part, and reads the rows instead.
    const fromPart = await open();
    const fromRows = await open();
    const live = await open(testEmbeddings(provider));
    for (const { backend } of [fromPart, fromRows]) {
      expect(backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({ snapshot: true, rows: 0 });
    }
    // Asked before either read its codes (searched ones are made from their rows on the way).
    const before = await answers(fromPart.backend, provider);
    expect(fromPart.backend.db.loadVectorCodes(provider.id, provider.dimensions, 100)).toBe(false);
    await live.service.create({ title: 'Kitten', content: 'A kitten called Miso joined the family.' });
    expect(live.backend.db.snapshotVectors(provider.id, provider.dimensions, 0)).toBe(true);
    let steps = 0;
    while (fromRows.backend.db.loadVectorCodes(provider.id, provider.dimensions, 100)) steps++;
    // The part it looked for was gone (one step), then 600 rows 100 at a time (the last step says done).
    expect(steps).toBe(6);
    const after = await answers(fromRows.backend, provider);
    expect(after).toEqual(await answers(fromPart.backend, provider));
    expect(after).toEqual(await answers(live.backend, provider));
    // The kitten, new since, may move the near ties of one topic's notes apart; the topics stay.
    const topics = (titles: string[]) =>
      titles
        .filter((title) => title !== 'Kitten')
        .slice(0, 4)
        .map(topic);
    for (const [at, titles] of after.entries()) expect(topics(titles)).toEqual(topics(before[at]!));
  });

  it('leaves the 4-bit codes for later when a start loads it, so a search asked at once waits for none', async () => {
    const provider = synonymProvider();
    const filled = await open(testEmbeddings(provider));
    for (const memory of corpus(600)) await filled.service.create(memory);
    await close(filled.backend);
    const live = await open();
    expect(live.backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({
      snapshot: true,
      rows: 0,
    });
    while (live.backend.db.loadVectorCodes(provider.id, provider.dimensions, 1000));
    const embeddings = testEmbeddings(provider, 'loading');
    const started = await open(embeddings);
    embeddings.makeReady();
    await embeddings.ready();
    await Promise.resolve();
    // The model is ready and the snapshot read, but not one part of codes: a search asked now
    // makes the codes it needs from their rows, and answers as a process holding all of them.
    expect(started.backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({
      snapshot: true,
      rows: 0,
    });
    expect(started.backend.db.vectorCodesPending()).toBe(600);
    const asked = await answers(started.backend, provider);
    expect(asked).toEqual(await answers(live.backend, provider));
    expect(asked.flat().length).toBeGreaterThan(0);
    expect(started.backend.db.vectorCodesPending()).toBeGreaterThan(0);
    // Then the background reads them all.
    await started.backend.vectors!.idle();
    expect(started.backend.db.vectorCodesPending()).toBe(0);
  });

  it('is replaced once the rows moved past it by more than the bound, by whichever process', async () => {
    const provider = synonymProvider();
    const a = await open(testEmbeddings(provider));
    const b = await open(testEmbeddings(provider));
    for (const memory of corpus(40)) await a.service.create(memory);
    await a.backend.vectors!.idle();
    // A snapshot of a's state (its first fill pass, run after a start's codes wait, may have left it).
    a.backend.db.snapshotVectors(provider.id, provider.dimensions, 0);
    for (const memory of corpus(45).slice(40)) await b.service.create(memory);
    // Five changes: within a bound of 5, past one of 4; b's copy learnt of a's writes through the rows.
    expect(b.backend.db.snapshotVectors(provider.id, provider.dimensions, 5)).toBe(false);
    expect(b.backend.db.snapshotVectors(provider.id, provider.dimensions, 4)).toBe(true);
    const c = await open();
    expect(c.backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({ snapshot: true, rows: 0 });
    expect(c.backend.db.vectorProgress(provider.id)).toEqual({ embedded: 45, total: 45 });
    while (c.backend.db.loadVectorCodes(provider.id, provider.dimensions, 16));
    expect(await answers(c.backend, provider)).toEqual(await answers(a.backend, provider));
  });

  it('keeps its last committed state when a process stops between the snapshot and later rows', async () => {
    const provider = synonymProvider();
    const a = await open(testEmbeddings(provider));
    for (const memory of corpus(30)) await a.service.create(memory);
    await close(a.backend);
    // A process without the model writes memories, then their vectors as a fill does, and
    // deletes one; it leaves no snapshot (as one that crashed would not): only the rows'
    // change numbers tell the next start about them.
    const w = await open();
    for (const memory of corpus(36).slice(30)) await w.service.create(memory);
    const texts = w.backend.db.embeddingTexts(w.backend.db.unembedded(provider.id, 0, 1000));
    const vectors = await provider.embed(texts.map(({ text }) => text));
    w.backend.db.writeVectors(
      texts.map(({ rowid, text }, at) => ({ rowid, text, model: provider.id, vector: vectors[at]! })),
    );
    const gone = (await w.service.search({ query: 'marathon', limit: 1 })).memories[0]!;
    await w.service.delete([gone.id]);
    await close(w.backend);

    const b = await open();
    expect(b.backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({ snapshot: true, rows: 7 });
    expect(b.backend.db.vectorProgress(provider.id)).toEqual({ embedded: 35, total: 35 });
    const titles = (await answers(b.backend, provider)).flat();
    expect(titles).not.toContain(gone.title);
    expect(titles).toContain('Note 33');
  });

  it('of another model is never read: a model change reads the rows, and its own snapshot replaces the old', async () => {
    const a = synonymProvider({ id: 'test:a' });
    const first = await open(testEmbeddings(a));
    for (const memory of corpus(20)) await first.service.create(memory);
    await close(first.backend);

    const b = synonymProvider({ id: 'test:b' });
    const second = await open(testEmbeddings(b));
    await second.backend.vectors!.idle();
    await close(second.backend);

    const plain = await open();
    // b's snapshot is there; a's was dropped with it, and a's rows were all re-embedded by b.
    expect(plain.backend.db.loadVectors(b.id, b.dimensions)).toEqual({ snapshot: true, rows: 0 });
    expect(plain.backend.db.loadVectors(a.id, a.dimensions)).toEqual({ snapshot: false, rows: 0 });
    expect(plain.backend.db.vectorProgress(a.id).embedded).toBe(0);
    const pets = (await hybridTop(plain.backend, b, 'What pet does the user have?')).slice(0, 3);
    expect(pets.filter((title) => title === 'Note 0' || title === 'Note 10')).not.toEqual([]);
    // A snapshot of other dimensions for the same model is not read either: every row is.
    expect(plain.backend.db.loadVectors(b.id, 128)).toEqual({ snapshot: false, rows: 20 });
  });
});

describe('a search while the 4-bit codes are still being read', () => {
  it('scores as one with all of them read, so a cursor taken then pages on without a skip or a repeat', async () => {
    const provider = synonymProvider();
    const filled = await open(testEmbeddings(provider));
    for (const memory of corpus(600)) await filled.service.create(memory);
    await close(filled.backend);
    const early = await open();
    const settled = await open();
    for (const { backend } of [early, settled]) {
      expect(backend.db.loadVectors(provider.id, provider.dimensions)).toEqual({ snapshot: true, rows: 0 });
    }
    while (settled.backend.db.loadVectorCodes(provider.id, provider.dimensions, 100));
    const queries = await Promise.all(
      QUESTIONS.map(async (question) => {
        const [vector] = await provider.embed([question]);
        return { question, query: { model: provider.id, vector: vector! } };
      }),
    );
    const page = (backend: LocalBackend, at: number, cursor?: string | null) =>
      backend.db.search(
        { query: queries[at]!.question, limit: 5, ...(cursor ? { cursor } : {}) },
        Date.UTC(2026, 0, 1),
        queries[at]!.query,
      );
    const hits = (memories: { id: string; score?: number | null }[]) =>
      memories.map(({ id, score }) => [id, score]);
    // The first pages asked before the codes are read in the background, the next ones after.
    const firsts = queries.map((_, at) => page(early.backend, at));
    while (early.backend.db.loadVectorCodes(provider.id, provider.dimensions, 100));
    for (const [at, first] of firsts.entries()) {
      const whole = page(settled.backend, at);
      expect(hits(first.memories)).toEqual(hits(whole.memories));
      expect(hits(page(early.backend, at, first.next_cursor).memories)).toEqual(
        hits(page(settled.backend, at, whole.next_cursor).memories),
      );
    }
  });
});
