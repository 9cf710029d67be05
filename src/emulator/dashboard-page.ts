/**
 * The dashboard page: the user's account (id, memory key, key version, Rotate key) and the access
 * requests naming them, newest first, with Approve / Reject for pending ones and Revoke for
 * approved ones. Every button is a small POST form carrying the CSRF token and the user id.
 */
import type { AccessRequest } from '../memoram/schemas.js';
import { html, type SafeHtml } from './html.js';
import type { HtmlResponse } from './http.js';
import { DASHBOARD_PATH, dashboardHref, formatTime, renderPage, userLabel } from './page-layout.js';
import type { DemoUser } from './state.js';

export interface DashboardView {
  user: DemoUser;
  demoUserId: string | undefined;
  /** Every user, for switching between them when there is more than one. */
  userIds: string[];
  requests: { request: AccessRequest; appName: string }[];
  csrf: string;
}

interface Action {
  path: string;
  label: string;
  style: 'primary' | 'danger' | '';
}

function actionsFor(request: AccessRequest): Action[] {
  const base = `${DASHBOARD_PATH}/access-requests/${encodeURIComponent(request.id)}`;
  if (request.status === 'pending') {
    return [
      { path: `${base}/reject`, label: 'Reject', style: 'danger' },
      { path: `${base}/approve`, label: 'Approve', style: 'primary' },
    ];
  }
  return request.status === 'approved' ? [{ path: `${base}/revoke`, label: 'Revoke', style: 'danger' }] : [];
}

function actionForm(view: DashboardView, action: Action, accessibleName: string): SafeHtml {
  return html`<form method="post" action="${action.path}">
<input type="hidden" name="csrf" value="${view.csrf}"><input type="hidden" name="user" value="${view.user.user_id}">
<button type="submit" class="${action.style}" aria-label="${accessibleName}">${action.label}</button>
</form>`;
}

function requestCard(view: DashboardView, { request, appName }: DashboardView['requests'][number]): SafeHtml {
  const actions = actionsFor(request);
  return html`<article class="card" id="request-${request.id}">
<div class="head"><strong>${appName}</strong><span class="badge ${request.status}">${request.status}</span></div>
<p class="reason">${request.reason}</p>
<p class="muted small">Requested ${formatTime(request.createdAt)} · <code>${request.id}</code></p>
${actions.length > 0 && html`<div class="actions">${actions.map((action) => actionForm(view, action, `${action.label} ${appName}`))}</div>`}
</article>`;
}

function accountCard(view: DashboardView): SafeHtml {
  const { user } = view;
  const rotate: Action = { path: `${DASHBOARD_PATH}/rotate-key`, label: 'Rotate key', style: '' };
  return html`<section class="card">
<dl class="facts">
<dt>User</dt><dd>${userLabel(user, view.demoUserId)}</dd>
<dt>User id</dt><dd><code>${user.user_id}</code></dd>
<dt>Memory key</dt><dd><code>${user.memory_key}</code></dd>
<dt>Key version</dt><dd><strong id="key-version">${user.key_version}</strong></dd>
</dl>
<div class="actions">${actionForm(view, rotate, 'Rotate encryption key')}</div>
<p class="muted small">Rotating issues a new encryption key (version ${user.key_version + 1}). Memories saved
with the old key are kept as they are.</p>
</section>`;
}

function userSwitcher(view: DashboardView): SafeHtml | false {
  if (view.userIds.length < 2) return false;
  const links = view.userIds.map((id) =>
    id === view.user.user_id
      ? html`<strong>${id.slice(0, 8)}</strong> `
      : html`<a href="${dashboardHref(id, view.demoUserId)}">${id.slice(0, 8)}</a> `,
  );
  return html`<nav class="users small" aria-label="Users">Switch user: ${links}</nav>`;
}

export function renderDashboard(view: DashboardView): HtmlResponse {
  const pending = view.requests.filter(({ request }) => request.status === 'pending').length;
  const main = html`<h1>Your Memoram dashboard</h1>
${userSwitcher(view)}
${accountCard(view)}
<h2>Access requests${pending > 0 && html` <span class="badge pending">${pending} pending</span>`}</h2>
${
  view.requests.length > 0
    ? view.requests.map((item) => requestCard(view, item))
    : html`<div class="card muted">No application has asked for access yet.</div>`
}`;
  return renderPage({ title: 'Dashboard', main });
}
