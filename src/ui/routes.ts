/**
 * The memory page as one fetch-style handler, mounted by `memoram-mcp ui` (ui/server.ts) and by
 * `serve --http` beside /mcp: the guard (guard.ts) first, then the document, its built assets
 * (dist/ui/, from src/ui/page/ by the build) and the JSON API (api.ts). Every answer carries the
 * page's security headers: a CSP that allows only this origin's own script, style and requests.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import type { Connection } from '../connection/connection.js';
import type { Logger } from '../log/logger.js';
import { createApi } from './api.js';
import { storeFacts } from './facts.js';
import { PageGuard } from './guard.js';
import { lockedPage, pageShell } from './shell.js';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

const ASSETS: Record<string, string> = {
  '/assets/page.js': 'text/javascript; charset=utf-8',
  '/assets/page-style.css': 'text/css; charset=utf-8',
  '/assets/icon.svg': 'image/svg+xml',
};

export interface PageOptions {
  config: Readonly<Config>;
  connection: Connection;
  logger: Logger;
  /** The port the listener got (known only once it listens, with --port 0). */
  port: () => number;
  /** Where the built assets are: dist/ui/ beside the bundle, unless given. */
  assetDir?: string;
}

export interface MemoryPage {
  /** The URL to open: it carries this start's token. */
  url(): string;
  /** Whether a path is the page's: `/`, its assets, its API. */
  owns(pathname: string): boolean;
  handle(request: Request): Promise<Response>;
}

/** dist/ui/, beside the bundled chunk this module is part of. */
function builtAssets(): string {
  return path.join(path.dirname(fileURLToPath(import.meta.url)), 'ui');
}

export function createMemoryPage(options: PageOptions): MemoryPage {
  const guard = new PageGuard(options.port);
  const assetDir = options.assetDir ?? builtAssets();
  const api = createApi({
    connection: options.connection,
    readOnly: options.config.readOnly,
    logger: options.logger,
    facts: () => storeFacts(options.config, options.connection),
  });

  const answer = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const asset = ASSETS[url.pathname];
    const verdict = guard.check(request, { open: asset !== undefined });
    if (verdict.kind === 'refused') {
      return url.pathname === '/' && request.method === 'GET'
        ? html(verdict.status, lockedPage(verdict.message))
        : Response.json({ error: 'REFUSED', message: verdict.message }, { status: verdict.status });
    }
    if (verdict.kind === 'exchange') {
      return new Response(null, { status: 303, headers: { location: '/', 'set-cookie': guard.cookie() } });
    }
    if (asset !== undefined) {
      const body = await readFile(path.join(assetDir, path.basename(url.pathname)));
      return new Response(body, { headers: { 'content-type': asset } });
    }
    if (url.pathname === '/' && request.method === 'GET') return html(200, pageShell(guard.csrf));
    return (
      (await api.handle(request)) ??
      Response.json({ error: 'NOT_FOUND', message: 'No such page.' }, { status: 404 })
    );
  };

  return {
    url: () => `http://127.0.0.1:${options.port()}/?token=${guard.token}`,
    owns: (pathname) => pathname === '/' || pathname in ASSETS || pathname.startsWith('/api/'),
    async handle(request) {
      const response = await answer(request);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
      return response;
    },
  };
}

function html(status: number, text: string): Response {
  return new Response(text, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });
}
