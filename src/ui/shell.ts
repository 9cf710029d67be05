/**
 * The page's one HTML document: static markup the script fills in. No inline script or style (the
 * CSP allows none) and no data of the user's, only the CSRF token the script sends back on writes.
 * Nothing from a request goes in: the token is base64url and the messages are our own, so
 * neither needs escaping.
 */

function head(title: string, extra = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="robots" content="noindex">${extra}
<title>${title}</title>
<link rel="icon" href="/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/page-style.css">`;
}

export function pageShell(csrf: string): string {
  return `${head('Your memories · memoram-mcp', `\n<meta name="memoram-csrf" content="${csrf}">`)}
<script type="module" src="/assets/page.js"></script>
</head>
<body>
<a class="skip" href="#results">Skip to the memories</a>
<header class="top">
  <h1>Your memories</h1>
  <form id="search" class="search" role="search">
    <label for="q" class="hidden-label">Search memories</label>
    <input id="q" name="q" type="search" placeholder="Search memories" autocomplete="off" maxlength="500">
    <button type="submit">Search</button>
  </form>
</header>
<div class="layout">
<aside class="side">
  <details id="filters-box" open>
    <summary>Filters</summary>
    <form id="filters" class="filters">
      <fieldset id="tags-box">
        <legend>Tags</legend>
        <p class="muted small" id="no-tags">No tags yet.</p>
        <ul id="tags" class="tags"></ul>
      </fieldset>
      <label for="scope">Scope</label>
      <select id="scope" name="scope">
        <option value="*">All scopes</option>
        <option value="global">Global only (no scope)</option>
      </select>
      <label for="importance">Importance at least</label>
      <select id="importance" name="importance">
        <option value="">Any</option>
        <option value="0.25">0.25</option>
        <option value="0.5">0.5</option>
        <option value="0.75">0.75</option>
        <option value="0.9">0.9</option>
      </select>
      <label for="source">Source</label>
      <input id="source" name="source" type="text" maxlength="100" placeholder="e.g. claude-code" autocomplete="off">
      <label for="after">Created from</label>
      <input id="after" name="after" type="date">
      <label for="before">Created until</label>
      <input id="before" name="before" type="date">
      <button type="reset">Clear filters</button>
    </form>
  </details>
  <section aria-labelledby="store-heading" class="store">
    <h2 id="store-heading">Store</h2>
    <dl id="facts" class="facts"></dl>
    <p class="export">Export all:
      <a href="/api/export?format=json" download>JSON</a> ·
      <a href="/api/export?format=markdown" download>Markdown</a></p>
  </section>
</aside>
<main id="results" tabindex="-1">
  <div class="toolbar">
    <p id="summary" aria-live="polite"></p>
    <label class="select-all"><input type="checkbox" id="select-all"> Select all shown</label>
    <button type="button" id="delete-selected" class="danger" disabled>Delete selected</button>
  </div>
  <p id="error" class="error" role="alert" hidden></p>
  <ol id="list" class="list"></ol>
  <button type="button" id="more" hidden>Load more</button>
  <div id="sentinel"></div>
</main>
</div>
<div id="toasts" class="toasts" aria-live="polite"></div>
<dialog id="detail" aria-labelledby="detail-title"></dialog>
<dialog id="confirm" aria-labelledby="confirm-text">
  <form method="dialog">
    <p id="confirm-text"></p>
    <div class="actions">
      <button value="cancel">Cancel</button>
      <button value="ok" class="danger" id="confirm-ok">Delete</button>
    </div>
  </form>
</dialog>
</body>
</html>
`;
}

/** Answered without the cookie: says how to get in, and nothing else. `message` is one of guard.ts's. */
export function lockedPage(message: string): string {
  return `${head('Memory page · memoram-mcp')}
</head>
<body class="locked">
<main>
<h1>Your memories</h1>
<p>${message}</p>
<p class="muted">Run <code>memoram-mcp ui</code> to get a fresh link.</p>
</main>
</body>
</html>
`;
}
