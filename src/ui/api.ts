/**
 * The memory page's JSON API, on the same MemoryService the MCP tools use: search with the tool's
 * engine and ranking, a memory in full, update with update_memory's limits and its optimistic
 * concurrency check, delete (answering the deleted memories, so the page can offer an undo while
 * it is open), restore, tags with counts, the store's facts, export, and a change stamp the page
 * polls to show writes made by other processes. Requests are checked by guard.ts before they
 * get here; bodies and query strings are parsed with zod.
 */
import { z } from 'zod';
import type { Connection } from '../connection/connection.js';
import type { Logger } from '../log/logger.js';
import { MemoramError } from '../memory/errors.js';
import { exportJson, exportMarkdown } from '../memory/export.js';
import {
  ContentSchema,
  LIMITS,
  MemoryFieldsSchema,
  SourceSchema,
  SummarySchema,
  TagSchema,
  TagsSchema,
  TitleSchema,
  UnitSchema,
} from '../memory/limits.js';
import { ALL_SCOPES, GLOBAL_SCOPE, ScopeNameSchema } from '../memory/scopes.js';
import type { MemoryService } from '../memory/service.js';
import type { StoreFacts } from './wire.js';

/** Restores and updates carry at most this much JSON: 50 memories of 32 KiB, escaped. */
const MAX_BODY_CHARS = 4 * 1024 * 1024;
const PAGE_SIZE = 20;

export interface ApiOptions {
  connection: Connection;
  readOnly: boolean;
  logger: Logger;
  facts: () => Omit<StoreFacts, 'memories'>;
}

const IdSchema = z.string().trim().min(1).max(100);
const isoDateTime = z.iso.datetime({ offset: true });

/** A scope's name, "global" (memories of no scope) or "*" (every scope, the page's default). */
const ScopeChoiceSchema = z
  .union([z.literal(ALL_SCOPES), z.literal(GLOBAL_SCOPE), ScopeNameSchema])
  .default(ALL_SCOPES);

const SearchQuerySchema = z.object({
  scope: ScopeChoiceSchema,
  q: z.string().max(LIMITS.queryChars).optional(),
  tags: z
    .string()
    .optional()
    .transform((value) => (value ? value.split(',') : undefined))
    .pipe(z.array(TagSchema).max(LIMITS.tags).optional()),
  min_importance: z.coerce.number().pipe(UnitSchema).optional(),
  source: SourceSchema.optional(),
  created_after: isoDateTime.optional(),
  created_before: isoDateTime.optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.searchLimit).default(PAGE_SIZE),
});

/** update_memory's fields, as the page edits them, with its concurrency check made mandatory. */
const UpdateSchema = z.object({
  content: ContentSchema.optional(),
  title: TitleSchema.optional(),
  summary: SummarySchema.optional(),
  tags: TagsSchema.optional(),
  importance: UnitSchema.optional(),
  expected_updated_at: z.string().min(1).max(64),
});

const DeleteSchema = z.object({ ids: z.array(IdSchema).min(1).max(LIMITS.deleteIds) });
const RestoreSchema = z.object({ memories: z.array(MemoryFieldsSchema).min(1).max(LIMITS.deleteIds) });

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function createApi(options: ApiOptions) {
  const { connection } = options;
  /** Writes this process's services made: a stamp that moves at once, before any poll reads the store. */
  let localWrites = 0;
  const watched = new WeakSet<MemoryService>();
  const service = (): MemoryService => {
    const current = connection.service();
    if (!watched.has(current)) {
      watched.add(current);
      current.onChange(() => {
        localWrites += 1;
      });
    }
    return current;
  };
  const writable = () => {
    if (options.readOnly)
      throw new ApiError(403, 'READ_ONLY', 'This page was started read-only (MEMORAM_READ_ONLY).');
    return service();
  };

  const routes: Record<string, (request: Request, id?: string) => Promise<unknown>> = {
    'GET /api/memories': async (request) => {
      const query = parse(SearchQuerySchema, queryOf(request));
      return service().search(
        {
          query: query.q?.trim() || undefined,
          tags: query.tags,
          minImportance: query.min_importance,
          source: query.source,
          createdAfter: query.created_after,
          createdBefore: query.created_before,
          cursor: query.cursor,
          limit: query.limit,
          scope: query.scope,
        },
        request.signal,
      );
    },
    'GET /api/memories/:id': async (request, id) => readOne(service(), id!, request.signal),
    'PATCH /api/memories/:id': async (request, id) => {
      const { expected_updated_at, ...patch } = parse(UpdateSchema, await body(request));
      const memories = writable();
      try {
        await memories.update(id!, patch, expected_updated_at, request.signal);
      } catch (error) {
        if (error instanceof MemoramError && error.code === 'CONFLICT') {
          // Shown to the person beside their edit, never overwritten.
          const current = await readOne(memories, id!, request.signal);
          throw Object.assign(new ApiError(409, 'CONFLICT', 'This memory changed elsewhere meanwhile.'), {
            current,
          });
        }
        throw error;
      }
      return readOne(memories, id!, request.signal);
    },
    'POST /api/delete': async (request) => {
      const { ids } = parse(DeleteSchema, await body(request));
      const memories = writable();
      // Read first, so the page can put them back while it is open.
      const { memories: before } = await memories.read(ids, request.signal);
      const result = await memories.delete(ids, request.signal);
      const deleted = new Set(result.deleted);
      return { ...result, memories: before.filter((memory) => deleted.has(memory.id) && !memory.unreadable) };
    },
    'POST /api/restore': async (request) => {
      const { memories: entries } = parse(RestoreSchema, await body(request));
      const memories = writable();
      const restored: string[] = [];
      for (const entry of entries) restored.push((await memories.create(entry, request.signal)).memory.id);
      return { restored };
    },
    'GET /api/tags': async (request) => {
      const { scope } = parse(z.object({ scope: ScopeChoiceSchema }), queryOf(request));
      return { tags: await service().listTags({ scope }, request.signal) };
    },
    'GET /api/scopes': async (request) => ({ scopes: await service().listScopes(request.signal) }),
    'GET /api/facts': async (request) => ({
      ...options.facts(),
      memories: await service()
        .count(request.signal)
        .catch(() => null),
    }),
    'GET /api/changes': async (request) => ({ stamp: await stamp(request.signal) }),
  };

  /** Moves with every create, update and delete, whichever process made it. */
  const stamp = async (signal: AbortSignal): Promise<string> => {
    const memories = service();
    const [count, latest] = await Promise.all([
      memories.count(signal),
      memories.recent(1, { scope: ALL_SCOPES }, signal),
    ]);
    const top = latest[0];
    return `${localWrites}.${count}.${top ? `${top.id}@${top.updated_at}` : ''}`;
  };

  return {
    /** The API's answer, or undefined when the path is not one of its own. */
    async handle(request: Request): Promise<Response | undefined> {
      const url = new URL(request.url);
      if (!url.pathname.startsWith('/api/')) return undefined;
      if (url.pathname === '/api/export' && request.method === 'GET') return exportAnswer(request);
      const match = /^\/api\/memories\/([^/]+)$/.exec(url.pathname);
      const key = `${request.method.toUpperCase()} ${match ? '/api/memories/:id' : url.pathname}`;
      const route = routes[key];
      if (!route) return json(404, { error: 'NOT_FOUND', message: 'No such page.' });
      try {
        const id = match ? parse(IdSchema, decodeURIComponent(match[1]!)) : undefined;
        return json(200, await route(request, id));
      } catch (error) {
        return failure(error, options.logger);
      }
    },
  };

  async function exportAnswer(request: Request): Promise<Response> {
    try {
      const format = new URL(request.url).searchParams.get('format') === 'markdown' ? 'markdown' : 'json';
      const all = await service().all(request.signal);
      const day = new Date().toISOString().slice(0, 10);
      const [text, type, ext] =
        format === 'json'
          ? [exportJson(all), 'application/json', 'json']
          : [exportMarkdown(all), 'text/markdown', 'md'];
      return new Response(text, {
        headers: {
          'content-type': `${type}; charset=utf-8`,
          'content-disposition': `attachment; filename="memories-${day}.${ext}"`,
        },
      });
    } catch (error) {
      return failure(error, options.logger);
    }
  }
}

async function readOne(memories: MemoryService, id: string, signal: AbortSignal) {
  const { memories: found } = await memories.read([id], signal);
  const memory = found[0];
  if (!memory) throw new ApiError(404, 'NOT_FOUND', 'This memory is gone: it was deleted.');
  return memory;
}

function queryOf(request: Request): Record<string, string> {
  return Object.fromEntries(new URL(request.url).searchParams);
}

function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.');
  throw new ApiError(400, 'INVALID_INPUT', `${where ? `${where}: ` : ''}${issue?.message ?? 'invalid'}`);
}

async function body(request: Request): Promise<unknown> {
  if (!request.headers.get('content-type')?.startsWith('application/json')) {
    throw new ApiError(415, 'INVALID_INPUT', 'Send JSON.');
  }
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_CHARS) throw new ApiError(413, 'INVALID_INPUT', 'The request is too large.');
  const text = await request.text();
  if (text.length > MAX_BODY_CHARS) throw new ApiError(413, 'INVALID_INPUT', 'The request is too large.');
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'INVALID_INPUT', 'The request is not JSON.');
  }
}

const STATUS: Partial<Record<string, number>> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_INPUT: 400,
  READ_ONLY: 403,
  AUTH_REQUIRED: 503,
  APPROVAL_PENDING: 503,
  ACCESS_REVOKED: 503,
  ACCESS_DENIED: 503,
  UPSTREAM_UNAVAILABLE: 502,
};

/** What the page shows: the domain's message for people (no tool names), never a stack or content. */
const PEOPLE_TEXT: Partial<Record<string, string>> = {
  AUTH_REQUIRED: 'This server is not connected to a Memoram account yet: run `memoram-mcp authorize`.',
  APPROVAL_PENDING: 'The Memoram access request is waiting for approval in your Memoram dashboard.',
};

function failure(error: unknown, logger: Logger): Response {
  if (error instanceof ApiError) {
    const extra = 'current' in error ? { current: (error as { current: unknown }).current } : {};
    return json(error.status, { error: error.code, message: error.message, ...extra });
  }
  if (error instanceof MemoramError) {
    const message = PEOPLE_TEXT[error.code] ?? error.message;
    return json(STATUS[error.code] ?? 500, { error: error.code, message });
  }
  if (error instanceof Error && error.name === 'AbortError')
    return json(499, { error: 'ABORTED', message: '' });
  logger.error('a memory page request failed', { error });
  return json(500, { error: 'INTERNAL', message: 'Internal error, see the server log.' });
}

function json(status: number, value: unknown): Response {
  return Response.json(value, { status });
}
