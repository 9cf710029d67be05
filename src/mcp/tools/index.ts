/** The central list of tools, in the order clients show them. */
import { authorize } from './authorize.js';
import type { Tool } from './define-tool.js';
import { createMemory, deleteMemories, readMemories, searchMemories, updateMemory } from './memories.js';
import { listTags } from './tags.js';

export const TOOLS: readonly Tool[] = Object.freeze([
  searchMemories,
  readMemories,
  createMemory,
  updateMemory,
  deleteMemories,
  listTags,
  authorize,
]);
