/**
 * The export formats, shared by `memoram-mcp export` and the memory page: JSON
 * `{ format: "memoram-mcp-export", version: 1, memories: [...] }`, which import reads back, or
 * Markdown for reading.
 */
import type { Memory } from './types.js';

export const EXPORT_FORMAT = 'memoram-mcp-export';

export function exportJson(memories: readonly Memory[], now = new Date()): string {
  const rows = memories.map(({ unreadable: _unreadable, ...memory }) => memory);
  return `${JSON.stringify({ format: EXPORT_FORMAT, version: 1, exported_at: now.toISOString(), memories: rows }, null, 2)}\n`;
}

export function exportMarkdown(memories: readonly Memory[]): string {
  const sections = memories.map((memory) => {
    const meta = [
      `id: ${memory.id}`,
      memory.scope === null ? undefined : `scope: ${memory.scope}`,
      memory.tags.length > 0 ? `tags: ${memory.tags.join(', ')}` : undefined,
      memory.importance === null ? undefined : `importance: ${memory.importance}`,
      memory.source ? `source: ${memory.source}` : undefined,
      `created: ${memory.created_at}`,
    ].filter(Boolean);
    const summary = memory.summary ? `\n_${memory.summary}_\n` : '';
    const body = memory.unreadable ? '_(content could not be decrypted)_' : memory.content;
    return `## ${memory.title || memory.id}\n\n${meta.map((line) => `- ${line}`).join('\n')}\n${summary}\n${body}\n`;
  });
  return `# Memories\n\n${sections.join('\n')}`;
}
