/**
 * The JSONL knowledge graph of the official `server-memory` MCP server, as memories: one per
 * entity, its observations and then its relations one a line. An entity holding more than one
 * memory can is split at line ends into parts ("Name (part 2 of 3)") that carry its tags each; a
 * single line longer than a memory is cut at character boundaries.
 */
import { z } from 'zod';
import { MemoramError } from '../memory/errors.js';
import { LIMITS } from '../memory/limits.js';

const GraphLineSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('entity'),
    name: z.string(),
    entityType: z.string().optional(),
    observations: z.array(z.string()).default([]),
  }),
  z.object({ type: z.literal('relation'), from: z.string(), to: z.string(), relationType: z.string() }),
]);

interface Entity {
  entityType?: string;
  observations: string[];
  relations: string[];
}

export function fromKnowledgeGraph(text: string): unknown[] {
  const entities = new Map<string, Entity>();
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  lines.forEach((line, index) => {
    const parsed = GraphLineSchema.safeParse(parseJsonLine(line));
    if (!parsed.success)
      throw new MemoramError('INVALID_INPUT', `Line ${index + 1} is not a server-memory entity or relation.`);
    const item = parsed.data;
    const name = item.type === 'entity' ? item.name : item.from;
    const entity = entities.get(name) ?? { observations: [], relations: [] };
    if (item.type === 'entity') {
      entity.observations.push(...item.observations);
      if (item.entityType) entity.entityType = item.entityType;
    } else {
      entity.relations.push(`${item.from} ${item.relationType} ${item.to}`);
    }
    entities.set(name, entity);
  });
  return [...entities].flatMap(([name, entity]) => {
    const parts = pack([...entity.observations, ...entity.relations], LIMITS.contentBytes);
    const tags = entity.entityType ? [entity.entityType.slice(0, LIMITS.tagChars)] : [];
    if (parts.length === 0) parts.push(name);
    return parts.map((content, index) => ({
      title: (parts.length === 1 ? name : `${name} (part ${index + 1} of ${parts.length})`).slice(
        0,
        LIMITS.titleChars,
      ),
      content,
      tags,
      source: 'server-memory',
    }));
  });
}

function parseJsonLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

/** Lines joined by "\n" into as few texts of at most `limit` bytes as keep each line whole. */
function pack(lines: readonly string[], limit: number): string[] {
  const parts: string[] = [];
  let current: string | undefined;
  for (const line of lines.flatMap((line) => cut(line, limit))) {
    if (current !== undefined && bytes(current) + 1 + bytes(line) <= limit) current += `\n${line}`;
    else {
      if (current !== undefined) parts.push(current);
      current = line;
    }
  }
  if (current !== undefined) parts.push(current);
  return parts;
}

/** A line longer than `limit` bytes, in pieces of at most that, cut between characters. */
function cut(line: string, limit: number): string[] {
  if (bytes(line) <= limit) return [line];
  const pieces: string[] = [];
  let piece = '';
  let size = 0;
  for (const char of line) {
    const length = bytes(char);
    if (size + length > limit) {
      pieces.push(piece);
      piece = '';
      size = 0;
    }
    piece += char;
    size += length;
  }
  if (piece) pieces.push(piece);
  return pieces;
}
