// Search by meaning on the local store: a real encrypted SQLite file, the real LocalBackend and
// MemoryService, with a deterministic static-model-like provider (test/helpers).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/memory/service.js';
import { codeWords, encodeVector, signBits } from '../../src/store/vector-codec.js';
import { localStores } from '../helpers/local-stores.js';
import { synonymProvider, testEmbeddings } from '../helpers/synonym-embeddings.js';

const stores = localStores('vectors');
const { open } = stores;

const CORPUS = [
  { title: 'Golden retriever', content: 'We adopted a golden retriever last spring.' },
  { title: 'Commute', content: 'Takes the sedan to the office on Mondays.' },
  { title: 'Flat', content: 'Moved into an apartment near the river in March.' },
  { title: 'Concert', content: 'Went to a guitar concert with Ragnhild.' },
  { title: 'Flu', content: 'Had a fever for a week in January; saw a doctor twice.' },
  { title: 'Savings', content: 'Puts a tenth of the salary into savings each month.' },
  { title: 'Marathon', content: 'Training for the Berlin marathon, running five days a week.' },
  { title: 'Crash', content: 'The build fails with ERR_4711 when the cache is cold.' },
  { title: 'Lunch', content: 'Prefers a light lunch, usually soup.' },
  { title: 'User notes', content: 'The user likes short answers and the user writes in English.' },
  { title: 'Holiday', content: 'Flew to Lisbon for a week abroad.' },
];

async function fill(service: MemoryService) {
  for (const memory of CORPUS) await service.create(memory);
}

const top = async (service: MemoryService, query: string, limit = 3) =>
  (await service.search({ query, limit })).memories.map((memory) => memory.title);

/** Paraphrases sharing no word with their memory (stop words aside). */
const PARAPHRASES: [string, string][] = [
  ['What pet does the user have?', 'Golden retriever'],
  ['How does the user get to work?', 'Commute'],
  ['Was the user ill recently?', 'Flu'],
  ['Any vacation plans?', 'Holiday'],
  ['Which sport?', 'Marathon'],
];

describe('search by meaning', () => {
  it('finds paraphrases sharing no word in the top 3 with embeddings on, and misses them with them off', async () => {
    const on = await open(testEmbeddings(synonymProvider()));
    await fill(on.service);
    for (const [query, title] of PARAPHRASES) expect(await top(on.service, query), query).toContain(title);
    await stores.close(on.backend);
    const off = await open();
    for (const [query, title] of PARAPHRASES)
      expect(await top(off.service, query), query).not.toContain(title);
  });

  it('keeps the exact match of a name, an error code or a quoted phrase first', async () => {
    const { service } = await open(testEmbeddings(synonymProvider()));
    await fill(service);
    await service.create({
      title: 'Bug triage',
      content: 'A crash, an exception and a broken error path in the bug tracker.',
    });
    expect((await top(service, 'ERR_4711 crash'))[0]).toBe('Crash');
    expect((await top(service, 'Ragnhild'))[0]).toBe('Concert');
    expect((await top(service, '"light lunch"'))[0]).toBe('Lunch');
  });

  it('fills in the vectors of a store written before the model arrived, then finds by meaning', async () => {
    const plain = await open();
    await fill(plain.service);
    await stores.close(plain.backend);
    const embeddings = testEmbeddings(synonymProvider(), 'loading');
    const { backend, service } = await open(embeddings);
    expect(backend.searchByMeaning()).toMatchObject({ state: 'loading' });
    expect(await top(service, 'What pet does the user have?')).not.toContain('Golden retriever');
    embeddings.makeReady();
    await embeddings.ready();
    await backend.vectors!.idle();
    expect(backend.searchByMeaning()).toMatchObject({
      state: 'ready',
      vectors: { embedded: CORPUS.length, total: CORPUS.length, filling: false },
    });
    expect(await top(service, 'What pet does the user have?')).toContain('Golden retriever');
  });

  it('re-embeds the store when the model changes, and never compares vectors of two models', async () => {
    const first = await open(testEmbeddings(synonymProvider({ id: 'test:a' })));
    await fill(first.service);
    await stores.close(first.backend);
    const other = synonymProvider({ id: 'test:b' });
    const embeddings = testEmbeddings(other, 'loading');
    const { backend, service } = await open(embeddings);
    // Before its fill, model b has no vectors: search is by words alone, never with a's vectors.
    const query = { model: other.id, vector: (await other.embed(['pet']))[0]! };
    expect(backend.db.search({ query: 'pet' }, Date.now(), query).memories).toEqual([]);
    embeddings.makeReady();
    await embeddings.ready();
    await backend.vectors!.idle();
    expect(backend.searchByMeaning()).toMatchObject({ vectors: { embedded: CORPUS.length } });
    expect(backend.db.vectorProgress('test:a').embedded).toBe(0);
    expect(await top(service, 'What pet does the user have?')).toContain('Golden retriever');
  });

  it('keeps searching by words when the model failed', async () => {
    const embeddings = testEmbeddings(synonymProvider(), 'loading');
    const { backend, service } = await open(embeddings);
    await fill(service);
    embeddings.fail('model.safetensors is truncated');
    await embeddings.ready();
    expect(backend.searchByMeaning()).toMatchObject({ state: 'failed' });
    expect(await top(service, 'marathon')).toEqual(['Marathon']);
  });

  it('sees another process’s writes on its next search: creates, text changes and deletes', async () => {
    const provider = synonymProvider();
    const a = await open(testEmbeddings(provider));
    const b = await open(testEmbeddings(provider));
    await fill(b.service);
    expect(await top(a.service, 'What pet does the user have?')).toContain('Golden retriever');
    const dog = await b.service.create({
      title: 'Kitten',
      content: 'A kitten called Miso joined the family.',
    });
    expect(await top(a.service, 'Which animal?', 10)).toContain('Kitten');
    await b.service.update(dog.memory.id, { title: 'Parrot', content: 'Miso the parrot talks a lot.' });
    expect(await top(a.service, 'Which animal?', 10)).not.toContain('Parrot');
    await b.service.delete([dog.memory.id]);
    const retriever = (await a.service.search({ query: 'retriever' })).memories[0]!;
    await b.service.delete([retriever.id]);
    expect(await top(a.service, 'What pet does the user have?', 10)).not.toContain('Golden retriever');
  });

  it('pages a hybrid search without repeating or skipping a hit', async () => {
    const { service } = await open(testEmbeddings(synonymProvider()));
    await fill(service);
    const all = (
      await service.search({ query: 'user pet work holiday sport music illness', limit: 50 })
    ).memories.map((m) => m.id);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await service.search({
        query: 'user pet work holiday sport music illness',
        limit: 3,
        cursor,
      });
      paged.push(...page.memories.map((m) => m.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(all);
    expect(all.length).toBeGreaterThan(3);
  });

  it('applies the filters to what it finds by meaning', async () => {
    const { service } = await open(testEmbeddings(synonymProvider()));
    await fill(service);
    await service.create({
      title: 'Tagged dog',
      content: 'Our neighbours have a puppy.',
      tags: ['neighbours'],
    });
    const found = await service.search({ query: 'What pet does the user have?', tags: ['neighbours'] });
    expect(found.memories.map((m) => m.title)).toEqual(['Tagged dog']);
  });

  it('leaves no vector and no content in plaintext in any file of the store', async () => {
    const provider = synonymProvider();
    const { backend, service } = await open(testEmbeddings(provider));
    await fill(service);
    await backend.vectors!.idle();
    const [vector] = await provider.embed([`${CORPUS[0]!.title}\n${CORPUS[0]!.content}`]);
    const blob = encodeVector(vector!);
    // The snapshot of vectors (rowids and sign bits) is in the file too, as a next start shows.
    await stores.close(backend);
    const next = await open();
    expect(next.backend.db.loadVectors(provider.id, provider.dimensions)).toMatchObject({ snapshot: true });
    const bits = new Int32Array(codeWords(provider.dimensions));
    signBits(new Int8Array(blob.buffer, blob.byteOffset + 4, provider.dimensions), bits, 0);
    const bytes = readdirSync(stores.dir()).map((file) => readFileSync(path.join(stores.dir(), file)));
    expect(bytes.length).toBeGreaterThanOrEqual(2);
    for (const file of bytes) {
      expect(file.includes(blob.subarray(4, 36))).toBe(false);
      expect(file.includes(Buffer.from(bits.buffer))).toBe(false);
      expect(file.includes(Buffer.from('golden retriever'))).toBe(false);
      expect(file.includes(Buffer.from('Ragnhild'))).toBe(false);
    }
  });
});
