/**
 * The page's calls to its server (src/ui/api.ts): same origin, the session cookie sent by the
 * browser, and the CSRF token from the document on every write.
 */

import type { DeleteAnswer, HitPage, Memory, Scope, StoreFacts, Tag } from '../wire.js';

export type { Hit, Memory } from '../wire.js';
export type Facts = StoreFacts;

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

const csrf = document.querySelector<HTMLMetaElement>('meta[name="memoram-csrf"]')?.content ?? '';

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-memoram-csrf'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiFailure(
      0,
      'OFFLINE',
      'The memory page’s server does not answer: is memoram-mcp still running?',
      {},
    );
  }
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const message = typeof answer['message'] === 'string' ? answer['message'] : `Error ${response.status}`;
    throw new ApiFailure(response.status, String(answer['error'] ?? 'ERROR'), message, answer);
  }
  return answer as T;
}

export const api = {
  search: (params: URLSearchParams) => call<HitPage>('GET', `/api/memories?${params}`),
  read: (id: string) => call<Memory>('GET', `/api/memories/${encodeURIComponent(id)}`),
  update: (id: string, patch: Record<string, unknown>) =>
    call<Memory>('PATCH', `/api/memories/${encodeURIComponent(id)}`, patch),
  delete: (ids: string[]) => call<DeleteAnswer>('POST', '/api/delete', { ids }),
  restore: (memories: Record<string, unknown>[]) =>
    call<{ restored: string[] }>('POST', '/api/restore', { memories }),
  tags: (scope: string) => call<{ tags: Tag[] }>('GET', `/api/tags?${new URLSearchParams({ scope })}`),
  scopes: () => call<{ scopes: Scope[] }>('GET', '/api/scopes'),
  facts: () => call<Facts>('GET', '/api/facts'),
  changes: () => call<{ stamp: string }>('GET', '/api/changes'),
};

/** The fields that bring a deleted memory back (as a new memory with the same text, labels and scope). */
export function restorable(memory: Memory): Record<string, unknown> {
  const fields: Record<string, unknown> = { content: memory.content, tags: memory.tags };
  if (memory.title) fields['title'] = memory.title;
  if (memory.summary) fields['summary'] = memory.summary;
  if (memory.importance !== null) fields['importance'] = memory.importance;
  if (memory.confidence !== null) fields['confidence'] = memory.confidence;
  if (memory.source) fields['source'] = memory.source;
  fields['scope'] = memory.scope;
  return fields;
}
