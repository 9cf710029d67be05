/**
 * The user's dashboard at /dashboard (on the emulator's origin, beside the API): what a Memoram
 * user does in their account, as plain HTML forms. Approve, reject, revoke and key rotation go
 * through the same EmulatorState transitions as the control API. Every form carries a CSRF token,
 * an HMAC of the user id under the emulator's secret, so another site cannot post one.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { renderDashboard } from './dashboard-page.js';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type Handler,
  notFound,
  parseFormBody,
  redirect,
} from './http.js';
import { dashboardHref, errorPage } from './page-layout.js';
import { Router } from './router.js';
import type { DemoUser, TransitionAction } from './state.js';

const DONE: Record<TransitionAction, string> = { approve: 'approved', reject: 'rejected', revoke: 'revoked' };

function csrfToken(ctx: EmulatorContext, userId: string): string {
  return createHmac('sha256', ctx.state.jwtSecret).update(`dashboard-csrf:${userId}`).digest('base64url');
}

function csrfValid(ctx: EmulatorContext, userId: string, given: string | null): boolean {
  const expected = Buffer.from(csrfToken(ctx, userId));
  const actual = Buffer.from(given ?? '');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

function show(ctx: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const selected = request.query.get('user');
  const user = selected ? ctx.state.userById(selected) : ctx.state.demoUser();
  if (!user) throw notFound('No emulator user has this id.');
  const requests = ctx.state.listAccessRequests(undefined, user.user_id).map((accessRequest) => ({
    request: accessRequest,
    appName: ctx.state.developerById(accessRequest.aiConnectorId)?.name ?? 'Unknown app',
  }));
  return renderDashboard({
    user,
    demoUserId: ctx.state.demoUser()?.user_id,
    userIds: ctx.state.listUsers().map(({ user_id }) => user_id),
    requests,
    csrf: csrfToken(ctx, user.user_id),
  });
}

/** The user a dashboard form acts for, once its CSRF token checks out; otherwise the page to show. */
function formUser(ctx: EmulatorContext, request: EmulatorRequest): DemoUser | EmulatorResponse {
  const form = parseFormBody(request);
  const userId = form.get('user') ?? '';
  const user = ctx.state.userById(userId);
  if (!user || !csrfValid(ctx, userId, form.get('csrf'))) {
    return errorPage(
      403,
      'This form has expired',
      'The form was not sent from your dashboard, so nothing was changed. Reload the dashboard and try again.',
      '/dashboard',
    );
  }
  return user;
}

function decide(ctx: EmulatorContext, request: EmulatorRequest, action: TransitionAction): EmulatorResponse {
  const user = formUser(ctx, request);
  if (!('user_id' in user)) return user;
  const back = dashboardHref(user.user_id, ctx.state.demoUser()?.user_id);
  const id = request.params.requestId ?? '';
  const stored = ctx.state.accessRequest(id);
  if (!stored || stored.subjectUserId !== user.user_id) {
    return errorPage(404, 'No such access request', 'This user has no access request with this id.', back);
  }
  const outcome = ctx.state.transition(id, action);
  if (outcome.status === 'ok') return redirect(303, back);
  const status = outcome.status === 'conflict' ? outcome.request.status : 'gone';
  return errorPage(
    409,
    'Nothing changed',
    `This request is ${status}, so it cannot be ${DONE[action]}.`,
    back,
  );
}

function rotateKey(ctx: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const user = formUser(ctx, request);
  if (!('user_id' in user)) return user;
  ctx.state.rotateKey(user.user_id);
  return redirect(303, dashboardHref(user.user_id, ctx.state.demoUser()?.user_id));
}

/** Routes below /dashboard. */
export function createDashboardRouter(ctx: EmulatorContext): Router<Handler> {
  const router = new Router<Handler>().add('GET', '/', (request) => show(ctx, request));
  for (const action of ['approve', 'reject', 'revoke'] as const) {
    router.add('POST', `/access-requests/{requestId}/${action}`, (request) => decide(ctx, request, action));
  }
  return router.add('POST', '/rotate-key', (request) => rotateKey(ctx, request));
}
