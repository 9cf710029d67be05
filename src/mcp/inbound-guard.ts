/**
 * What comes in from a client before the MCP SDK sees it. The SDK drops a message that does not
 * match its JSON-RPC schema (a `params` string, a `_meta.progressToken` object) with no answer,
 * so the client waits until its own timeout; and it looks tools and prompts up by name in a plain
 * object, so `__proto__` or `toString` finds Object.prototype and answers "Tool … disabled".
 * This module judges each parsed message: pass it on, answer it with a JSON-RPC error here
 * (every request with an id gets one), or drop it (a notification or a response nobody asked for).
 * The stdio transport calls it for every message (over HTTP the SDK answers malformed messages
 * itself, and http.ts checks only the names); it holds no state.
 */
import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  type JSONRPCMessage,
  PARSE_ERROR,
  parseJSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/server';
import { z } from 'zod';

/** A JSON-RPC error answer; `id` is null when the request's id could not be read. */
export interface ErrorAnswer {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: { code: number; message: string };
}

export type Verdict =
  | { kind: 'deliver'; message: JSONRPCMessage }
  | { kind: 'answer'; answer: ErrorAnswer | ErrorAnswer[]; reason: string }
  | { kind: 'drop'; reason: string };

const RequestIdSchema = z.union([z.string(), z.number().int()]);

/** The envelope rules, in the order a client most needs to hear about them. */
const EnvelopeSchema = z.object({
  jsonrpc: z.literal('2.0', { error: 'jsonrpc must be "2.0"' }),
  method: z.string({ error: 'method must be a string' }),
});
const ParamsSchema = z
  .object(
    {
      _meta: z
        .object(
          {
            progressToken: z
              .union([z.string(), z.number().int()], { error: 'must be a string or an integer' })
              .optional(),
          },
          { error: 'must be an object' },
        )
        .loose()
        .optional(),
    },
    { error: 'params must be an object' },
  )
  .loose()
  .optional();

export function errorAnswer(id: RequestId | null, code: number, message: string): ErrorAnswer {
  return { jsonrpc: '2.0', id, error: { code, message } };
}

export const parseErrorAnswer = (): ErrorAnswer => errorAnswer(null, PARSE_ERROR, 'Parse error: not JSON');

export function judgeInbound(value: unknown): Verdict {
  if (Array.isArray(value)) return judgeBatch(value);
  let message: JSONRPCMessage;
  try {
    message = parseJSONRPCMessage(value);
  } catch {
    return judgeMalformed(value);
  }
  const answer = prototypeNameAnswer(message);
  if (answer) return { kind: 'answer', answer, reason: 'a name that only Object.prototype has' };
  return { kind: 'deliver', message };
}

/**
 * The answer to a request for a tool or prompt named like a property of Object.prototype
 * (`__proto__`, `toString`), which the SDK would find there; undefined for any other message.
 * The HTTP face, where the SDK answers malformed messages itself, needs only this check.
 */
export function prototypeNameAnswer(message: JSONRPCMessage): ErrorAnswer | undefined {
  const unknownName = prototypeName(message);
  const id = 'id' in message ? message.id : undefined;
  return unknownName && id !== undefined ? errorAnswer(id, INVALID_PARAMS, unknownName) : undefined;
}

/** MCP has no batches (removed in 2025-06-18); each request in one is answered, none is run. */
function judgeBatch(items: unknown[]): Verdict {
  const text = 'Invalid request: batches are not supported; send one message per line';
  const answers = items
    .map((item) => readId(item))
    .filter((id): id is RequestId => id !== undefined)
    .map((id) => errorAnswer(id, INVALID_REQUEST, text));
  const answer = answers.length > 0 ? answers : errorAnswer(null, INVALID_REQUEST, text);
  return { kind: 'answer', answer, reason: 'a batch' };
}

function judgeMalformed(value: unknown): Verdict {
  const record = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const id = readId(value);
  const hasId = 'id' in record;
  if (!('method' in record) && ('result' in record || 'error' in record)) {
    return { kind: 'drop', reason: 'a malformed response' };
  }
  if (!hasId && typeof record.method === 'string')
    return { kind: 'drop', reason: 'a malformed notification' };
  const envelope = EnvelopeSchema.safeParse(record);
  let answer: ErrorAnswer;
  if (typeof value !== 'object' || value === null) {
    answer = errorAnswer(null, INVALID_REQUEST, 'Invalid request: a message must be a JSON object');
  } else if (!envelope.success) {
    answer = errorAnswer(
      id ?? null,
      INVALID_REQUEST,
      `Invalid request: ${envelope.error.issues[0]?.message}`,
    );
  } else if (hasId && id === undefined) {
    answer = errorAnswer(null, INVALID_REQUEST, 'Invalid request: id must be a string or an integer');
  } else {
    const params = ParamsSchema.safeParse(record.params);
    const issue = params.success ? undefined : params.error.issues[0];
    if (issue) {
      const text =
        issue.path.length === 0 ? issue.message : `params.${issue.path.join('.')} ${issue.message}`;
      answer = errorAnswer(id ?? null, INVALID_PARAMS, `Invalid params: ${text}`);
    } else {
      const extra = Object.keys(record).some((key) => !['jsonrpc', 'id', 'method', 'params'].includes(key));
      const text = extra
        ? 'only jsonrpc, id, method and params may appear at the top level'
        : 'the message does not match JSON-RPC 2.0 as MCP uses it';
      answer = errorAnswer(id ?? null, INVALID_REQUEST, `Invalid request: ${text}`);
    }
  }
  return { kind: 'answer', answer, reason: answer.error.message };
}

function readId(value: unknown): RequestId | undefined {
  if (typeof value !== 'object' || value === null || !('id' in value)) return undefined;
  const id = RequestIdSchema.safeParse((value as { id: unknown }).id);
  return id.success ? id.data : undefined;
}

/**
 * The SDK's own not-found text for a tool or prompt named like a key of Object.prototype, which
 * no server of ours registers; undefined for every other message.
 */
function prototypeName(message: JSONRPCMessage): string | undefined {
  if (!('method' in message)) return undefined;
  const params = message.params as Record<string, unknown> | undefined;
  const inherited = (name: unknown): name is string => typeof name === 'string' && name in Object.prototype;
  if (message.method === 'tools/call' && inherited(params?.name)) return `Tool ${params.name} not found`;
  if (message.method === 'prompts/get' && inherited(params?.name)) return `Prompt ${params.name} not found`;
  const ref = params?.ref as Record<string, unknown> | undefined;
  if (message.method === 'completion/complete' && ref?.type === 'ref/prompt' && inherited(ref.name)) {
    return `Prompt ${ref.name} not found`;
  }
  return undefined;
}
