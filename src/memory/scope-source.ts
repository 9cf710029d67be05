/**
 * Where the current scope comes from before a client says anything: MEMORAM_SCOPE's name, or
 * with `auto` the git repository holding the server's working directory (its top folder's
 * name), else none. The client's roots, which come later and win, are asked for by the MCP
 * layer (mcp/current-scope.ts); a root's scope is found here the same way.
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type CurrentScope, scopeNameFrom } from './scopes.js';

/** MEMORAM_SCOPE's value for the scope found by the server itself. */
export const AUTO_SCOPE = 'auto';

export interface ScopeSetting {
  /** MEMORAM_SCOPE: a scope's name, `auto`, or unset. */
  scope?: string | undefined;
  /** Where `auto` looks for a git repository when the client has no roots. */
  cwd?: string | undefined;
}

/**
 * The nearest folder at or above `start` holding `.git` (a folder, or the file a worktree or
 * submodule has), as `git rev-parse --show-toplevel` would name it, without running git. The
 * home folder is not a project even when it is a repository (people keep their dotfiles in
 * git): the search ends below it, or every folder under it would be one scope.
 */
export function gitTopFolder(start: string, home = os.homedir()): string | null {
  let dir = path.resolve(start);
  for (;;) {
    if (dir === home) return null;
    try {
      statSync(path.join(dir, '.git'));
      return dir;
    } catch {
      // Not here (or unreadable): look one folder up.
    }
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** The scope of a folder: its git repository's top folder name, else its own name. */
export function folderScopeName(folder: string): string | null {
  return scopeNameFrom(path.basename(gitTopFolder(folder) ?? folder));
}

export function startingScope(setting: ScopeSetting): CurrentScope {
  if (setting.scope === undefined) return { name: null, reason: 'MEMORAM_SCOPE is not set' };
  if (setting.scope !== AUTO_SCOPE) return { name: setting.scope, reason: 'MEMORAM_SCOPE' };
  const top = setting.cwd === undefined ? null : gitTopFolder(setting.cwd);
  const name = top === null ? null : scopeNameFrom(path.basename(top));
  if (top !== null && name !== null) return { name, reason: `the git repository ${top}` };
  return { name: null, reason: 'MEMORAM_SCOPE=auto found no roots and no git repository' };
}
