/**
 * The OAuth redirect listener (RFC 8252 §7.3): an HTTP server bound to 127.0.0.1 that accepts
 * exactly one callback on its path with the expected `state`, answers a small static page, and
 * closes. It answers 404 to anything else, renders no request data, and closes by itself after
 * its lifetime (10 minutes by default).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const CALLBACK_PATH = '/oauth/callback';

export type CallbackResult =
  | { outcome: 'code'; code: string }
  | { outcome: 'denied' }
  | { outcome: 'error'; reason: 'state_mismatch' | 'missing_code' | 'provider_error' | 'timeout' | 'closed' };

export interface Loopback {
  redirectUri: string;
  /** Settles once: the first callback on the path, the lifetime running out, or close(). */
  result: Promise<CallbackResult>;
  close(): Promise<void>;
}

const PAGE = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<title>${title}</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}</style>` +
  `</head><body><h1>${title}</h1><p>${body}</p></body></html>`;

const PAGES = {
  code: PAGE('Signed in to Memoram', 'You can close this tab and return to your assistant.'),
  denied: PAGE('Access was not granted', 'You declined. You can close this tab.'),
  error: PAGE(
    'Sign-in failed',
    'This sign-in attempt could not be completed. Ask your assistant to try again.',
  ),
};

function reply(response: ServerResponse, status: number, html: string): void {
  response.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    'referrer-policy': 'no-referrer',
  });
  response.end(html);
}

function judge(url: URL, expectedState: string): CallbackResult {
  if (url.searchParams.get('state') !== expectedState) return { outcome: 'error', reason: 'state_mismatch' };
  const error = url.searchParams.get('error');
  if (error === 'access_denied') return { outcome: 'denied' };
  if (error) return { outcome: 'error', reason: 'provider_error' };
  const code = url.searchParams.get('code');
  return code ? { outcome: 'code', code } : { outcome: 'error', reason: 'missing_code' };
}

export async function startLoopback(options: {
  state: string;
  port?: number;
  lifetimeMs?: number;
}): Promise<Loopback> {
  let settle!: (result: CallbackResult) => void;
  const result = new Promise<CallbackResult>((resolve) => {
    settle = resolve;
  });
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    const verdict = judge(url, options.state);
    reply(response, verdict.outcome === 'code' ? 200 : 400, PAGES[verdict.outcome]);
    settle(verdict);
    void close();
  });
  const timer = setTimeout(
    () => {
      settle({ outcome: 'error', reason: 'timeout' });
      void close();
    },
    options.lifetimeMs ?? 10 * 60_000,
  );
  timer.unref();
  let closing: Promise<void> | undefined;
  const close = () => {
    clearTimeout(timer);
    settle({ outcome: 'error', reason: 'closed' });
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { redirectUri: `http://127.0.0.1:${port}${CALLBACK_PATH}`, result, close };
}
