/**
 * The authorization endpoint (CONTRACT.md §3.2 [ASSUMED], RFC 6749 §4.1 with PKCE, RFC 7636):
 * GET /oauth/authorize checks the client and its redirect URI first (a bad one gets an error page,
 * never a redirect), then the rest of the request (errors go back to the client by redirect), and
 * shows the consent page, whose form posts a one-time consent token to /oauth/authorize/decision.
 * Allow redirects with a one-time code, Deny with error=access_denied. With autoApprove the code
 * is issued at once, without a page.
 */
import { renderConsentPage } from './consent-page.js';
import type { EmulatorContext } from './context.js';
import {
  type EmulatorRequest,
  type EmulatorResponse,
  type Handler,
  parseFormBody,
  redirect,
} from './http.js';
import type { AuthorizationRequest } from './oauth-store.js';
import { asPage, errorPage } from './page-layout.js';
import { isAllowedRedirect, withParams } from './redirect-uri.js';
import type { Router } from './router.js';
import type { DemoUser, Developer } from './state.js';

/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const SINGLE_PARAMS = [
  'response_type',
  'state',
  'scope',
  'code_challenge',
  'code_challenge_method',
  'login_hint',
];

interface Problem {
  error: string;
  description: string;
}

const badRequestPage = (message: string) => errorPage(400, 'This sign-in link is not valid', message);

/** The app and where to send the browser back to, or the error page when either is unusable. */
function clientOf(ctx: EmulatorContext, query: URLSearchParams) {
  const clientIds = query.getAll('client_id');
  const developer = clientIds.length === 1 ? ctx.state.developerByClientId(clientIds[0]!) : undefined;
  if (!developer) {
    return badRequestPage(
      'The link does not name a registered application (client_id). Ask the app for a new one.',
    );
  }
  const redirectUris = query.getAll('redirect_uri');
  if (redirectUris.length !== 1 || !isAllowedRedirect(developer, redirectUris[0]!)) {
    return badRequestPage(
      'The address to return to (redirect_uri) is missing, or neither registered for this application nor a ' +
        'loopback address, so the emulator will not send you there.',
    );
  }
  return { developer, redirectUri: redirectUris[0]! };
}

/** What is wrong with the rest of the request, reported to the client by redirect (§4.1.2.1). */
function problemOf(developer: Developer, query: URLSearchParams): Problem | undefined {
  const repeated = SINGLE_PARAMS.find((name) => query.getAll(name).length > 1);
  if (repeated) return { error: 'invalid_request', description: `The ${repeated} parameter is repeated.` };
  const responseType = query.get('response_type');
  if (!responseType) return { error: 'invalid_request', description: 'response_type is required.' };
  if (responseType !== 'code') {
    return { error: 'unsupported_response_type', description: 'Only response_type=code is supported.' };
  }
  const challenge = query.get('code_challenge');
  if (challenge === null) {
    // Public clients (no secret) must use PKCE, as OAuth 2.1 and RFC 8252 §6 ask.
    return developer.client_secret_hash === null
      ? { error: 'invalid_request', description: 'code_challenge is required (PKCE with S256).' }
      : undefined;
  }
  if (query.get('code_challenge_method') !== 'S256') {
    return { error: 'invalid_request', description: 'code_challenge_method must be S256.' };
  }
  if (!S256_CHALLENGE.test(challenge)) {
    return { error: 'invalid_request', description: 'code_challenge must be 43 base64url characters.' };
  }
  return undefined;
}

/** The user the app will act for: the demo user, or another seeded user named by `login_hint`. */
function userOf(ctx: EmulatorContext, query: URLSearchParams): DemoUser | undefined {
  const hint = query.get('login_hint');
  return hint ? ctx.state.userById(hint) : ctx.state.demoUser();
}

function approve(ctx: EmulatorContext, request: AuthorizationRequest): EmulatorResponse {
  const code = ctx.oauth.issueCode(request);
  return redirect(302, withParams(request.redirectUri, { code, state: request.state }));
}

function authorize(ctx: EmulatorContext, { query }: EmulatorRequest): EmulatorResponse {
  const client = clientOf(ctx, query);
  if ('kind' in client) return client;
  const { developer, redirectUri } = client;
  const state = query.get('state');
  const problem = problemOf(developer, query);
  if (problem) {
    const { error, description } = problem;
    return redirect(302, withParams(redirectUri, { error, error_description: description, state }));
  }
  const user = userOf(ctx, query);
  if (!user) return badRequestPage('No emulator user has the id given as login_hint.');
  const request: AuthorizationRequest = {
    developerId: developer.id,
    userId: user.user_id,
    redirectUri,
    state,
    scope: (query.get('scope') ?? '').trim(),
    codeChallenge: query.get('code_challenge'),
  };
  if (ctx.settings.autoApprove) return approve(ctx, request);
  const consentToken = ctx.oauth.openConsent(request);
  return renderConsentPage({
    developer,
    user,
    demoUserId: ctx.state.demoUser()?.user_id,
    request,
    consentToken,
  });
}

/** The consent form's answer. The token is spent only by a well-formed decision. */
function decide(ctx: EmulatorContext, request: EmulatorRequest): EmulatorResponse {
  const form = parseFormBody(request);
  const decision = form.get('decision');
  if (decision !== 'allow' && decision !== 'deny') {
    return errorPage(400, 'No decision was made', 'Go back and choose Allow or Deny.');
  }
  const consent = form.get('consent');
  const authorization = consent ? ctx.oauth.takeConsent(consent) : undefined;
  if (!authorization) {
    return errorPage(
      400,
      'This sign-in request is no longer open',
      'It was already answered, has timed out, or did not come from this page. Start again from the application.',
    );
  }
  if (decision === 'allow') return approve(ctx, authorization);
  const denied = { error: 'access_denied', error_description: 'The user denied the request.' };
  return redirect(302, withParams(authorization.redirectUri, { ...denied, state: authorization.state }));
}

export function addAuthorizeRoutes(router: Router<Handler>, ctx: EmulatorContext): void {
  router
    .add(
      'GET',
      '/oauth/authorize',
      asPage((request) => authorize(ctx, request)),
    )
    .add(
      'POST',
      '/oauth/authorize/decision',
      asPage((request) => decide(ctx, request)),
    );
}
