/**
 * `memoram-mcp import`: moving memories between stores. Import reads the JSON of
 * `memoram-mcp export` (src/memory/export.ts) back, or the JSONL knowledge graph of the official
 * `server-memory` MCP server. Import goes through the MemoryService, so limits apply and
 * importing the same file twice stores nothing new.
 */
import { open } from 'node:fs/promises';
import { z } from 'zod';
import { MemoramError } from '../memory/errors.js';
import { EXPORT_FORMAT } from '../memory/export.js';
import type { ImportReport, MemoryService } from '../memory/service.js';
import { fromKnowledgeGraph } from './knowledge-graph.js';

const ExportFileSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(1),
  // Each entry is checked on its own by the import: one bad entry does not refuse the file.
  memories: z.array(z.unknown()),
});

export function parseImport(text: string): unknown[] {
  const whole = parseJson(text);
  const isGraphLine = typeof whole === 'object' && whole !== null && 'type' in whole;
  if (whole === undefined || isGraphLine) return fromKnowledgeGraph(text);
  const parsed = ExportFileSchema.safeParse(whole);
  if (!parsed.success) {
    throw new MemoramError(
      'INVALID_INPUT',
      `The file is not a memoram-mcp export (expected "format": "${EXPORT_FORMAT}", "version": 1) nor a server-memory JSONL file.`,
    );
  }
  return parsed.data.memories;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Imports through the service (limits, defaults, dedup), batched where the backend batches. */
export async function importMemories(
  service: MemoryService,
  entries: readonly unknown[],
): Promise<ImportReport> {
  return service.importMany(entries.map(pickFields));
}

function pickFields(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null) return entry;
  const record = entry as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  // A scope travels as its name; null (global) and an export from before scopes both come back global.
  for (const key of ['content', 'title', 'summary', 'tags', 'importance', 'confidence', 'source', 'scope']) {
    if (record[key] !== undefined && record[key] !== null) fields[key] = record[key];
  }
  return fields;
}

/**
 * The most an import reads: thousands of full memories, far beyond any export this program
 * writes for one person, and little enough to hold in memory at once.
 */
export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'there is no such file',
  EACCES: 'this user may not read it',
  EPERM: 'this user may not read it',
  EISDIR: 'it is a directory; give the export file inside it',
};

/** Reads a regular file of at most MAX_IMPORT_BYTES, or says in one line why it will not. */
export async function readImportFile(file: string): Promise<unknown[]> {
  const refuse = (why: string) => new MemoramError('INVALID_INPUT', `Cannot read ${file}: ${why}.`);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw refuse(READ_ERRORS[code] ?? `the system refused it (${code || 'unknown error'})`);
  }
  try {
    const stats = await handle.stat();
    if (stats.isDirectory()) throw refuse(READ_ERRORS.EISDIR!);
    // A device or a pipe (/dev/zero, /dev/stdin) has no size to check and may never end.
    if (!stats.isFile()) throw refuse('it is not a regular file; save the export to a file first');
    const limit = `import reads at most ${MAX_IMPORT_BYTES / 1024 / 1024} MiB; split the file into smaller exports`;
    if (stats.size > MAX_IMPORT_BYTES)
      throw refuse(`it is ${mebibytes(stats.size)} MiB, too large (${limit})`);
    // Read no more than the bound even if the file grows meanwhile.
    const buffer = Buffer.alloc(Math.min(stats.size, MAX_IMPORT_BYTES) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_IMPORT_BYTES) throw refuse(`it grew past the limit while being read (${limit})`);
    return parseImport(buffer.subarray(0, bytesRead).toString('utf8'));
  } catch (error) {
    if (error instanceof MemoramError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw refuse(READ_ERRORS[code] ?? `the system refused it (${code || 'unknown error'})`);
  } finally {
    await handle.close();
  }
}

function mebibytes(size: number): string {
  return (size / 1024 / 1024).toFixed(0);
}
