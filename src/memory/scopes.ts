/**
 * Scopes: a memory belongs to one scope (a project, an agent, "work") or to none (global). What
 * a scope's name may be, and what a caller's choice of scope (a name, "global" or "*") means as
 * a filter, given the scope the caller works in.
 */
import { z } from 'zod';
import type { ScopeFilter } from './types.js';

/** The choice of every scope, in search_memories, list_tags and the memory page. */
export const ALL_SCOPES = '*';
/** The choice of memories of no scope; never a scope's name. */
export const GLOBAL_SCOPE = 'global';

/**
 * Short enough to travel inside Memoram's reserved tag (replica/scope-tag.ts) within the 64
 * characters a tag may have; lowercase, as tags are, so that "MyApp" and "myapp" are one scope.
 */
export const SCOPE_NAME_CHARS = 48;
const SCOPE_NAME = /^[\p{Ll}\p{Lo}\p{N}][\p{Ll}\p{Lo}\p{N}._-]*$/u;

/** Checked by refinement, so tools/list carries no pattern (it stays small); the message says the rule. */
export const ScopeNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(SCOPE_NAME_CHARS, `a scope name must be at most ${SCOPE_NAME_CHARS} characters`)
  .refine((name) => SCOPE_NAME.test(name), {
    message: 'a scope name is letters, digits, ".", "_" or "-", starting with a letter or digit',
  })
  .refine((name) => name !== GLOBAL_SCOPE, { message: '"global" means no scope; it is not a scope name' });

/**
 * A folder's name as a scope's name (MEMORAM_SCOPE=auto): lowercased, every run of other
 * characters made one "-", cut to length; null when nothing usable is left.
 */
export function scopeNameFrom(folder: string): string | null {
  const name = folder
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{Ll}\p{Lo}\p{N}._-]+/gu, '-')
    .replace(/^[._-]+/, '')
    .slice(0, SCOPE_NAME_CHARS)
    .replace(/-+$/, '');
  const parsed = ScopeNameSchema.safeParse(name);
  return parsed.success ? parsed.data : null;
}

/** The scope a caller works in, and how it was chosen (shown by status and the tool text). */
export interface CurrentScope {
  name: string | null;
  /** For example "MEMORAM_SCOPE", "the client's root /home/me/app", "the git repository /home/me/app". */
  reason: string;
}

/**
 * What a search sees: a name alone, global memories alone ("global"), every scope ("*"), or by
 * default the current scope and global memories (with no current scope: global ones only).
 */
export function scopeFilter(choice: string | undefined, current: string | null): ScopeFilter | undefined {
  if (choice === ALL_SCOPES) return undefined;
  if (choice === GLOBAL_SCOPE) return { names: [], global: true };
  if (choice !== undefined) return { names: [choice], global: false };
  return { names: current === null ? [] : [current], global: true };
}

/** A caller's choice of scope to search: a scope's name, "global" or "*". */
export const ScopeChoiceSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(SCOPE_NAME_CHARS, `scope must be at most ${SCOPE_NAME_CHARS} characters`)
  .refine(
    (choice) => choice === ALL_SCOPES || choice === GLOBAL_SCOPE || ScopeNameSchema.safeParse(choice).success,
    {
      message: 'scope is a scope name, "global" (memories of no scope) or "*" (every scope)',
    },
  );

/**
 * Memoram has no scope field, so the replica carries a memory's scope in one reserved tag,
 * `memoram-scope:<name>` (replica/scope-tag.ts). The spelling keeps within Memoram's tag rules
 * and this server's (lowercase, no comma, 14 + 48 characters ≤ 64), reads plainly in Memoram's
 * own dashboard, and names its owner, so a user's own `scope:` or `project:` tags stay theirs.
 * Tags a caller gives may not start with it.
 */
export const SCOPE_TAG_PREFIX = 'memoram-scope:';
