/**
 * The id of a JSON-RPC request from the first bytes of its line, for answering a message too large
 * to parse: clients put `"id"` near the start, and an answer under the right id ends the client's
 * wait instead of leaving it to time out. Only a top-level `"id"` counts (not one inside params),
 * so this walks the JSON text tracking strings and depth rather than matching a pattern.
 */
import type { RequestId } from '@modelcontextprotocol/server';

export function recoverId(head: string): RequestId | null {
  let depth = 0;
  let i = 0;
  let lastKey: string | undefined;
  while (i < head.length) {
    const char = head[i]!;
    if (char === '"') {
      const end = stringEnd(head, i);
      if (end === -1) return null;
      const text = head.slice(i, end + 1);
      i = end + 1;
      const isKey = /^\s*:/.test(head.slice(i, i + 64));
      if (depth === 1 && isKey) lastKey = JSON.parse(text) as string;
      else if (depth === 1 && lastKey === 'id') return JSON.parse(text) as string;
      continue;
    }
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (depth === 1 && lastKey === 'id' && /[-0-9]/.test(char)) {
      const number = /^-?\d+(?=\s*[,}])/.exec(head.slice(i, i + 32));
      return number && Number.isSafeInteger(Number(number[0])) ? Number(number[0]) : null;
    } else if (char === ',') lastKey = undefined;
    i++;
  }
  return null;
}

/** The index of the quote that closes the string opening at `start`, or -1 if it runs past the head. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}
