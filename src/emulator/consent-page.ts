/**
 * The OAuth consent page: which application asks, what it will be able to do, which user it will
 * act as, where the browser goes next, and Allow / Deny. The form carries only the one-time
 * consent token; the request itself stays on the server.
 */
import { html } from './html.js';
import type { HtmlResponse } from './http.js';
import type { AuthorizationRequest } from './oauth-store.js';
import { dashboardHref, renderPage, userLabel } from './page-layout.js';
import { formTargetOf } from './redirect-uri.js';
import type { DemoUser, Developer } from './state.js';

// API_PREFIX spelled out: importing it from api.ts would be an import cycle (api.ts imports us).
export const DECISION_PATH = '/api/v1/oauth/authorize/decision';

export interface ConsentView {
  developer: Developer;
  user: DemoUser;
  demoUserId: string | undefined;
  request: AuthorizationRequest;
  consentToken: string;
}

function scopeText(scope: string) {
  return scope
    ? html`Requested scope: <code>${scope}</code>`
    : html`Requested scope: none named, so the application's default access.`;
}

export function renderConsentPage(view: ConsentView): HtmlResponse {
  const { developer, user, request } = view;
  const returnTo = new URL(request.redirectUri).origin;
  const main = html`<h1>Allow ${developer.name} to use your memories?</h1>
<div class="card">
<p><strong>${developer.name}</strong> will be able to:</p>
<ul class="list">
<li>search and read your memories</li>
<li>save new memories, and update or delete the ones in your account</li>
</ul>
<p class="muted small">${scopeText(request.scope)}</p>
</div>
<div class="card">
<dl class="facts">
<dt>Signed in as</dt><dd>${userLabel(user, view.demoUserId)}</dd>
<dt>User id</dt><dd><code>${user.user_id}</code></dd>
<dt>Returns you to</dt><dd><code>${returnTo}</code></dd>
</dl>
</div>
<form method="post" action="${DECISION_PATH}">
<input type="hidden" name="consent" value="${view.consentToken}">
<div class="actions">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="allow" class="primary">Allow</button>
</div>
</form>
<p class="muted small">Allowing gives ${developer.name} your memory key. It then asks for access to your
memories, which you approve on your <a href="${dashboardHref(user.user_id, view.demoUserId)}">dashboard</a>.</p>`;
  return renderPage({
    title: `Allow ${developer.name}?`,
    main,
    formTargets: formTargetOf(request.redirectUri),
  });
}
