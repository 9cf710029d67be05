/**
 * The memory tools: search, read, create, update, delete. Search answers compact hits (never full
 * content) plus one resource link per hit; read_memories is the one way to full content.
 *
 * None of them is open-world: the MCP spec's own example of a closed domain is a memory tool. They
 * act on the user's own store, whether it is the local file or the user's Memoram account.
 */
import { z } from 'zod';
import {
  ContentSchema,
  LIMITS,
  MemoryFieldsSchema,
  SourceSchema,
  SummarySchema,
  TagsSchema,
  TitleSchema,
  UnitSchema,
} from '../../memory/limits.js';
import { type CurrentScope, ScopeChoiceSchema, ScopeNameSchema } from '../../memory/scopes.js';
import { memoryUri } from '../resources.js';
import { defineTool } from './define-tool.js';
import { HitSchema, toHit } from './search-hits.js';

const IdSchema = z
  .string()
  .trim()
  .min(1, 'an id must not be empty')
  .max(100, 'an id is at most 100 characters');

const isoDateTime = z.iso.datetime({ offset: true });
/** Checked with zod's ISO rule, but listed without its 500-character pattern (tools/list stays small). */
const IsoDateTimeSchema = z
  .string()
  .max(40)
  .refine((value) => isoDateTime.safeParse(value).success, {
    message: 'must be an ISO 8601 date-time with a time zone, e.g. 2025-01-31T00:00:00Z',
  })
  .describe('ISO 8601');

const MemoryMetaSchema = z.object({
  id: z.string(),
  title: z.string(),
  summary: z.string(),
  tags: z.array(z.string()),
  // Absent rather than null when unset (scope: a global memory): an optional field costs
  // tools/list half what a nullable one does, and says the same.
  importance: z.number().optional(),
  confidence: z.number().optional(),
  source: z.string().optional(),
  scope: z.string().optional(),
  created_at: z.string(),
  updated_at: z.string(),
});

/** `unreadable` is listed only here, where it explains an empty content (a key that changed). */
const MemorySchema = MemoryMetaSchema.extend({ content: z.string(), unreadable: z.literal(true).optional() });

/** An optional create field listed without its description: create_memory already gives it. */
const asInCreate = <T extends z.ZodType>(schema: T) => schema.optional().meta({ description: undefined });

const ids = (max: number) =>
  z.array(IdSchema).min(1, 'pass at least one id').max(max, `at most ${max} ids per call`);

export const searchMemories = defineTool({
  name: 'search_memories',
  title: 'Search memories',
  description:
    'Search the user’s memories by words and meaning when a task starts or the user mentions the past. ' +
    'Compact hits, best first; read_memories gives full content.',
  input: z.object({
    query: z
      .string()
      .max(LIMITS.queryChars, `query must be at most ${LIMITS.queryChars} characters`)
      .optional()
      .describe('Words or a question; omit: newest.'),
    tags: TagsSchema.optional().describe('Any of these tags.'),
    min_importance: UnitSchema.optional(),
    source: SourceSchema.optional(),
    created_after: IsoDateTimeSchema.optional(),
    created_before: IsoDateTimeSchema.optional(),
    limit: z
      .number()
      .int('limit must be a whole number')
      .min(1, 'limit must be at least 1')
      .max(LIMITS.searchLimit, `limit must be at most ${LIMITS.searchLimit}`)
      .default(10),
    scope: ScopeChoiceSchema.optional().describe(
      'A scope, "global" or "*" (all); default: current + global.',
    ),
    cursor: z.string().max(200).optional().describe('next_cursor of the previous page.'),
  }),
  output: z.object({
    memories: z.array(HitSchema),
    next_cursor: z.string().optional().describe('Pass as cursor for the next page.'),
  }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  links: (result) =>
    result.memories.map((memory) => ({
      type: 'resource_link' as const,
      uri: memoryUri(memory.id),
      name: memory.title || memory.id,
      mimeType: 'application/json',
    })),
  run: async (args, call) => {
    const current = (await call.scope()).name;
    const { memories, next_cursor } = await call.service().search(
      {
        scope: args.scope,
        current,
        query: args.query,
        tags: args.tags,
        minImportance: args.min_importance,
        source: args.source,
        createdAfter: args.created_after,
        createdBefore: args.created_before,
        limit: args.limit,
        cursor: args.cursor,
      },
      call.signal,
    );
    const caller = call.clientName();
    return {
      memories: memories.map((memory) => toHit(memory, caller, current)),
      ...(next_cursor ? { next_cursor } : {}),
    };
  },
});

export const readMemories = defineTool({
  name: 'read_memories',
  title: 'Read memories',
  description: 'Read memories in full (with content), by id.',
  input: z.object({ ids: ids(LIMITS.readIds) }),
  output: z.object({ memories: z.array(MemorySchema), not_found: z.array(z.string()) }),
  annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run: async (args, call) => {
    const { memories, not_found } = await call.service().read(args.ids, call.signal);
    return { memories: memories.map(listed), not_found };
  },
});

export const createMemory = defineTool({
  name: 'create_memory',
  title: 'Create memory',
  description:
    'Save a durable preference, fact or decision (never a secret) with a short title, summary and tags. ' +
    'deduplicated: it existed already; similar: near-duplicates to update instead.',
  context: scopeContext,
  input: MemoryFieldsSchema.extend({
    scope: ScopeNameSchema.nullable()
      .optional()
      .describe('Default: the current scope. null: global, for facts about the user true in every project.'),
  }),
  output: MemoryMetaSchema.extend({
    deduplicated: z.boolean(),
    similar: z.array(z.object({ id: z.string(), title: z.string() })),
  }),
  // Idempotent: identical content is deduplicated, so a retried call never stores a second copy.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  run: async (args, call) => {
    const scope = args.scope === undefined ? (await call.scope()).name : args.scope;
    const { memory, deduplicated, similar } = await call
      .service()
      .create({ ...args, scope, source: args.source ?? call.clientName() }, call.signal);
    return { ...listed(memory), deduplicated, similar };
  },
});

export const updateMemory = defineTool({
  name: 'update_memory',
  title: 'Update memory',
  description: 'Change some fields of a memory (as in create_memory; tags replaces the list).',
  input: z.object({
    id: IdSchema,
    content: asInCreate(ContentSchema),
    title: asInCreate(TitleSchema),
    summary: asInCreate(SummarySchema),
    tags: asInCreate(TagsSchema),
    importance: UnitSchema.optional(),
    confidence: UnitSchema.optional(),
    source: SourceSchema.optional(),
    scope: ScopeNameSchema.nullable().optional().describe('Move it to this scope; null: global.'),
    expected_updated_at: z
      .string()
      .max(64)
      .optional()
      .describe('Refuse the update if updated_at is no longer this.'),
  }),
  output: MemoryMetaSchema,
  // Destructive: the previous content, title or tags are overwritten and cannot be recovered.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  run: async ({ id, expected_updated_at, ...patch }, call) =>
    listed(await call.service().update(id, patch, expected_updated_at, call.signal)),
});

/** The create tool's word on the session's current scope, kept current as it changes. */
function scopeContext({ name, reason }: CurrentScope): string {
  return `Current scope: ${name ?? 'none'} (${reason}).`;
}

/** A memory as the tools answer it: its unset fields (null) left out. */
function listed<T extends object>(memory: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(memory).filter(([, value]) => value !== null)) as {
    [K in keyof T]: Exclude<T[K], null>;
  };
}

export const deleteMemories = defineTool({
  name: 'delete_memories',
  title: 'Delete memories',
  description: 'Delete memories for good, by id, when the user wants them forgotten.',
  input: z.object({ ids: ids(LIMITS.deleteIds) }),
  output: z.object({ deleted: z.array(z.string()), not_found: z.array(z.string()) }),
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  run: (args, call) => call.service().delete(args.ids, call.signal),
});
