/**
 * A memory's scope on Memoram, which has no field for it: one reserved tag (SCOPE_TAG_PREFIX and
 * the scope's name) among the blob's tags. It is added on the way out and taken off on the way
 * in, so the replica, the tag lists and the model only ever see the scope, never the tag.
 */
import { SCOPE_TAG_PREFIX, ScopeNameSchema } from '../memory/scopes.js';

/** The blob's tags as Memoram keeps them: the memory's tags, then its scope's tag. */
export function tagsWithScope(tags: readonly string[], scope: string | null): string[] {
  const own = tags.filter((tag) => !isScopeTag(tag));
  return scope === null ? own : [...own, `${SCOPE_TAG_PREFIX}${scope}`];
}

/**
 * The memory's tags and scope from a blob's tags. A reserved tag whose name is no scope name (one
 * written by hand in Memoram's dashboard) is dropped, and the memory read as global.
 */
export function scopeFromTags(tags: readonly string[]): { tags: string[]; scope: string | null } {
  let scope: string | null = null;
  const own: string[] = [];
  for (const tag of tags) {
    if (!isScopeTag(tag)) own.push(tag);
    else if (scope === null) {
      const parsed = ScopeNameSchema.safeParse(tag.slice(SCOPE_TAG_PREFIX.length));
      if (parsed.success) scope = parsed.data;
    }
  }
  return { tags: own, scope };
}

function isScopeTag(tag: string): boolean {
  return tag.trim().toLowerCase().startsWith(SCOPE_TAG_PREFIX);
}
