/**
 * Which redirect URIs the authorization endpoint may send a browser to: an http(s) URI without a
 * fragment that is either registered for the app or a loopback address on any port, as native
 * apps use (RFC 8252 §7.3). Anything else is never redirected to, not even to report the error.
 */
import type { Developer } from './state.js';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/** The URI parsed, when it is an absolute http(s) URI with no fragment and no userinfo. */
export function parseRedirectUri(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  const usable = (url.protocol === 'http:' || url.protocol === 'https:') && !url.hash && !text.includes('#');
  return usable && !url.username && !url.password ? url : undefined;
}

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

export function isAllowedRedirect(developer: Developer, text: string): boolean {
  const url = parseRedirectUri(text);
  if (!url) return false;
  return developer.redirect_uris.includes(text) || isLoopbackHost(url.hostname);
}

/** `uri` with `params` added to its query (keeping the query it has); null and undefined are left out. */
export function withParams(uri: string, params: Record<string, string | null | undefined>): string {
  const url = new URL(uri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) url.searchParams.append(name, value);
  }
  return url.toString();
}

/**
 * The origin a form may be redirected to, for the page's CSP `form-action`. Origins of parsed
 * http(s) URLs cannot hold spaces or quotes, but a registered hostname may hold `;` or `,`, which
 * would end the directive, so only plain host names make it into the header.
 */
export function formTargetOf(uri: string): string[] {
  const origin = parseRedirectUri(uri)?.origin;
  return origin && /^https?:\/\/[A-Za-z0-9.\-[\]:]+$/.test(origin) ? [origin] : [];
}
