/**
 * The frame of the emulator's pages (consent and dashboard): one plain HTML document with inline
 * CSS (the CSP allows nothing else), a header that says this is the Memoram *emulator*, a layout
 * that reads on a phone, and the error page that stands in for any redirect we must not make.
 */
import { type HtmlValue, html, SafeHtml } from './html.js';
import { type Handler, type HtmlResponse, HttpError, htmlResponse, pageCsp } from './http.js';
import type { DemoUser } from './state.js';

const STYLE = `
:root{--ink:#1f2933;--muted:#52606d;--line:#d3dce6;--bg:#f4f6f9;--card:#fff;--accent:#2f54eb}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",sans-serif;
  color:var(--ink);background:var(--bg)}
.bar{background:#1f2933;color:#fff;padding:.7rem 1rem;display:flex;align-items:center;gap:.6rem;flex-wrap:wrap}
.bar .brand{font-weight:700;font-size:1.05rem}
.bar .tag{font-size:.75rem;font-weight:700;letter-spacing:.06em;text-transform:uppercase;
  background:#f7c948;color:#1f2933;padding:.1rem .55rem;border-radius:999px}
.bar .note{margin-left:auto;font-size:.85rem;color:#cbd2d9}
main{max-width:44rem;margin:0 auto;padding:1.25rem 1rem 3rem}
h1{font-size:1.55rem;line-height:1.25;margin:.4rem 0 1rem}
h2{font-size:1.15rem;margin:1.75rem 0 .75rem}
p{margin:.5rem 0}
a{color:var(--accent)}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:1rem 1.15rem;margin:0 0 1rem}
.card>:first-child{margin-top:0}
.card>:last-child{margin-bottom:0}
.muted{color:var(--muted)}
.small{font-size:.9rem}
code{font:.88em ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#edf1f6;padding:.1em .35em;
  border-radius:4px;overflow-wrap:anywhere}
ul.list{margin:.5rem 0;padding-left:1.25rem}
ul.list li{margin:.25rem 0}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;min-width:0;overflow-wrap:anywhere}
.actions{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
.actions>*{flex:1 1 9rem;margin:0}
button{font:inherit;font-weight:600;min-height:48px;width:100%;padding:.6rem 1.2rem;border-radius:10px;
  border:1px solid #9aa5b1;background:#fff;color:var(--ink);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}
button.danger{color:#b42318;border-color:#f0a19a}
button:focus-visible{outline:3px solid #9db4ff;outline-offset:2px}
.head{display:flex;align-items:baseline;justify-content:space-between;gap:.75rem;flex-wrap:wrap}
.badge{display:inline-block;font-size:.8rem;font-weight:700;padding:.1rem .6rem;border-radius:999px}
.badge.pending{background:#fef0c7;color:#93370d}
.badge.approved{background:#d1fadf;color:#05603a}
.badge.rejected{background:#fee4e2;color:#912018}
.badge.revoked{background:#e4e7ec;color:#344054}
.reason{white-space:pre-wrap;overflow-wrap:anywhere;border-left:3px solid var(--line);padding-left:.75rem}
nav.users a{display:inline-block;margin:.2rem .6rem .2rem 0}
@media (max-width:32rem){body{font-size:16px}h1{font-size:1.35rem}dl.facts{grid-template-columns:1fr;gap:0}
  dl.facts dd{margin-bottom:.5rem}.bar .note{margin-left:0;flex-basis:100%}}
`;

/** Our own constant CSS, so it is marked safe rather than escaped. */
const STYLESHEET = new SafeHtml(STYLE);

export interface PageOptions {
  title: string;
  main: SafeHtml;
  status?: number;
  /** Origins a form on this page may end up at after a redirect (CSP form-action). */
  formTargets?: readonly string[];
}

export function renderPage(options: PageOptions): HtmlResponse {
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${options.title} · Memoram emulator</title>
<style>${STYLESHEET}</style>
</head>
<body>
<header class="bar"><span class="brand">Memoram</span><span class="tag">Emulator</span>
<span class="note">Local test server, not the real Memoram</span></header>
<main>
${options.main}
</main>
</body>
</html>
`;
  const csp = pageCsp(options.formTargets);
  return htmlResponse(options.status ?? 200, document.value, { 'content-security-policy': csp });
}

/** A page explaining a failure, for requests we must answer without redirecting anywhere. */
export function errorPage(status: number, title: string, message: HtmlValue, back?: string): HtmlResponse {
  return renderPage({
    status,
    title,
    main: html`<h1>${title}</h1>
<div class="card"><p>${message}</p>
${back && html`<p><a href="${back}">Back to the dashboard</a></p>`}</div>`,
  });
}

/** An HttpError as a page, for requests a browser made. */
export function pageForError(error: HttpError): HtmlResponse {
  const page = errorPage(error.status, 'The emulator could not handle this request', error.message);
  return { ...page, headers: { ...error.headers, ...page.headers } };
}

/** A page handler whose failures become error pages instead of the API's JSON errors. */
export function asPage(handler: Handler): Handler {
  return async (request) => {
    try {
      return await handler(request);
    } catch (error) {
      if (error instanceof HttpError) return pageForError(error);
      throw error;
    }
  };
}

export const DASHBOARD_PATH = '/dashboard';

/** The dashboard of `userId`; the demo user's is the bare path. */
export function dashboardHref(userId: string, demoUserId: string | undefined): string {
  return userId === demoUserId ? DASHBOARD_PATH : `${DASHBOARD_PATH}?user=${encodeURIComponent(userId)}`;
}

/** How a user is shown: emulator users have no names, so the demo user gets a made-up one. */
export function userLabel(user: DemoUser, demoUserId: string | undefined): string {
  return user.user_id === demoUserId
    ? 'Demo User <demo.user@example.com>'
    : `Emulator user <user-${user.user_id.slice(0, 8)}@example.com>`;
}

/** `2025-06-01T09:30:12.345Z` → `2025-06-01 09:30 UTC`. */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
