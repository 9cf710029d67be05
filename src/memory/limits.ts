/**
 * The bounds on what one memory may hold, and the zod schemas that enforce them. The tool input
 * schemas and the import command are built from these, so every way in checks the same limits.
 */
import { z } from 'zod';
import { SCOPE_TAG_PREFIX, ScopeNameSchema } from './scopes.js';

export const LIMITS = {
  contentBytes: 32 * 1024,
  titleChars: 200,
  summaryChars: 500,
  tags: 20,
  tagChars: 64,
  sourceChars: 100,
  readIds: 20,
  deleteIds: 50,
  searchLimit: 50,
  queryChars: 500,
} as const;

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

export const ContentSchema = z
  .string()
  .refine((text) => text.trim().length > 0, { message: 'content must not be empty' })
  .refine((text) => byteLength(text) <= LIMITS.contentBytes, {
    message: `content must be at most ${LIMITS.contentBytes} bytes (32 KiB); split it into several memories`,
  })
  .describe('The memory itself, in plain language. At most 32 KiB.');

export const TitleSchema = z
  .string()
  .max(LIMITS.titleChars, `title must be at most ${LIMITS.titleChars} characters`);

export const SummarySchema = z
  .string()
  .max(LIMITS.summaryChars, `summary must be at most ${LIMITS.summaryChars} characters`)
  .describe('One or two sentences.');

export const TagSchema = z
  .string()
  .trim()
  .min(1, 'a tag must not be empty')
  .max(LIMITS.tagChars, `a tag must be at most ${LIMITS.tagChars} characters`)
  .refine((tag) => !tag.includes(','), { message: 'a tag must not contain a comma' })
  .refine((tag) => !tag.toLowerCase().startsWith(SCOPE_TAG_PREFIX), {
    message: `tags starting with "${SCOPE_TAG_PREFIX}" are reserved: pass scope instead`,
  });

export const TagsSchema = z
  .array(TagSchema)
  .max(LIMITS.tags, `at most ${LIMITS.tags} tags`)
  .describe('Lowercase labels, e.g. ["work"].');

export const UnitSchema = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');

export const SourceSchema = z
  .string()
  .trim()
  .min(1)
  .max(LIMITS.sourceChars, `source must be at most ${LIMITS.sourceChars} characters`);

export const MemoryFieldsSchema = z.object({
  content: ContentSchema,
  title: TitleSchema.optional(),
  summary: SummarySchema.optional(),
  tags: TagsSchema.optional(),
  importance: UnitSchema.describe('How much it matters (default 0.5).').optional(),
  confidence: UnitSchema.describe('How sure it is true (default 1).').optional(),
  source: SourceSchema.describe('Where it came from; default: the client’s name.').optional(),
  scope: ScopeNameSchema.nullable().optional(),
});

export const DEFAULT_IMPORTANCE = 0.5;
export const DEFAULT_CONFIDENCE = 1;

/** Tags are trimmed, lowercased and deduplicated, keeping their order. */
export function normalizeTags(tags: readonly string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((tag) => tag.trim().toLowerCase()).filter(Boolean))].slice(
    0,
    LIMITS.tags,
  );
}

/**
 * The fields as they will read back: every lone UTF-16 surrogate (JSON can carry one, as "\ud800")
 * becomes U+FFFD, as it does in the store's and Memoram's UTF-8. Without this the index would hold
 * text that read_memories and export never show.
 */
export function wellFormed<T extends object>(fields: T): T {
  const clean = (value: unknown): unknown =>
    typeof value === 'string' ? value.toWellFormed() : Array.isArray(value) ? value.map(clean) : value;
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, clean(value)])) as T;
}
