/**
 * The emulator's node:http server: sends /api/v1 requests through the fault switches and the
 * request log to the API routes, /__emulator requests (from loopback, addressed to a loopback name,
 * not from a web page) to the control routes, and /dashboard requests to the dashboard pages, whose
 * failures are pages rather than JSON.
 * Each TCP connection gets a number, so tests can count the connections a client opens.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMemoramError } from '../memory/errors.js';
import { API_PREFIX } from './api.js';
import type { EmulatorContext } from './context.js';
import { CONTROL_PREFIX } from './control.js';
import { type Fault, type FaultQueue, failureOf } from './faults.js';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type Handler,
  HttpError,
  isDirectHost,
  isLoopback,
  isLoopbackHost,
  MAX_FORM_BYTES,
  readBody,
  send,
} from './http.js';
import { DASHBOARD_PATH, pageForError } from './page-layout.js';
import type { LoggedRequest, RequestLog } from './request-log.js';
import type { RouteResult, Router } from './router.js';

export interface EmulatorServerParts {
  ctx: EmulatorContext;
  /** The host it listens on, as configured: a name there is one the dashboard answers to. */
  host: string;
  api: Router<Handler>;
  control: Router<Handler>;
  dashboard: Router<Handler>;
  faults: FaultQueue;
  log: RequestLog;
}

export interface EmulatorServer {
  server: Server;
  /** Stops listening, drops open connections and cuts injected delays short. */
  close(): Promise<void>;
}

/** The path below `prefix`, or undefined when `path` is not under it. */
function below(prefix: string, path: string): string | undefined {
  if (path === prefix) return '/';
  return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
}

function routeOf(router: Router<Handler>, method: string, path: string | undefined): RouteResult<Handler> {
  return path === undefined ? { kind: 'not_found' } : router.match(method, path);
}

type ErrorRenderer = (error: HttpError) => EmulatorResponse;

const asJson: ErrorRenderer = (error) => error.toResponse();

/** Runs the matched handler; every failure becomes an error response (JSON unless `render` says). */
async function run(
  ctx: EmulatorContext,
  result: RouteResult<Handler>,
  request: EmulatorRequest,
  render: ErrorRenderer = asJson,
): Promise<EmulatorResponse> {
  try {
    if (result.kind === 'not_found') throw new HttpError(404, 'not_found', 'No such endpoint.');
    if (result.kind === 'method_not_allowed') {
      throw new HttpError(405, 'method_not_allowed', 'Method not allowed on this endpoint.', {
        allow: result.allow.join(', '),
      });
    }
    return await result.match.handler({ ...request, params: result.match.params });
  } catch (error) {
    if (error instanceof HttpError) return render(error);
    if (isMemoramError(error) && error.code === 'INVALID_INPUT') {
      return render(new HttpError(400, 'invalid_request', error.message));
    }
    ctx.logger.error('emulator: request failed', { method: request.method, path: request.path, error });
    return render(new HttpError(500, 'internal_error', 'The emulator failed to handle the request.'));
  }
}

class EmulatorHttpServer implements EmulatorServer {
  readonly server: Server;
  private readonly connections = new WeakMap<Socket, number>();
  private readonly shutdown = new AbortController();
  private connectionCount = 0;

  constructor(private readonly parts: EmulatorServerParts) {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('connection', (socket) => this.connections.set(socket, ++this.connectionCount));
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.shutdown.abort();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://emulator.invalid');
      const controlPath = below(CONTROL_PREFIX, url.pathname);
      const pagePath = below(DASHBOARD_PATH, url.pathname);
      if (controlPath !== undefined) await this.handleControl(req, res, url, controlPath);
      else if (pagePath !== undefined) await this.handlePage(req, res, url, pagePath);
      else await this.handleApi(req, res, url);
    } catch (error) {
      if (this.shutdown.signal.aborted) return void res.socket?.destroy();
      const failure = error instanceof HttpError ? error : undefined;
      if (!failure) this.parts.ctx.logger.error('emulator: request failed', { error });
      send(res, (failure ?? new HttpError(500, 'internal_error', 'Internal error.')).toResponse());
    }
  }

  /** The dashboard: not part of the API, so neither logged nor subject to faults. */
  private async handlePage(req: IncomingMessage, res: ServerResponse, url: URL, path: string) {
    if (!isDirectHost(req.headers.host, this.parts.host)) {
      const refusal = 'The dashboard answers only when addressed by IP address or as localhost.';
      return send(res, pageForError(new HttpError(403, 'forbidden', refusal)));
    }
    let body: string | null;
    try {
      body = await readBody(req, MAX_FORM_BYTES);
    } catch (error) {
      if (error instanceof HttpError) return send(res, pageForError(error));
      throw error;
    }
    const result = routeOf(this.parts.dashboard, req.method ?? 'GET', path);
    send(res, await run(this.parts.ctx, result, requestOf(req, url, body), pageForError));
  }

  private async handleControl(req: IncomingMessage, res: ServerResponse, url: URL, path: string) {
    if (!isLoopback(req.socket.remoteAddress)) {
      return this.deliver(res, undefined, new HttpError(403, 'forbidden', 'Loopback only.').toResponse());
    }
    const refusal = crossSiteRefusal(req.headers.host, req.headers.origin);
    if (refusal) return this.deliver(res, undefined, new HttpError(403, 'forbidden', refusal).toResponse());
    const body = await readBody(req);
    const result = routeOf(this.parts.control, req.method ?? 'GET', path);
    this.deliver(res, undefined, await run(this.parts.ctx, result, requestOf(req, url, body)));
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const { ctx, api, faults, log } = this.parts;
    const method = req.method ?? 'GET';
    const entry = log.open(this.connections.get(req.socket) ?? 0, method, url, req.headers, ctx.clock.now());
    try {
      entry.body = await readBody(req);
    } catch (error) {
      if (error instanceof HttpError) return this.deliver(res, entry, error.toResponse());
      throw error;
    }
    const result = routeOf(api, method, below(API_PREFIX, url.pathname));
    const fault = result.kind === 'found' ? faults.take(result.match.key) : undefined;
    if (result.kind === 'found') entry.route = result.match.key;
    if (fault) {
      const { remaining: _remaining, ...applied } = fault;
      entry.fault = applied;
    }
    const request = requestOf(req, url, entry.body);
    await this.runWithFault(fault, res, entry, () => run(ctx, result, request));
  }

  /** Applies a fault around the handler: delay first, then fail before or after it runs. */
  private async runWithFault(
    fault: Fault | undefined,
    res: ServerResponse,
    entry: LoggedRequest,
    handle: () => Promise<EmulatorResponse>,
  ): Promise<void> {
    if (fault?.delayMs) await sleep(fault.delayMs, undefined, { signal: this.shutdown.signal });
    const failure = fault && failureOf(fault);
    const response = failure && !fault.afterHandling ? undefined : await handle();
    if (failure?.kind === 'drop') {
      res.socket?.destroy();
      return;
    }
    this.deliver(res, entry, failure ? failure.response : response!);
  }

  private deliver(res: ServerResponse, entry: LoggedRequest | undefined, response: EmulatorResponse): void {
    send(res, response);
    if (!entry) return;
    entry.status = response.status;
    const { method, path, status } = entry;
    this.parts.ctx.logger.debug('emulator: request', { method, path, status });
  }
}

export function createEmulatorServer(parts: EmulatorServerParts): EmulatorServer {
  return new EmulatorHttpServer(parts);
}

/**
 * Why a control request that came from loopback still may not be from a local tool: a web page in
 * the user's browser can send cross-site POSTs (approve, revoke and rotate need no body), and
 * through DNS rebinding read the request log (bearer tokens) and the state. Tools send no Origin
 * (Node's fetch does not) and address the emulator by a loopback name.
 */
function crossSiteRefusal(host: string | undefined, origin: string | undefined): string | undefined {
  if (!isLoopbackHost(host)) {
    return 'The control API answers only requests addressed to 127.0.0.1, localhost or [::1].';
  }
  // A page the emulator serves itself has that origin; any other page is someone else's.
  if (origin !== undefined && origin !== `http://${host}`) {
    return 'The control API does not answer requests from web pages.';
  }
  return undefined;
}

function requestOf(req: IncomingMessage, url: URL, body: string | null): EmulatorRequest {
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    params: {},
    query: url.searchParams,
    headers: req.headers,
    body,
    remoteAddress: req.socket.remoteAddress,
  };
}
