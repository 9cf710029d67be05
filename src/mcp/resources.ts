/**
 * The MCP resources and their change notifications: `memoram://memories/{id}` (one memory with its
 * content; listing offers the most recent ones), `memoram://tags` and `memoram://status`. After a
 * write, subscribers hear `notifications/resources/updated` for what changed, and every client
 * hears `resources/list_changed` when memories come or go. Changes are gathered for a moment first,
 * so a burst of writes (an import, a client saving in parallel) is one notification per URI.
 *
 * Subscriptions differ by protocol era: a 2025-era client subscribes per URI with
 * `resources/subscribe`, so this server keeps the set and notifies only those; on 2026-07-28 the
 * serving entry holds each client's `subscriptions/listen` filter and drops what it did not ask
 * for, so everything is handed to it.
 */
import {
  type McpServer,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  ResourceNotFoundError,
  ResourceTemplate,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Connection, ConnectionState } from '../connection/connection.js';
import { isMemoramError } from '../memory/errors.js';
import type { ChangeEvent, MemoryService } from '../memory/service.js';
import { memorySuggestions } from './completions.js';
import type { SessionDeps } from './server.js';

export const TAGS_URI = 'memoram://tags';
export const STATUS_URI = 'memoram://status';
const MEMORY_TEMPLATE = 'memoram://memories/{id}';
/** Enough for a client's resource picker; search_memories reaches the rest. */
const LISTED_MEMORIES = 50;
/** The first protocol revision whose serving entry filters change notifications itself. */
const MODERN_REVISION = '2026-07-28';
const JSON_MIME = 'application/json';
/** How long changes gather before they are announced. */
const NOTIFY_AFTER_MS = 50;

export function memoryUri(id: string): string {
  return `memoram://memories/${encodeURIComponent(id)}`;
}

/** The codes with which connection.service() says "not connected right now", not "broken". */
const NOT_CONNECTED: readonly string[] = ['AUTH_REQUIRED', 'APPROVAL_PENDING', 'ACCESS_REVOKED'];

/**
 * The service when the server is connected; undefined while it waits for authorize or for the
 * user's approval, and after access was rejected or revoked.
 */
export function currentService(connection: Connection): MemoryService | undefined {
  try {
    return connection.service();
  } catch (error) {
    if (isMemoramError(error) && NOT_CONNECTED.includes(error.code)) return undefined;
    throw error;
  }
}

/** Registers the resources; returns what stops their change notifications (call it on close). */
export function registerResources(server: McpServer, deps: SessionDeps): () => void {
  const read = guardedReader(deps);
  server.registerResource(
    'memory',
    new ResourceTemplate(MEMORY_TEMPLATE, {
      list: () => read(MEMORY_TEMPLATE, () => listMemories(deps)),
      complete: { id: (typed) => memorySuggestions(deps, typed) },
    }),
    {
      title: 'Memory',
      description: 'One memory with its full content, as JSON.',
      mimeType: JSON_MIME,
    },
    (uri, variables) => read(uri.href, () => readMemory(deps, uri.href, variables['id'])),
  );
  server.registerResource(
    'tags',
    TAGS_URI,
    { title: 'Tags', description: 'Every tag in use, with how many memories carry it.', mimeType: JSON_MIME },
    (uri) =>
      read(uri.href, async () => {
        const { name } = await deps.currentScope.settled();
        return json(uri.href, { tags: await deps.connection.service().listTags({ current: name }) });
      }),
  );
  server.registerResource(
    'status',
    STATUS_URI,
    {
      title: 'Connection status',
      description:
        'Which memory store this server uses, whether it is connected, how many memories it holds, and the current scope.',
      mimeType: JSON_MIME,
    },
    (uri) => read(uri.href, async () => json(uri.href, await status(deps))),
  );
  const subscribed = handleSubscriptions(server);
  const notifier = changeNotifier(server, deps, subscribed);
  const stopWatching = watchChanges(deps.connection, notifier.change);
  return () => {
    stopWatching();
    notifier.stop();
  };
}

async function listMemories(deps: SessionDeps) {
  const service = currentService(deps.connection);
  const { name } = await deps.currentScope.settled();
  const memories = service ? await service.recent(LISTED_MEMORIES, { current: name }) : [];
  return {
    resources: memories.map((memory) => ({
      uri: memoryUri(memory.id),
      name: memory.id,
      title: memory.title || memory.id,
      ...(memory.summary ? { description: memory.summary } : {}),
      mimeType: JSON_MIME,
    })),
  };
}

const IdVariableSchema = z.string().min(1).max(300);

async function readMemory(deps: SessionDeps, uri: string, variable: unknown): Promise<ReadResourceResult> {
  const id = decodedId(variable);
  if (id === undefined) throw new ResourceNotFoundError(uri);
  const { memories } = await deps.connection.service().read([id]);
  const memory = memories[0];
  if (!memory) throw new ResourceNotFoundError(uri, `No memory has the id ${id}.`);
  return json(uri, memory);
}

/** The template variable arrives as written in the URI, percent-encoded (see memoryUri). */
function decodedId(variable: unknown): string | undefined {
  const parsed = IdVariableSchema.safeParse(variable);
  if (!parsed.success) return undefined;
  try {
    return decodeURIComponent(parsed.data);
  } catch {
    return undefined; // malformed percent-encoding: no memory can have that URI
  }
}

/**
 * What the status resource shows: never keys or tokens, nor the authorization URL (it carries the
 * flow's state, and reaches the user only through authorize, which exists to hand it over).
 */
async function status({ connection, currentScope }: SessionDeps) {
  const { authorization_url: _url, ...state }: ConnectionState & { authorization_url?: string } =
    connection.status();
  const service = currentService(connection);
  const scope = await currentScope.settled();
  const meaning = service?.searchByMeaning();
  return {
    backend: connection.backend,
    ...state,
    memory_count: service ? await service.count() : null,
    scope: scope.name,
    scope_reason: scope.reason,
    ...(meaning ? { search_by_meaning: meaning } : {}),
  };
}

function json(uri: string, value: unknown): ReadResourceResult {
  return { contents: [{ uri, mimeType: JSON_MIME, text: JSON.stringify(value) }] };
}

/**
 * The resource counterpart of the tool seam: domain errors become protocol errors carrying their
 * user text; anything unexpected is logged and answered without internals.
 */
function guardedReader(deps: SessionDeps) {
  return async <T>(uri: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      if (error instanceof ProtocolError) throw error;
      if (isMemoramError(error)) {
        if (error.code === 'NOT_FOUND') throw new ResourceNotFoundError(uri, error.userText);
        throw new ProtocolError(ProtocolErrorCode.InvalidRequest, error.userText);
      }
      deps.logger.error('reading a resource failed', { uri, error });
      throw new ProtocolError(ProtocolErrorCode.InternalError, 'Internal error, see the server log.');
    }
  };
}

/** 2025-era per-URI subscriptions; the set lives and dies with this server instance. */
function handleSubscriptions(server: McpServer): ReadonlySet<string> {
  const subscribed = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });
  return subscribed;
}

type Change = ChangeEvent | { type: 'connected' };

function changeNotifier(server: McpServer, deps: SessionDeps, subscribed: ReadonlySet<string>) {
  const send = (notification: Promise<void>) =>
    notification.catch((error) => deps.logger.debug('a change notification was not delivered', { error }));
  const gathered = gatherChanges((uris, listChanged) => {
    if (!server.isConnected()) return;
    // Dated revisions compare as strings.
    const modern = (server.server.getNegotiatedProtocolVersion() ?? '') >= MODERN_REVISION;
    for (const uri of uris) {
      if (modern || subscribed.has(uri)) send(server.server.sendResourceUpdated({ uri }));
    }
    if (listChanged) send(server.server.sendResourceListChanged());
  });
  return {
    change(change: Change) {
      if (server.isConnected()) gathered.change(change);
    },
    stop: gathered.stop,
  };
}

/** Where the 2026-07-28 HTTP entry takes change events (its `notify`), for its listen streams. */
export interface ResourceChangeSink {
  resourceUpdated(uri: string): void;
  resourcesChanged(): void;
}

/**
 * Over Streamable HTTP a 2026-07-28 server instance lives for one request, so the process follows
 * the changes once and hands them to the serving entry, whose `subscriptions/listen` streams keep
 * each client's filter. Returns what stops following.
 */
export function publishResourceChanges(connection: Connection, sink: ResourceChangeSink): () => void {
  const gathered = gatherChanges((uris, listChanged) => {
    for (const uri of uris) sink.resourceUpdated(uri);
    if (listChanged) sink.resourcesChanged();
  });
  const stopWatching = watchChanges(connection, gathered.change);
  return () => {
    stopWatching();
    gathered.stop();
  };
}

/** Gathers changes for a moment, then delivers each changed URI once. */
function gatherChanges(deliver: (uris: ReadonlySet<string>, listChanged: boolean) => void) {
  const changed = new Set<string>();
  let listChanged = false;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    deliver(changed, listChanged);
    changed.clear();
    listChanged = false;
  };
  return {
    change(change: Change) {
      for (const uri of changedUris(change)) changed.add(uri);
      if (change.type !== 'updated') listChanged = true;
      timer ??= setTimeout(flush, NOTIFY_AFTER_MS).unref();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

function changedUris(change: Change): string[] {
  if (change.type === 'connected') return [STATUS_URI, TAGS_URI];
  const memories = change.ids.map(memoryUri);
  // Tag counts move with every write; the memory count only when memories come or go.
  return change.type === 'updated' ? [...memories, TAGS_URI] : [...memories, TAGS_URI, STATUS_URI];
}

/** Follows the current service's changes, and moves to the new one when the connection switches. */
function watchChanges(connection: Connection, onChange: (change: Change) => void): () => void {
  let stopService = currentService(connection)?.onChange(onChange);
  const stopConnection = connection.onServiceChange((service) => {
    stopService?.();
    stopService = service.onChange(onChange);
    onChange({ type: 'connected' });
  });
  return () => {
    stopService?.();
    stopConnection();
  };
}
