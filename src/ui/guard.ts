/**
 * Who may use the memory page, decided for every request before any route runs:
 *
 * * A random token is minted per start and carried in the URL the command opens. Presented once
 *   (`/?token=…`), it is exchanged for an HttpOnly, SameSite=Strict cookie holding a session
 *   secret of its own, and the browser is redirected to a URL without it (out of the address bar
 *   and history; the Referrer-Policy keeps it from leaving with a link).
 * * The Host must name this listener by a loopback name and its port (DNS rebinding), and an
 *   Origin, when sent, must be that same origin: every browser sends one on a write. A page on
 *   another port of 127.0.0.1 is the same *site*, so SameSite alone would let its requests carry
 *   the cookie; the Origin check and Sec-Fetch-Site refuse them.
 * * Every write also carries a CSRF token in a header, which only the page's own document holds.
 *
 * Cookies ignore ports, so the cookie's name carries the port: two pages running at once (`ui`
 * and `serve --http`) each keep their own.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const CSRF_HEADER = 'x-memoram-csrf';
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export type Verdict =
  | { kind: 'allowed' }
  /** The start's token, presented: set the cookie and send the browser to the page without it. */
  | { kind: 'exchange' }
  | { kind: 'refused'; status: number; message: string };

export class PageGuard {
  /** In the URL the command prints and opens. */
  readonly token = randomBytes(32).toString('base64url');
  /** In the page's document, sent back in CSRF_HEADER on every write. */
  readonly csrf = randomBytes(32).toString('base64url');
  private readonly session = randomBytes(32).toString('base64url');

  constructor(private readonly port: () => number) {}

  get cookieName(): string {
    return `memoram_page_${this.port()}`;
  }

  /** The Set-Cookie value that admits this browser until the process ends. */
  cookie(): string {
    return `${this.cookieName}=${this.session}; HttpOnly; SameSite=Strict; Path=/`;
  }

  /** The origins this listener answers as. */
  private origins(): string[] {
    return LOOPBACK_NAMES.map((name) => `http://${name}:${this.port()}`);
  }

  /**
   * The checks every request passes. `open` paths (the stylesheet and script, which hold nothing
   * of the user's) need no cookie; writes need the CSRF header too.
   */
  check(request: Request, options: { open?: boolean } = {}): Verdict {
    const origins = this.origins();
    const host = request.headers.get('host')?.toLowerCase();
    if (!host || !origins.includes(`http://${host}`)) {
      return refused(421, 'This page answers only at 127.0.0.1 or localhost and its own port.');
    }
    const origin = request.headers.get('origin');
    const method = request.method.toUpperCase();
    const write = method !== 'GET' && method !== 'HEAD';
    if (origin !== null ? origin !== `http://${host}` : write) {
      return refused(403, 'Refused: the request did not come from this page.');
    }
    // Browsers say where a request comes from; another port on 127.0.0.1 is "same-site". Only the
    // page itself may be reached from elsewhere (a link, the command opening the browser).
    const url = new URL(request.url);
    const site = request.headers.get('sec-fetch-site');
    const navigation = request.headers.get('sec-fetch-mode') === 'navigate' && method === 'GET';
    if (site !== null && site !== 'same-origin' && !(navigation && url.pathname === '/')) {
      return refused(403, 'Refused: the request did not come from this page.');
    }
    const presented = url.searchParams.get('token');
    if (url.pathname === '/' && presented !== null && method === 'GET') {
      return same(presented, this.token) ? { kind: 'exchange' } : refused(401, 'That link has expired.');
    }
    if (options.open) return { kind: 'allowed' };
    if (!same(cookieValue(request.headers.get('cookie'), this.cookieName), this.session)) {
      return refused(401, 'Open the link memoram-mcp printed when it started (it carries this start’s key).');
    }
    if (write && !same(request.headers.get(CSRF_HEADER), this.csrf)) {
      return refused(403, 'Refused: the request did not carry this page’s CSRF token.');
    }
    return { kind: 'allowed' };
  }
}

function refused(status: number, message: string): Verdict {
  return { kind: 'refused', status, message };
}

/** Compares digests, so neither length nor bytes leak through timing. */
function same(given: string | null | undefined, expected: string): boolean {
  if (given === null || given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

function cookieValue(header: string | null, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
