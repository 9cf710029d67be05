import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportJson, exportMarkdown, importMemories, parseImport } from '../../src/commands/transfer.js';
import { MemoramError } from '../../src/memory/errors.js';
import { MemoryService } from '../../src/memory/service.js';
import { openLocalBackend } from '../../src/store/local-backend.js';

let root: string;
const services: MemoryService[] = [];

async function open(name: string): Promise<MemoryService> {
  const backend = await openLocalBackend({
    storeFile: path.join(root, name, 'memories.db'),
    configDir: path.join(root, name, 'config'),
  });
  const service = new MemoryService(backend);
  services.push(service);
  return service;
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'memoram-transfer-'));
});
afterEach(async () => {
  for (const service of services.splice(0)) await service.close();
  await rm(root, { recursive: true, force: true });
});

describe('export and import', () => {
  it('moves every memory to another store, and importing twice adds nothing', async () => {
    const from = await open('a');
    await from.create({ content: 'first', title: 'One', tags: ['x'], importance: 0.7, source: 'cursor' });
    await from.create({ content: 'second', summary: 'two' });
    const json = exportJson(await from.all());

    const to = await open('b');
    expect(await importMemories(to, parseImport(json))).toEqual({ created: 2, deduplicated: 0, failed: [] });
    expect(await importMemories(to, parseImport(json))).toEqual({ created: 0, deduplicated: 2, failed: [] });
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
