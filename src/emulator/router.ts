/**
 * A tiny method + path-template router (`/memory-blobs/{blobId}`). A route's key is
 * `"METHOD /template"`, the name the fault switches and the request log use for it.
 */

export interface RouteMatch<H> {
  key: string;
  handler: H;
  params: Record<string, string>;
}

export type RouteResult<H> =
  | { kind: 'found'; match: RouteMatch<H> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

interface Route<H> {
  method: string;
  template: string;
  segments: string[];
  handler: H;
}

function split(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

/** Path parameters of `segments` against a template, or undefined when they do not fit. */
function bind(template: string[], segments: string[]): Record<string, string> | undefined {
  if (template.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of template.entries()) {
    const segment = segments[index]!;
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name === undefined) {
      if (part !== segment) return undefined;
      continue;
    }
    try {
      params[name] = decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  }
  return params;
}

export class Router<H> {
  private readonly routes: Route<H>[] = [];

  add(method: string, template: string, handler: H): this {
    this.routes.push({ method, template, segments: split(template), handler });
    return this;
  }

  /** Every route's key, e.g. `GET /memory-blobs/{blobId}`. */
  keys(): string[] {
    return this.routes.map((route) => `${route.method} ${route.template}`);
  }

  match(method: string, path: string): RouteResult<H> {
    const segments = split(path);
    const allow: string[] = [];
    for (const route of this.routes) {
      const params = bind(route.segments, segments);
      if (!params) continue;
      if (route.method !== method) {
        allow.push(route.method);
        continue;
      }
      return {
        kind: 'found',
        match: { key: `${route.method} ${route.template}`, handler: route.handler, params },
      };
    }
    return allow.length > 0 ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
  }
}
