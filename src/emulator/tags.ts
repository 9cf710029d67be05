/**
 * The tag routes (CONTRACT.md §3.13–3.14): read-only; tags come into being through blob writes.
 */

import type { TagRow } from '../blob-store/types.js';
import type { Tag, TagList } from '../memoram/schemas.js';
import { requireAccess, userIdParam, withDeveloper } from './auth.js';
import type { EmulatorContext } from './context.js';
import { type Handler, json, notFound } from './http.js';
import { ascending, paginate } from './paging.js';
import type { Router } from './router.js';

function toTag(row: TagRow): Tag {
  const { id, name, description, color, is_enabled, created_at, updated_at } = row;
  return { id, name, description, color, is_enabled, created_at, updated_at };
}

export function addTagRoutes(router: Router<Handler>, ctx: EmulatorContext): void {
  router
    .add(
      'GET',
      '/tags',
      withDeveloper(ctx, (developer, request) => {
        const userId = userIdParam(request);
        requireAccess(ctx, developer, userId);
        const tags = ctx.store.listTags(userId).map(toTag);
        const list: TagList = paginate(tags, request.query, (tag) => tag.name, ascending);
        return json(200, list);
      }),
    )
    .add(
      'GET',
      '/tags/{tagId}',
      withDeveloper(ctx, (developer, request) => {
        const userId = userIdParam(request);
        requireAccess(ctx, developer, userId);
        const tag = ctx.store.getTag(userId, request.params.tagId ?? '');
        if (!tag) throw notFound('No tag with this id for this user.');
        return json(200, toTag(tag));
      }),
    );
}
