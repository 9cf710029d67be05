import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  AbortedError,
  ApiError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  ForbiddenError,
  isMemoramHttpError,
  NotFoundError,
  parseErrorBody,
  RateLimitError,
  ServerError,
  TimeoutError,
  UnauthorizedError,
  UnexpectedResponseError,
} from '../../src/memoram/errors.js';

const endpoint = 'GET /memory-blobs/{blobId}';

describe('ApiError.from', () => {
  it.each([
    [400, BadRequestError, 'BAD_REQUEST'],
    [401, UnauthorizedError, 'UNAUTHORIZED'],
    [403, ForbiddenError, 'FORBIDDEN'],
    [404, NotFoundError, 'NOT_FOUND'],
    [409, ConflictError, 'CONFLICT'],
    [429, RateLimitError, 'RATE_LIMITED'],
    [500, ServerError, 'SERVER_ERROR'],
    [502, ServerError, 'SERVER_ERROR'],
    [503, ServerError, 'SERVER_ERROR'],
  ])('maps %i to its class with a stable code', (status, type, code) => {
    const error = ApiError.from(status, '{"error":"x"}', {}, { endpoint });
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.name).toBe(type.name);
    expect(isMemoramHttpError(error)).toBe(true);
  });

  it('maps other statuses to a plain ApiError', () => {
    const error = ApiError.from(418, '', {}, { endpoint });
    expect(error.constructor).toBe(ApiError);
    expect(error.code).toBe('HTTP_ERROR');
  });

  it('keeps the body out of the message, and the server code and message apart', () => {
    const body = JSON.stringify({ error: 'forbidden', message: 'memoryKey mk_secret does not match' });
    const error = ApiError.from(403, body, {}, { endpoint });
    expect(error.message).toBe('Memoram API GET /memory-blobs/{blobId} failed: 403 Forbidden (forbidden)');
    expect(error.message).not.toContain('mk_secret');
    expect(error.serverCode).toBe('forbidden');
    expect(error.serverMessage).toBe('memoryKey mk_secret does not match');
    expect(error.afterRetry).toBe(false);
  });

  it('reads Retry-After in seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const seconds = ApiError.from(429, '', { 'retry-after': '3' }, { endpoint, now });
    expect(seconds).toBeInstanceOf(RateLimitError);
    expect(seconds.retryAfterMs).toBe(3000);
    const date = ApiError.from(
      503,
      '',
      { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' },
      { endpoint, now },
    );
    expect(date.retryAfterMs).toBe(5000);
    expect(ApiError.from(429, '', {}, { endpoint }).retryAfterMs).toBeUndefined();
  });
});

describe('parseErrorBody', () => {
  it('reads the emulator shape', () => {
    expect(parseErrorBody('{"error":"not_found","message":"No such blob."}')).toEqual({
      serverCode: 'not_found',
      serverMessage: 'No such blob.',
    });
  });

  it('reads OAuth, problem+json and nested shapes', () => {
    expect(parseErrorBody({ error: 'invalid_grant', error_description: 'Code expired' })).toEqual({
      serverCode: 'invalid_grant',
      serverMessage: 'Code expired',
    });
    expect(parseErrorBody('{"detail":"Not authenticated"}')).toEqual({ serverMessage: 'Not authenticated' });
    expect(parseErrorBody({ error: { code: 'rate_limited', message: 'Slow down' } })).toEqual({
      serverCode: 'rate_limited',
      serverMessage: 'Slow down',
    });
  });

  it('treats a sentence in `error` as a message, not a code', () => {
    expect(parseErrorBody({ error: 'Something went wrong' })).toEqual({
      serverMessage: 'Something went wrong',
    });
  });

  it('reads plain text and clips long bodies', () => {
    expect(parseErrorBody('Bad Gateway')).toEqual({ serverMessage: 'Bad Gateway' });
    const long = parseErrorBody(`<html>${'x'.repeat(5000)}</html>`);
    expect(long.serverMessage?.length).toBeLessThanOrEqual(301);
    expect(parseErrorBody('')).toEqual({});
    expect(parseErrorBody(null)).toEqual({});
    expect(parseErrorBody('[1,2]')).toEqual({});
  });
});

describe('UnexpectedResponseError', () => {
  it('names the endpoint and the field, never the value', () => {
    const schema = z.object({ memoryBlobs: z.array(z.object({ created_at: z.string() })) });
    const result = schema.safeParse({ memoryBlobs: [{ created_at: 12345 }] });
    if (result.success) throw new Error('expected a mismatch');
    const error = UnexpectedResponseError.fromZod('GET /memory-blobs', 200, result.error);
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe('UNEXPECTED_RESPONSE');
    expect(error.message).toContain('GET /memory-blobs');
    expect(error.message).toContain('memoryBlobs.0.created_at');
    expect(error.message).not.toContain('12345');
  });
});

describe('transport errors', () => {
  it('ConnectionError keeps its cause and knows when the request never left', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const error = new ConnectionError('POST /access-requests', refused);
    expect(error.cause).toBe(refused);
    expect(error.code).toBe('CONNECTION_FAILED');
    expect(error.duringConnect).toBe(true);
    expect(error.message).toBe('Could not reach the Memoram API (POST /access-requests): ECONNREFUSED');
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(new ConnectionError('POST /access-requests', reset).duringConnect).toBe(false);
  });

  it('TimeoutError and AbortedError keep their cause', () => {
    const cause = new Error('inner');
    const timeout = new TimeoutError(endpoint, 500, cause);
    expect(timeout).toMatchObject({ code: 'TIMEOUT', timeoutMs: 500, cause });
    const aborted = new AbortedError(endpoint, 'user hit stop');
    expect(aborted).toMatchObject({ code: 'ABORTED', cause: 'user hit stop' });
    expect(isMemoramHttpError(new Error('x'))).toBe(false);
  });
});
