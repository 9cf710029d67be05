/**
 * The Memoram REST client (CONTRACT.md §3): one method per endpoint, each returning the contract's
 * wire type parsed with the zod schemas of schemas.ts. It owns the request pipeline: the developer
 * JWT (token.ts), one keep-alive pool per origin, a deadline per attempt and the caller's abort
 * signal (transport.ts), retries by the rules of retry.ts, status → error mapping (errors.ts).
 *
 * Two outcomes callers must know about:
 * - `createMemoryBlob` never posts twice blindly: after a failure that may hide a landed write, it
 *   looks for the blob (same content and title, created since the call began) and returns it.
 *   After no answer at all (a timeout on a slow server) it keeps looking for `settleMs` before a
 *   re-post, and says so through `onUnsettled` when the first post may still land later; the
 *   re-post sends the same sealed content, so the caller can tell a late twin (replica/).
 *   What it cannot see: a blob beyond the newest 300 if the server's list is not newest-first.
 * - `createAccessRequest` likewise never files a second request blindly: after a 429 or a 503
 *   with Retry-After it looks in the developer's list first; after any other failure it looks
 *   and, finding nothing, throws without posting again (retry.ts, `check-first`).
 * - `deleteMemoryBlob` is retried like any idempotent call, so when a response is lost the retry
 *   can find the blob already gone: that surfaces as `NotFoundError` with `afterRetry: true`, which
 *   callers should treat as deleted (a 404 with `afterRetry: false` means it never existed).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type Dispatcher, Pool } from 'undici';
import type { z } from 'zod';
import { type Logger, silentLogger } from '../log/logger.js';
import { UnexpectedResponseError } from './errors.js';
import { type Call, json, RequestPipeline } from './pipeline.js';
import {
  type AccessRequest,
  type AccessRequestList,
  AccessRequestListSchema,
  AccessRequestSchema,
  AuthTokenResponseSchema,
  type CreateAccessRequest,
  type CreateMemoryBlobRequest,
  type MemoryBlob,
  type MemoryBlobList,
  MemoryBlobListSchema,
  type MemoryBlobResponse,
  MemoryBlobResponseSchema,
  MemoryBlobSchema,
  type Tag,
  type TagList,
  TagListSchema,
  TagSchema,
  type UpdateMemoryBlobRequest,
  type UserCredentials,
  UserCredentialsSchema,
} from './schemas.js';
import type { IssuedToken } from './token.js';
import type { RawResponse } from './transport.js';

export interface MemoramClientOptions {
  /** The API root, e.g. `https://api.memoram.app/api/v1`. */
  apiUrl: string;
  apiKey: string;
  /** Injected dispatcher (e.g. a MockAgent); the caller keeps ownership and closes it. */
  dispatcher?: Dispatcher;
  /** Deadline of one attempt, headers and body included. Default 15 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /**
   * How long a create that got no answer is looked for before it is posted again. Default 10 s:
   * long enough for a server that answers a little after the deadline, short of a tool call's.
   */
  settleMs?: number;
  logger?: Logger;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of jitter in [0, 1). */
  random?: () => number;
}

export interface CallOptions {
  /** Cancels the HTTP call (and any wait between retries) with an `AbortedError`. */
  signal?: AbortSignal;
}

export interface CreateOptions extends CallOptions {
  /**
   * When the same sealed content was first sent (an earlier call whose outcome is unknown): the
   * landed blob is looked for among those created since then. Default: the start of this call.
   */
  since?: number;
  /** Told when an attempt got no answer and did not show up: a copy may still land later. */
  onUnsettled?: () => void;
}

export interface ListMemoryBlobsQuery {
  user_id: string;
  limit?: number;
  cursor?: string;
  /** Tag names, any of which matches; sent comma-separated, so names must not contain commas. */
  tags?: string | readonly string[];
  searchQuery?: string;
  /** Minimum importance (0–1). */
  importance?: number;
}

const MAX_PAGE_SIZE = 100; // CONTRACT §6: the maximum limit is undocumented; do not exceed 100.
const VERIFY_MAX_PAGES = 3;
/** How far the server's clock may lag ours when matching a landed create by `created_at`. */
const CREATE_CLOCK_SKEW_MS = 120_000;

export class MemoramClient {
  private readonly basePath: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly now: () => number;
  private readonly pipeline: RequestPipeline;
  private closing: Promise<void> | undefined;

  constructor(options: MemoramClientOptions) {
    const url = new URL(options.apiUrl);
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.ownsDispatcher = options.dispatcher === undefined;
    // A bounded keep-alive pool: sequential calls reuse one socket, bursts cannot open dozens.
    this.dispatcher = options.dispatcher ?? new Pool(url.origin, { connections: 8 });
    this.now = options.now ?? Date.now;
    this.pipeline = new RequestPipeline({
      origin: url.origin,
      dispatcher: this.dispatcher,
      timeoutMs: options.timeoutMs ?? 15_000,
      maxRetries: options.maxRetries ?? 2,
      settleMs: options.settleMs ?? 10_000,
      logger: options.logger ?? silentLogger,
      now: this.now,
      sleep: options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal })),
      random: options.random ?? Math.random,
      tokenCall: this.tokenCall(options.apiKey),
    });
  }

  /** Files an access request; see the module comment for how a retry avoids a second one. */
  createAccessRequest(body: CreateAccessRequest, options: CallOptions = {}): Promise<AccessRequest> {
    const startedAt = this.now();
    const path = this.pathOf('/access-requests');
    const call = { method: 'POST', route: '/access-requests', path, body, retry: 'check-first' } as const;
    const verify = (signal?: AbortSignal) => this.findAccessRequest(body, startedAt, signal);
    return this.pipeline.send({ ...call, read: json(AccessRequestSchema), verify }, options.signal);
  }

  /** All of this developer's access requests, following `next_cursor` if the server pages them. */
  async listAccessRequests(options: CallOptions = {}): Promise<AccessRequestList> {
    let total = 0;
    const items = await this.collect('GET /access-requests', async (cursor) => {
      const page = await this.get('/access-requests', {}, { cursor }, AccessRequestListSchema, options);
      total = cursor === undefined ? page.total : total;
      return { items: page.items, next: page.next_cursor };
    });
    return { items, total, next_cursor: null };
  }

  getAccessRequest(id: string, options: CallOptions = {}): Promise<AccessRequest> {
    return this.get('/access-requests/{requestId}', { requestId: id }, {}, AccessRequestSchema, options);
  }

  /** 403 (`ForbiddenError`) unless the request is approved. */
  getCredentials(id: string, options: CallOptions = {}): Promise<UserCredentials> {
    const route = '/access-requests/{requestId}/credentials';
    return this.get(route, { requestId: id }, {}, UserCredentialsSchema, options);
  }

  listMemoryBlobs(query: ListMemoryBlobsQuery, options: CallOptions = {}): Promise<MemoryBlobList> {
    const tags = typeof query.tags === 'string' ? query.tags : query.tags?.join(',');
    const params = { ...query, tags };
    return this.get('/memory-blobs', {}, params, MemoryBlobListSchema, options);
  }

  /** Every blob of the user, page by page (at most 100 a page). */
  listAllMemoryBlobs(
    userId: string,
    options: CallOptions & { pageSize?: number } = {},
  ): Promise<MemoryBlob[]> {
    const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(options.pageSize ?? MAX_PAGE_SIZE)));
    return this.collect('GET /memory-blobs', async (cursor) => {
      const page = await this.listMemoryBlobs({ user_id: userId, limit, ...(cursor && { cursor }) }, options);
      return { items: page.memoryBlobs, next: page.next_cursor };
    });
  }

  getMemoryBlob(id: string, userId: string, options: CallOptions = {}): Promise<MemoryBlob> {
    const query = { user_id: userId };
    return this.get('/memory-blobs/{blobId}', { blobId: id }, query, MemoryBlobSchema, options);
  }

  /** Creates a blob; see the module comment for how a retry avoids a duplicate. */
  createMemoryBlob(body: CreateMemoryBlobRequest, options: CreateOptions = {}): Promise<MemoryBlobResponse> {
    const startedAt = options.since ?? this.now();
    const path = this.pathOf('/memory-blobs');
    const call = { method: 'POST', route: '/memory-blobs', path, body, retry: 'verify-first' } as const;
    const verify = (signal?: AbortSignal) => this.findCreated(body, startedAt, signal);
    const read = json(MemoryBlobResponseSchema);
    const { onUnsettled } = options;
    return this.pipeline.send({ ...call, read, verify, ...(onUnsettled && { onUnsettled }) }, options.signal);
  }

  /**
   * The blob an earlier create of exactly this body made, created since `since` (ms), if any:
   * how a later call settles a create whose outcome was left open.
   */
  findCreatedMemoryBlob(
    body: CreateMemoryBlobRequest,
    since: number,
    options: CallOptions = {},
  ): Promise<MemoryBlobResponse | undefined> {
    return this.findCreated(body, since, options.signal);
  }

  updateMemoryBlob(
    id: string,
    body: UpdateMemoryBlobRequest,
    options: CallOptions = {},
  ): Promise<MemoryBlobResponse> {
    const route = '/memory-blobs/{blobId}';
    const path = this.pathOf(route, { blobId: id });
    const call = { method: 'PATCH', route, path, body, retry: 'idempotent' } as const;
    // A PATCH resent while the first may still land could land after a later write and undo it:
    // after no answer, look whether the blob already reads as patched before resending.
    const verify = async (signal?: AbortSignal) => {
      const blob = await this.getMemoryBlob(id, body.user_id, { signal });
      return isPatched(blob, body) ? MemoryBlobResponseSchema.parse(blob) : undefined;
    };
    return this.pipeline.send({ ...call, read: json(MemoryBlobResponseSchema), verify }, options.signal);
  }

  /** Accepts 200 or 204 and ignores the body. See the module comment on `afterRetry` 404s. */
  async deleteMemoryBlob(id: string, userId: string, options: CallOptions = {}): Promise<void> {
    const route = '/memory-blobs/{blobId}';
    const path = this.pathOf(route, { blobId: id }, { user_id: userId });
    const call = { method: 'DELETE', route, path, retry: 'idempotent' } as const;
    await this.pipeline.send({ ...call, read: () => undefined }, options.signal);
  }

  /** All of the user's tags, following `next_cursor` if the server pages them. */
  async listTags(userId: string, options: CallOptions = {}): Promise<TagList> {
    const items = await this.collect('GET /tags', async (cursor) => {
      const page = await this.get('/tags', {}, { user_id: userId, cursor }, TagListSchema, options);
      return { items: page.items, next: page.next_cursor };
    });
    return { items, next_cursor: null };
  }

  getTag(id: string, userId: string, options: CallOptions = {}): Promise<Tag> {
    return this.get('/tags/{tagId}', { tagId: id }, { user_id: userId }, TagSchema, options);
  }

  /** Closes the pool the client created (not an injected dispatcher); later calls fail. */
  async close(): Promise<void> {
    this.pipeline.close();
    if (this.ownsDispatcher) this.closing ??= this.dispatcher.close();
    await this.closing;
  }

  private get<T>(
    route: string,
    params: Record<string, string>,
    query: Record<string, string | number | undefined>,
    schema: z.ZodType<T>,
    options: CallOptions,
  ): Promise<T> {
    const path = this.pathOf(route, params, query);
    const call = { method: 'GET', route, path, retry: 'idempotent' } as const;
    return this.pipeline.send({ ...call, read: json(schema) }, options.signal);
  }

  /**
   * A blob this call created, among the user's newest: identical content (ciphertext with a random
   * IV, so unique to this call) and title, created since the call began (allowing for skew).
   */
  private async findCreated(
    body: CreateMemoryBlobRequest,
    startedAt: number,
    signal: AbortSignal | undefined,
  ): Promise<MemoryBlobResponse | undefined> {
    const notBefore = startedAt - CREATE_CLOCK_SKEW_MS;
    const recent = (blob: MemoryBlob) => Date.parse(blob.created_at) >= notBefore;
    let cursor: string | undefined;
    for (let page = 0; page < VERIFY_MAX_PAGES; page += 1) {
      const query = { user_id: body.user_id, limit: MAX_PAGE_SIZE, ...(cursor && { cursor }) };
      const list = await this.listMemoryBlobs(query, { signal });
      // An empty title and a missing one are the same title to a server that normalises them.
      const match = list.memoryBlobs.find(
        (blob) => blob.content === body.content && (blob.title || '') === (body.title || '') && recent(blob),
      );
      // Parsing strips `content`, so a found blob reads exactly like a create's response.
      if (match) return MemoryBlobResponseSchema.parse(match);
      // When the list runs newest first (the emulator's order; the contract leaves it open), a page
      // with nothing recent means the rest is older still.
      if (!list.next_cursor || !list.memoryBlobs.some(recent)) return undefined;
      cursor = list.next_cursor;
    }
    return undefined;
  }

  /**
   * The newest pending or approved request for this memory key with this reason, created since
   * `startedAt` (allowing for skew): the one a call whose answer was lost filed (one of a moment
   * before with the same key and reason is as good: the user would approve it the same way).
   */
  async findAccessRequest(
    body: CreateAccessRequest,
    startedAt: number,
    signal?: AbortSignal,
  ): Promise<AccessRequest | undefined> {
    const notBefore = startedAt - CREATE_CLOCK_SKEW_MS;
    const { items } = await this.listAccessRequests(signal ? { signal } : {});
    const matches = items.filter(
      (item) =>
        item.memoryKey === body.memoryKey &&
        item.reason === body.reason &&
        (item.status === 'pending' || item.status === 'approved') &&
        Date.parse(item.createdAt) >= notBefore,
    );
    return matches.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  }

  private async collect<I>(
    endpoint: string,
    fetchPage: (cursor: string | undefined) => Promise<{ items: I[]; next?: string | null | undefined }>,
  ): Promise<I[]> {
    const all: I[] = [];
    const seen = new Set<string>();
    for (let cursor: string | undefined; ; ) {
      const page = await fetchPage(cursor);
      all.push(...page.items);
      if (!page.next) return all;
      if (seen.has(page.next)) throw new UnexpectedResponseError(endpoint, 200, 'next_cursor repeats');
      seen.add(page.next);
      cursor = page.next;
    }
  }

  /** `POST /auth/token`: unauthenticated, side-effect free, so retried like a read. */
  private tokenCall(apiKey: string): Call<IssuedToken> {
    const read = (response: RawResponse, endpoint: string) => ({
      body: json(AuthTokenResponseSchema)(response, endpoint),
      headers: response.headers,
    });
    const path = this.pathOf('/auth/token');
    return {
      method: 'POST',
      route: '/auth/token',
      path,
      body: { api_key: apiKey },
      auth: false,
      retry: 'idempotent',
      read,
    };
  }

  private pathOf(
    route: string,
    params: Record<string, string> = {},
    query: Record<string, string | number | undefined> = {},
  ): string {
    const path = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) search.set(key, String(value));
    }
    const qs = search.toString();
    return `${this.basePath}${path}${qs ? `?${qs}` : ''}`;
  }
}

/** Whether `blob` carries every field `patch` sets (content compared as sent: sealed, IV and all). */
function isPatched(blob: MemoryBlob, patch: UpdateMemoryBlobRequest): boolean {
  const { user_id: _user, memoryKey: _key, tags, ...fields } = patch;
  const same = Object.entries(fields).every(
    ([name, value]) => value === undefined || blob[name as keyof MemoryBlob] === value,
  );
  if (!same || tags === undefined) return same;
  const given = [...new Set(tags.map((tag) => tag.trim()).filter(Boolean))].sort();
  const stored = [...new Set((blob.tags ?? []).map((tag) => tag.trim()))].sort();
  return given.length === stored.length && given.every((tag, at) => tag === stored[at]);
}
