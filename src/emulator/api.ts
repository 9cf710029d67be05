/**
 * The emulated Memoram REST API under /api/v1: every route of the contract, keyed by the
 * contract's own path templates, plus the OAuth authorization and token endpoints (§3.2–3.3).
 */
import { addAccessRequestRoutes } from './access-requests.js';
import { issueToken } from './auth.js';
import type { EmulatorContext } from './context.js';
import type { Handler } from './http.js';
import { addMemoryBlobRoutes } from './memory-blobs.js';
import { addAuthorizeRoutes } from './oauth-authorize.js';
import { addTokenRoute } from './oauth-token.js';
import { Router } from './router.js';
import { addTagRoutes } from './tags.js';

export const API_PREFIX = '/api/v1';

export function createApiRouter(ctx: EmulatorContext): Router<Handler> {
  const router = new Router<Handler>().add('POST', '/auth/token', (request) => issueToken(ctx, request));
  addAccessRequestRoutes(router, ctx);
  addMemoryBlobRoutes(router, ctx);
  addTagRoutes(router, ctx);
  addAuthorizeRoutes(router, ctx);
  addTokenRoute(router, ctx);
  return router;
}
