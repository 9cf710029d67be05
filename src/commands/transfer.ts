/**
 * `memoram-mcp export` and `memoram-mcp import`: moving memories between stores. The export format
 * is JSON `{ format: "memoram-mcp-export", version: 1, memories: [...] }` (or Markdown for
 * reading); import reads that JSON back, or the JSONL knowledge graph of the official
 * `server-memory` MCP server. Import goes through the MemoryService, so limits apply and
 * importing the same file twice stores nothing new.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { MemoramError } from '../memory/errors.js';
import type { ImportReport, MemoryService } from '../memory/service.js';
import type { Memory } from '../memory/types.js';

export const EXPORT_FORMAT = 'memoram-mcp-export';

export function exportJson(memories: readonly Memory[], now = new Date()): string {
  const rows = memories.map(({ unreadable: _unreadable, ...memory }) => memory);
  return `${JSON.stringify({ format: EXPORT_FORMAT, version: 1, exported_at: now.toISOString(), memories: rows }, null, 2)}\n`;
}

export function exportMarkdown(memories: readonly Memory[]): string {
  const sections = memories.map((memory) => {
    const meta = [
      `id: ${memory.id}`,
      memory.tags.length > 0 ? `tags: ${memory.tags.join(', ')}` : undefined,
      memory.importance === null ? undefined : `importance: ${memory.importance}`,
      memory.source ? `source: ${memory.source}` : undefined,
      `created: ${memory.created_at}`,
    ].filter(Boolean);
    const summary = memory.summary ? `\n_${memory.summary}_\n` : '';
    const body = memory.unreadable ? '_(content could not be decrypted)_' : memory.content;
    return `## ${memory.title || memory.id}\n\n${meta.map((line) => `- ${line}`).join('\n')}\n${summary}\n${body}\n`;
  });
  return `# Memories\n\n${sections.join('\n')}`;
}

const ExportFileSchema = z.object({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(1),
  memories: z.array(z.record(z.string(), z.unknown())),
});

const GraphLineSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('entity'),
    name: z.string(),
    entityType: z.string().optional(),
    observations: z.array(z.string()).default([]),
  }),
  z.object({ type: z.literal('relation'), from: z.string(), to: z.string(), relationType: z.string() }),
]);

/** Turns the server-memory knowledge graph into one memory per entity, its relations folded in. */
function fromKnowledgeGraph(text: string): unknown[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const entities = new Map<string, { entityType?: string; observations: string[]; relations: string[] }>();
  lines.forEach((line, index) => {
    const parsed = GraphLineSchema.safeParse(parseJson(line));
    if (!parsed.success)
      throw new MemoramError('INVALID_INPUT', `Line ${index + 1} is not a server-memory entity or relation.`);
    const item = parsed.data;
    if (item.type === 'entity') {
      const entity = entities.get(item.name) ?? { observations: [], relations: [] };
      entity.observations.push(...item.observations);
      if (item.entityType) entity.entityType = item.entityType;
      entities.set(item.name, entity);
    } else {
      const entity = entities.get(item.from) ?? { observations: [], relations: [] };
      entity.relations.push(`${item.from} ${item.relationType} ${item.to}`);
      entities.set(item.from, entity);
    }
  });
  return [...entities].map(([name, entity]) => ({
    title: name.slice(0, 200),
    content: [...entity.observations, ...entity.relations].join('\n') || name,
    tags: entity.entityType ? [entity.entityType.slice(0, 64)] : [],
    source: 'server-memory',
  }));
}

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
  for (const key of ['content', 'title', 'summary', 'tags', 'importance', 'confidence', 'source']) {
    if (record[key] !== undefined && record[key] !== null) fields[key] = record[key];
  }
  return fields;
}

export async function readImportFile(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MemoramError(
      'INVALID_INPUT',
      `Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
    );
  }
  return parseImport(text);
}
