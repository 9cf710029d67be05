/**
 * The access-request routes (CONTRACT.md §3.4–3.7): a developer asks for a user's memories by
 * memory key, polls the request, and reads the user's credentials once it is approved. Requests
 * of another developer application do not exist as far as the caller can tell (404).
 */
import {
  type AccessRequest,
  type AccessRequestList,
  CreateAccessRequestSchema,
  type UserCredentials,
} from '../memoram/schemas.js';
import { withDeveloper } from './auth.js';
import type { EmulatorContext } from './context.js';
import { forbidden, type Handler, json, notFound, parseJsonBody } from './http.js';
import { descending, paginate } from './paging.js';
import type { Router } from './router.js';
import type { Developer, StoredAccessRequest } from './state.js';

function ownRequest(ctx: EmulatorContext, developer: Developer, id: string | undefined): StoredAccessRequest {
  const stored = id === undefined ? undefined : ctx.state.accessRequest(id);
  if (!stored || stored.request.aiConnectorId !== developer.id) {
    throw notFound('No access request with this id.');
  }
  return stored;
}

export function addAccessRequestRoutes(router: Router<Handler>, ctx: EmulatorContext): void {
  router
    .add(
      'POST',
      '/access-requests',
      withDeveloper(ctx, (developer, request) => {
        const body = parseJsonBody(request, CreateAccessRequestSchema);
        const user = ctx.state.userByMemoryKey(body.memoryKey);
        if (!user) throw notFound('No user has this memory key.');
        const created: AccessRequest = ctx.state.createAccessRequest(
          developer.id,
          user,
          body.reason,
          ctx.settings.autoApprove,
        );
        return json(201, created);
      }),
    )
    .add(
      'GET',
      '/access-requests',
      withDeveloper(ctx, (developer, request) => {
        const all = ctx.state.listAccessRequests(developer.id);
        const page = paginate(all, request.query, (item) => `${item.createdAt} ${item.id}`, descending);
        const list: AccessRequestList = { ...page, total: all.length };
        return json(200, list);
      }),
    )
    .add(
      'GET',
      '/access-requests/{requestId}',
      withDeveloper(ctx, (developer, request) =>
        json(200, ownRequest(ctx, developer, request.params.requestId).request),
      ),
    )
    .add(
      'GET',
      '/access-requests/{requestId}/credentials',
      withDeveloper(ctx, (developer, request) => {
        const { request: accessRequest, subjectUserId } = ownRequest(
          ctx,
          developer,
          request.params.requestId,
        );
        if (accessRequest.status !== 'approved') {
          throw forbidden(`The access request is ${accessRequest.status}, not approved.`);
        }
        const user = ctx.state.userById(subjectUserId);
        if (!user) throw notFound('The user of this access request no longer exists.');
        const credentials: UserCredentials = { ...user };
        return json(200, credentials);
      }),
    );
}
