/**
 * Fault switches: the next N requests to one route (`"POST /memory-blobs"`) get an error status
 * (with Retry-After), a delay, a dropped connection, or, with `afterHandling`, the real handler
 * runs first and only the response fails, so a create lands while the client sees a failure.
 */
import { z } from 'zod';
import { HttpError, type JsonResponse } from './http.js';

export const FaultSpecSchema = z
  .object({
    route: z.string().min(1),
    count: z.number().int().min(1).default(1),
    status: z.number().int().min(400).max(599).optional(),
    /** Seconds, sent as the Retry-After header. */
    retryAfter: z.number().int().min(0).optional(),
    delayMs: z.number().int().min(0).max(120_000).optional(),
    /** Destroy the socket without any response. */
    drop: z.boolean().optional(),
    afterHandling: z.boolean().optional(),
  })
  .refine((spec) => !(spec.drop && spec.status !== undefined), {
    message: 'give either drop or status, not both',
  });
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

export interface Fault extends Omit<FaultSpec, 'count'> {
  remaining: number;
}

/** What the client gets instead of the real response; none for a fault that only delays. */
export type Failure = { kind: 'drop' } | { kind: 'respond'; response: JsonResponse };

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  429: 'rate_limited',
  500: 'internal_error',
  502: 'bad_gateway',
  503: 'service_unavailable',
  504: 'gateway_timeout',
};

export function failureOf(fault: Fault): Failure | undefined {
  if (fault.drop) return { kind: 'drop' };
  const delayOnly = fault.status === undefined && fault.delayMs !== undefined && !fault.afterHandling;
  if (delayOnly) return undefined;
  const status = fault.status ?? 500;
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  const error = new HttpError(
    status,
    CODES[status] ?? 'injected_fault',
    `Fault injected by the emulator (HTTP ${status}).`,
    headers,
  );
  return { kind: 'respond', response: error.toResponse() };
}

export class FaultQueue {
  private readonly faults: Fault[] = [];

  constructor(private readonly routes: readonly string[]) {}

  /** Queues a fault; an unknown route is a 400 that lists the known ones. */
  add(spec: FaultSpec): Fault {
    if (!this.routes.includes(spec.route)) {
      throw new HttpError(
        400,
        'invalid_request',
        `Unknown route "${spec.route}". Known routes: ${this.routes.join(', ')}.`,
      );
    }
    const { count, ...rest } = spec;
    const fault: Fault = { ...rest, remaining: count };
    this.faults.push(fault);
    return { ...fault };
  }

  /** The first queued fault for `route`, counting one use of it. */
  take(route: string): Fault | undefined {
    const index = this.faults.findIndex((fault) => fault.route === route);
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(index, 1);
    return { ...fault };
  }

  list(): Fault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.faults.length = 0;
  }
}
