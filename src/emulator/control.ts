/**
 * The control API under /__emulator/ (not part of Memoram; no auth, but loopback only and never
 * from a web page, see server.ts): what the user would do in the Memoram dashboard (approve,
 * reject, revoke, rotate a key), seeding extra users (optionally with a given encryption key) and
 * developer apps, the token lifetime and clock, fault switches, the request log, and a view of the
 * state, so tests and demos can drive the emulator over HTTP.
 */
import { z } from 'zod';
import type { EmulatorContext } from './context.js';
import { type FaultQueue, FaultSpecSchema } from './faults.js';
import { conflict, type EmulatorRequest, type Handler, json, notFound, parseJsonBody } from './http.js';
import { parseRedirectUri } from './redirect-uri.js';
import type { RequestLog } from './request-log.js';
import { Router } from './router.js';
import type { TransitionAction } from './state.js';

export const CONTROL_PREFIX = '/__emulator';

const NewDeveloperSchema = z.object({
  name: z.string().min(1).max(100).optional(),
  redirect_uris: z
    .array(
      z
        .string()
        .refine((uri) => parseRedirectUri(uri) !== undefined, 'must be an http(s) URI without a fragment'),
    )
    .optional(),
  /** Give the app a client secret (returned once), which the token endpoint then requires. */
  confidential: z.boolean().optional(),
});
/** Any hex, as the wire schema allows, so tests can hand out a key the client must refuse. */
const NewUserSchema = z.object({
  encryption_key: z
    .string()
    .regex(/^[0-9a-fA-F]+$/)
    .optional(),
});
const JwtLifetimeSchema = z.object({ seconds: z.number().int().min(1).max(86_400).nullable() });
const ClockSchema = z.object({ advanceSeconds: z.number().min(0) });

function transition(ctx: EmulatorContext, action: TransitionAction): Handler {
  return (request) => {
    const outcome = ctx.state.transition(request.params.requestId ?? '', action);
    if (outcome.status === 'not_found') throw notFound('No access request with this id.');
    if (outcome.status === 'conflict') {
      throw conflict(`Cannot ${action} an access request that is ${outcome.request.status}.`);
    }
    return json(200, outcome.request);
  };
}

function createDeveloper(ctx: EmulatorContext, request: EmulatorRequest) {
  const body = request.body === null ? {} : parseJsonBody(request, NewDeveloperSchema);
  const { developer, clientSecret } = ctx.state.createDeveloper({
    name: body.name,
    redirectUris: body.redirect_uris,
    confidential: body.confidential,
  });
  return json(201, {
    ai_connector_id: developer.id,
    api_key: developer.api_key,
    client_id: developer.client_id,
    name: developer.name,
    redirect_uris: developer.redirect_uris,
    ...(clientSecret === undefined ? {} : { client_secret: clientSecret }),
  });
}

function addDashboardRoutes(router: Router<Handler>, ctx: EmulatorContext): void {
  for (const action of ['approve', 'reject', 'revoke'] as const) {
    router.add('POST', `/access-requests/{requestId}/${action}`, transition(ctx, action));
  }
  router
    .add('POST', '/users', (request) => {
      const body = request.body === null ? {} : parseJsonBody(request, NewUserSchema);
      return json(201, ctx.state.createUser(body.encryption_key));
    })
    .add('POST', '/users/{userId}/rotate-key', (request) => {
      const user = ctx.state.rotateKey(request.params.userId ?? '');
      if (!user) throw notFound('No user with this id.');
      return json(200, { user_id: user.user_id, key_version: user.key_version });
    })
    .add('POST', '/developers', (request) => createDeveloper(ctx, request))
    .add('GET', '/state', () =>
      json(200, { users: ctx.state.listUsers(), access_requests: ctx.state.listAccessRequests() }),
    );
}

function addTestRoutes(router: Router<Handler>, ctx: EmulatorContext, faults: FaultQueue, log: RequestLog) {
  router
    .add('POST', '/jwt-lifetime', (request) => {
      const { seconds } = parseJsonBody(request, JwtLifetimeSchema);
      ctx.settings.forcedJwtLifetimeSeconds = seconds ?? undefined;
      return json(200, { seconds });
    })
    .add('POST', '/clock', (request) => {
      const { advanceSeconds } = parseJsonBody(request, ClockSchema);
      ctx.clock.advance(advanceSeconds * 1000);
      return json(200, { now: ctx.clock.now().toISOString() });
    })
    .add('POST', '/faults', (request) => json(201, faults.add(parseJsonBody(request, FaultSpecSchema))))
    .add('GET', '/faults', () => json(200, { faults: faults.list() }))
    .add('DELETE', '/faults', () => {
      faults.clear();
      return json(200, { faults: [] });
    })
    .add('GET', '/requests', () => json(200, { requests: log.list() }))
    .add('DELETE', '/requests', () => {
      log.clear();
      return json(200, { requests: [] });
    });
}

export function createControlRouter(
  ctx: EmulatorContext,
  faults: FaultQueue,
  log: RequestLog,
): Router<Handler> {
  const router = new Router<Handler>();
  addDashboardRoutes(router, ctx);
  addTestRoutes(router, ctx, faults, log);
  return router;
}
