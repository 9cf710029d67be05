import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { importMemories, parseImport } from '../../src/commands/transfer.js';
import { MemoramError } from '../../src/memory/errors.js';
import { exportJson, exportMarkdown } from '../../src/memory/export.js';
import { MemoryService } from '../../src/memory/service.js';
import { type LocalBackend, openLocalBackend } from '../../src/store/local-backend.js';

let root: string;

async function open(name: string): Promise<MemoryService> {
  return new MemoryService(await backendOf(name));
}

const backends: LocalBackend[] = [];
async function backendOf(name: string): Promise<LocalBackend> {
  const backend = await openLocalBackend({
    storeFile: path.join(root, name, 'memories.db'),
    configDir: path.join(root, name, 'config'),
  });
  backends.push(backend);
  return backend;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'memoram-transfer-'));
});
afterEach(async () => {
  for (const backend of backends.splice(0)) await backend.close();
  await rm(root, { recursive: true, force: true });
});

describe('export and import', () => {
  it('keeps each memory’s scope, and identical content in two scopes stays two memories', async () => {
    const from = await open('a');
    await from.create({ content: 'Deploys go through CI.', title: 'alpha', scope: 'alpha' });
    await from.create({ content: 'Deploys go through CI.', title: 'beta', scope: 'beta' });
    await from.create({ content: 'The user writes British English.', title: 'global' });
    const json = exportJson(await from.all());
    expect(exportMarkdown(await from.all())).toContain('- scope: beta');

    const to = await open('b');
    expect(await importMemories(to, parseImport(json))).toMatchObject({ created: 3, deduplicated: 0 });
    const scopes = (await to.all()).map(({ title, scope }) => [title, scope]);
    expect(scopes).toEqual([
      ['alpha', 'alpha'],
      ['beta', 'beta'],
      ['global', null],
    ]);
    const inAlpha = await to.search({ query: 'deploys', current: 'alpha' });
    expect(inAlpha.memories.map((memory) => memory.title)).toEqual(['alpha']);
    // An export written before scopes (no scope field) comes back global.
    const old = JSON.parse(json);
    for (const memory of old.memories) delete memory.scope;
    const third = await open('c');
    await importMemories(third, parseImport(JSON.stringify(old)));
    expect((await third.listScopes()).map(({ name, count }) => [name, count])).toEqual([[null, 2]]);
  });

  it('moves every memory to another store, and importing twice adds nothing', async () => {
    const from = await open('a');
    await from.create({ content: 'first', title: 'One', tags: ['x'], importance: 0.7, source: 'cursor' });
    await from.create({ content: 'second', summary: 'two' });
    const json = exportJson(await from.all());

    const to = await open('b');
    expect(await importMemories(to, parseImport(json))).toEqual({
      created: 2,
      deduplicated: 0,
      failed: [],
      warnings: [],
    });
    expect(await importMemories(to, parseImport(json))).toEqual({
      created: 0,
      deduplicated: 2,
      failed: [],
      warnings: [],
    });
    const copied = await to.all();
    expect(
      copied.map(({ content, title, tags, importance, source }) => ({
        content,
        title,
        tags,
        importance,
        source,
      })),
    ).toEqual([
      { content: 'first', title: 'One', tags: ['x'], importance: 0.7, source: 'cursor' },
      { content: 'second', title: '', tags: [], importance: 0.5, source: null },
    ]);
  });

  it('compacts the search index after an import that created memories, not after one that did not', async () => {
    const backend = await backendOf('c');
    const compact = vi.spyOn(backend, 'compact');
    const service = new MemoryService(backend);
    const entries = Array.from({ length: 1200 }, (_, i) => ({ content: `imported note ${i} on rooibos` }));
    expect(await importMemories(service, entries)).toMatchObject({ created: 1200, warnings: [] });
    expect(compact).toHaveBeenCalledWith(1200);
    expect((await service.search({ query: 'rooibos', limit: 5 })).memories).toHaveLength(5);
    await importMemories(service, entries);
    expect(compact).toHaveBeenCalledTimes(1);
  });

  it('compacts only after a bulk write that is a tenth of the store or more', async () => {
    const backend = await backendOf('d');
    const service = new MemoryService(backend);
    await importMemories(
      service,
      Array.from({ length: 100 }, (_, i) => ({ content: `base note ${i}` })),
    );
    const compactIndex = vi.spyOn(backend.db, 'compactIndex');
    await importMemories(service, [{ content: 'one more note' }]);
    expect(compactIndex).not.toHaveBeenCalled();
    await importMemories(
      service,
      Array.from({ length: 20 }, (_, i) => ({ content: `later note ${i}` })),
    );
    expect(compactIndex).toHaveBeenCalledTimes(1);
  });

  it('keeps what it imported and says so when compacting the index fails', async () => {
    const backend = await backendOf('e');
    vi.spyOn(backend, 'compact').mockRejectedValue(new Error('database is locked'));
    const service = new MemoryService(backend);
    const report = await importMemories(service, [{ content: 'kept despite the failure' }]);
    expect(report).toMatchObject({ created: 1, failed: [] });
    expect(report.warnings).toEqual([expect.stringMatching(/not compacted \(database is locked\)/)]);
    expect(await backend.count()).toBe(1);
  });

  it('imports what is valid and reports each rejected entry by index', async () => {
    const to = await open('b');
    const file = JSON.stringify({
      format: 'memoram-mcp-export',
      version: 1,
      memories: [{ content: 'ok' }, { content: '' }, { content: 'x', title: 't'.repeat(201) }],
    });
    const report = await importMemories(to, parseImport(file));
    expect(report.created).toBe(1);
    expect(report.failed.map((failure) => failure.index)).toEqual([1, 2]);
    expect(report.failed[1]!.reason).toMatch(/title.*200/);
  });

  it('reads the server-memory JSONL knowledge graph, one memory per entity', async () => {
    const jsonl = [
      { type: 'entity', name: 'Ada', entityType: 'person', observations: ['Likes tea', 'Writes Rust'] },
      { type: 'entity', name: 'Acme', entityType: 'company', observations: ['Makes anvils'] },
      { type: 'relation', from: 'Ada', to: 'Acme', relationType: 'works_at' },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    const to = await open('b');
    expect((await importMemories(to, parseImport(jsonl))).created).toBe(2);
    const ada = (await to.all()).find((memory) => memory.title === 'Ada');
    expect(ada).toMatchObject({ tags: ['person'], source: 'server-memory' });
    expect(ada?.content).toBe('Likes tea\nWrites Rust\nAda works_at Acme');
  });

  it('imports the good entries of an export with a null one, and reports the null one by position', async () => {
    const to = await open('b');
    const file = JSON.stringify({
      format: 'memoram-mcp-export',
      version: 1,
      memories: [{ content: 'first' }, null, { content: 'third' }, 'text'],
    });
    const report = await importMemories(to, parseImport(file));
    expect(report.created).toBe(2);
    expect(report.failed.map((failure) => failure.index)).toEqual([1, 3]);
    expect(report.failed[0]!.reason).toBe(
      'not a memory: expected an object with at least "content", found null',
    );
    expect(report.failed[1]!.reason).toMatch(/found a string$/);
  });

  it('splits a server-memory entity whose observations exceed one memory across several', async () => {
    const observations = Array.from({ length: 90 }, (_, i) => `Observation ${i}: ${'x'.repeat(900)}`);
    const huge = 'y'.repeat(40 * 1024);
    const jsonl = [
      { type: 'entity', name: 'Big', entityType: 'project', observations },
      { type: 'entity', name: 'Huge', observations: [huge] },
      { type: 'relation', from: 'Big', to: 'Huge', relationType: 'contains' },
    ]
      .map((line) => JSON.stringify(line))
      .join('\n');
    const to = await open('b');
    const report = await importMemories(to, parseImport(jsonl));
    expect(report.failed).toEqual([]);
    const stored = await to.all();
    const big = stored.filter((memory) => memory.title.startsWith('Big'));
    expect(big.map((memory) => memory.title)).toEqual([
      'Big (part 1 of 3)',
      'Big (part 2 of 3)',
      'Big (part 3 of 3)',
    ]);
    for (const memory of big) expect(memory).toMatchObject({ tags: ['project'], source: 'server-memory' });
    const text = big.map((memory) => memory.content).join('\n');
    expect(text).toBe([...observations, 'Big contains Huge'].join('\n'));
    const parts = stored.filter((memory) => memory.title.startsWith('Huge'));
    expect(parts).toHaveLength(2);
    expect(parts.map((memory) => memory.content).join('')).toBe(huge);
  });

  it('refuses files that are neither format', () => {
    expect(() => parseImport('{"hello": 1}')).toThrow(MemoramError);
    expect(() => parseImport('not json at all')).toThrow(/Line 1/);
  });

  it('renders Markdown with titles, metadata and content', async () => {
    const from = await open('a');
    await from.create({ content: 'body text', title: 'Heading', tags: ['a', 'b'] });
    const markdown = exportMarkdown(await from.all());
    expect(markdown).toContain('## Heading');
    expect(markdown).toContain('- tags: a, b');
    expect(markdown).toContain('body text');
  });
});
