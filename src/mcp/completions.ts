/**
 * Suggestions for `completion/complete`: tag names for the `recall` prompt's topic, memory ids for
 * the `memoram://memories/{id}` template (matched on the id or the title). They come from the
 * store as it is now, of the session's current scope and global ones; while the server is not
 * connected (authorize pending) there are none.
 */

import { currentService } from './resources.js';
import type { SessionDeps } from './server.js';

/** The protocol's cap on one completion answer. */
const MAX_VALUES = 100;
/** Recent memories searched for an id or title; a client's picker needs no more. */
const CANDIDATE_MEMORIES = 200;

/** Prefix matches first, then the other names holding the typed text; case-insensitive. */
function rank(names: readonly string[], typed: string): string[] {
  const needle = typed.trim().toLowerCase();
  const starts = names.filter((name) => name.toLowerCase().startsWith(needle));
  const contains = names.filter((name) => !starts.includes(name) && name.toLowerCase().includes(needle));
  return [...starts, ...contains].slice(0, MAX_VALUES);
}

export async function tagSuggestions(deps: SessionDeps, typed: string): Promise<string[]> {
  const service = currentService(deps.connection);
  if (!service) return [];
  const { name } = await deps.currentScope.settled();
  const tags = await service.listTags({ current: name });
  return rank(
    tags.map((tag) => tag.name),
    typed,
  );
}

export async function memorySuggestions(deps: SessionDeps, typed: string): Promise<string[]> {
  const service = currentService(deps.connection);
  if (!service) return [];
  const { name } = await deps.currentScope.settled();
  const memories = await service.recent(CANDIDATE_MEMORIES, { current: name });
  const needle = typed.trim().toLowerCase();
  const byId = rank(
    memories.map((memory) => memory.id),
    typed,
  );
  const byTitle = memories
    .filter((memory) => !byId.includes(memory.id) && memory.title.toLowerCase().includes(needle))
    .map((memory) => memory.id);
  return [...byId, ...byTitle].slice(0, MAX_VALUES);
}
