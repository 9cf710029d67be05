/**
 * A search hit as the model reads it. Clients put every result in the model's context, so ten hits
 * fit in 2,500 characters of text (DESIGN.md, "The model-facing surface"): a field is left out when
 * it is empty or holds its default, a hit carries one date (the day of its last change) and its
 * score to two decimals, and its free text (title, tags, a one-line snippet) is fitted into what is
 * left of HIT_CHARS, so no memory costs more than that however long its fields are. The summary
 * and full content stay with read_memories.
 */
import { z } from 'zod';
import { DEFAULT_CONFIDENCE, DEFAULT_IMPORTANCE } from '../../memory/limits.js';
import { GLOBAL_SCOPE } from '../../memory/scopes.js';
import type { MemorySummary } from '../../memory/service.js';

/** The most one hit costs in the JSON text: ten of them, the envelope and a cursor stay in 2,500. */
export const HIT_CHARS = 235;
const TITLE_CHARS = 56;
/** What all of a hit's tags may take together; whole tags only, best kept first. */
const TAGS_CHARS = 40;
/** About one line; the match sits in its first third. */
const SNIPPET_CHARS = 64;
/** Less room than this for a snippet, and the hit goes without one: a few words say nothing. */
const SNIPPET_MIN = 16;
const SOURCE_CHARS = 24;

export const HitSchema = z.object({
  id: z.string(),
  title: z.string().optional(),
  snippet: z.string().optional(),
  tags: z.array(z.string()).optional(),
  importance: z.number().optional(),
  confidence: z.number().optional(),
  source: z.string().optional(),
  scope: z.string().optional(),
  updated: z.string().describe('Day of the last change (UTC).'),
  score: z.number().optional(),
});

export type Hit = z.output<typeof HitSchema>;

/**
 * One date, the day the memory was last written: it is when the current content became true (an
 * update is usually a fact that changed), it is what recency ranking uses, and for a memory never
 * updated it is the creation day. The exact timestamps are in read_memories.
 */
export function toHit(
  memory: MemorySummary,
  callerName: string | undefined,
  current: string | null = null,
): Hit {
  const hit: Hit = { id: memory.id, updated: memory.updated_at.slice(0, 10) };
  if (memory.importance !== null && memory.importance !== DEFAULT_IMPORTANCE)
    hit.importance = memory.importance;
  if (memory.confidence !== null && memory.confidence !== DEFAULT_CONFIDENCE)
    hit.confidence = memory.confidence;
  // The source defaults to the name of the client that saved the memory: the caller knows its own.
  if (memory.source && memory.source !== callerName) hit.source = clip(memory.source, SOURCE_CHARS);
  // The scope only where it is not the caller's own: a global memory, or one of another scope asked for.
  if (memory.scope !== current) hit.scope = memory.scope ?? GLOBAL_SCOPE;
  if (memory.score !== null) hit.score = Math.round(memory.score * 100) / 100;

  // The JSON length so far, kept as fields are added rather than re-serialised for each.
  let length = jsonLength(hit);
  const room = (field: string) => HIT_CHARS - length - fieldOverhead(field);
  const add = (field: 'title' | 'snippet', text: string) => {
    hit[field] = text;
    length += fieldOverhead(field) + jsonLength(text);
  };
  const title = clip(memory.title, Math.min(TITLE_CHARS, room('title')));
  if (title) add('title', title);
  // The snippet before the tags: the words that matched say more about a hit than its labels.
  const snippetRoom = Math.min(SNIPPET_CHARS, room('snippet'));
  const snippet = snippetRoom >= SNIPPET_MIN ? clip(memory.snippet, snippetRoom) : '';
  if (snippet) add('snippet', snippet);
  const tags = fittingTags(memory.tags, Math.min(TAGS_CHARS, room('tags')));
  if (tags.length > 0) hit.tags = tags;
  return hit;
}

/** What a field adds to a hit's JSON besides its value: comma, quoted key, colon, quotes or brackets. */
function fieldOverhead(field: string): number {
  return 1 + JSON.stringify(field).length + 1 + 2;
}

function fittingTags(tags: readonly string[], budget: number): string[] {
  const kept: string[] = [];
  let used = 0;
  for (const tag of tags) {
    const cost = JSON.stringify(tag).length + (kept.length > 0 ? 1 : 0);
    if (used + cost > budget) break;
    kept.push(tag);
    used += cost;
  }
  return kept;
}

/**
 * `text` in at most `max` characters of JSON string body (quotes and escapes count), cut at a word
 * boundary where one is near and marked with an ellipsis; empty when nothing useful fits.
 */
export function clip(text: string, max: number): string {
  const folded = text.replace(/\s+/g, ' ').trim();
  if (jsonLength(folded) <= max) return folded;
  for (let end = Math.min(folded.length, max) - 1; end > 0; end--) {
    let cut = folded.slice(0, end);
    const space = cut.lastIndexOf(' ');
    if (folded[end] !== ' ' && space >= end - 12 && space > 0) cut = cut.slice(0, space);
    // Never split a surrogate pair.
    if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
    const clipped = `${cut.trimEnd()}…`;
    if (jsonLength(clipped) <= max) return clipped;
  }
  return '';
}

/** Characters of `value` as JSON; a string without its quotes. */
function jsonLength(value: unknown): number {
  const json = JSON.stringify(value);
  return typeof value === 'string' ? json.length - 2 : json.length;
}
