/**
 * The memory-blob routes (CONTRACT.md §3.8–3.12) over the shared SQLite store. Content is kept
 * and returned exactly as received: the emulator never encrypts or decrypts. Creates and updates
 * must name the user's own memory key; every call needs an approved access request for the user.
 */

import type { BlobRow } from '../blob-store/types.js';
import {
  CreateMemoryBlobRequestSchema,
  ListMemoryBlobsQuerySchema,
  type MemoryBlob,
  type MemoryBlobList,
  type MemoryBlobResponse,
  UpdateMemoryBlobRequestSchema,
} from '../memoram/schemas.js';
import { requireAccess, userIdParam, withDeveloper } from './auth.js';
import type { EmulatorContext } from './context.js';
import { forbidden, type Handler, json, notFound, parseJsonBody, validate } from './http.js';
import { MAX_LIMIT } from './paging.js';
import type { Router } from './router.js';
import type { Developer } from './state.js';

const DEFAULT_LIMIT = 10;
const DELETED = { message: 'Memory blob deleted successfully.' };

function toResponse(row: BlobRow): MemoryBlobResponse {
  const { content: _content, ...rest } = row;
  return rest;
}

function toBlob(row: BlobRow): MemoryBlob {
  return { ...row };
}

/** Tag names as given, trimmed, without empty ones. */
function tagNames(names: readonly string[] | undefined): string[] | undefined {
  return names?.map((name) => name.trim()).filter((name) => name !== '');
}

/** Access to the user plus the memory key check create and update need (403 on a mismatch). */
function requireMemoryKey(
  ctx: EmulatorContext,
  developer: Developer,
  userId: string,
  memoryKey: string,
): void {
  requireAccess(ctx, developer, userId);
  if (ctx.state.userById(userId)?.memory_key !== memoryKey) {
    throw forbidden('memoryKey does not belong to this user_id.');
  }
}

function blobIdParam(params: Record<string, string>): string {
  return params.blobId ?? '';
}

function listBlobs(ctx: EmulatorContext): Handler {
  return withDeveloper(ctx, (developer, request) => {
    const query = validate(ListMemoryBlobsQuerySchema, Object.fromEntries(request.query), 'query');
    requireAccess(ctx, developer, query.user_id);
    const page = ctx.store.listBlobs(query.user_id, {
      limit: Math.min(query.limit ?? DEFAULT_LIMIT, MAX_LIMIT),
      cursor: query.cursor || undefined,
      tags: query.tags === undefined ? undefined : tagNames(query.tags.split(',')),
      searchQuery: query.searchQuery || undefined,
      importance: query.importance,
    });
    const list: MemoryBlobList = { memoryBlobs: page.blobs.map(toBlob), next_cursor: page.next_cursor };
    return json(200, list);
  });
}

function getBlob(ctx: EmulatorContext): Handler {
  return withDeveloper(ctx, (developer, request) => {
    const userId = userIdParam(request);
    requireAccess(ctx, developer, userId);
    const row = ctx.store.getBlob(userId, blobIdParam(request.params));
    if (!row) throw notFound('No memory blob with this id for this user.');
    return json(200, toBlob(row));
  });
}

function createBlob(ctx: EmulatorContext): Handler {
  return withDeveloper(ctx, (developer, request) => {
    const { user_id, memoryKey, tags, ...fields } = parseJsonBody(request, CreateMemoryBlobRequestSchema);
    requireMemoryKey(ctx, developer, user_id, memoryKey);
    const { blob } = ctx.store.createBlob(user_id, { ...fields, tags: tagNames(tags) }, ctx.clock.now());
    return json(201, toResponse(blob));
  });
}

function updateBlob(ctx: EmulatorContext): Handler {
  return withDeveloper(ctx, (developer, request) => {
    const { user_id, memoryKey, tags, ...fields } = parseJsonBody(request, UpdateMemoryBlobRequestSchema);
    requireMemoryKey(ctx, developer, user_id, memoryKey);
    const patch = { ...fields, tags: tagNames(tags) };
    const outcome = ctx.store.updateBlob(
      user_id,
      blobIdParam(request.params),
      patch,
      undefined,
      ctx.clock.now(),
    );
    if (outcome.status !== 'updated') throw notFound('No memory blob with this id for this user.');
    return json(200, toResponse(outcome.blob));
  });
}

function deleteBlob(ctx: EmulatorContext): Handler {
  return withDeveloper(ctx, (developer, request) => {
    const userId = userIdParam(request);
    requireAccess(ctx, developer, userId);
    if (!ctx.store.deleteBlob(userId, blobIdParam(request.params))) {
      throw notFound('No memory blob with this id for this user.');
    }
    return json(200, DELETED);
  });
}

export function addMemoryBlobRoutes(router: Router<Handler>, ctx: EmulatorContext): void {
  router
    .add('GET', '/memory-blobs', listBlobs(ctx))
    .add('POST', '/memory-blobs', createBlob(ctx))
    .add('GET', '/memory-blobs/{blobId}', getBlob(ctx))
    .add('PATCH', '/memory-blobs/{blobId}', updateBlob(ctx))
    .add('DELETE', '/memory-blobs/{blobId}', deleteBlob(ctx));
}
