/**
 * The one seam between tool definitions and the MCP server. Every tool is registered here, so the
 * cross-cutting rules live in one place: read-only mode, the result shape (structuredContent parsed
 * through the output schema, the same JSON as a text block), and errors. A MemoramError becomes an
 * isError result saying what happened and what to do next; anything else becomes an isError that
 * points at the server log, with the stack on stderr only. Tool bodies never catch. Arguments a tool
 * declares secret (authorize's memory_key) are scrubbed from whatever comes back or gets logged.
 *
 * Arguments are validated by the SDK against the input schema before a body runs; a violation comes
 * back as an isError result naming the field and the limit ("title: title must be at most 200
 * characters"), so the schemas' messages are written for the model.
 */
import {
  type CallToolResult,
  CLIENT_INFO_META_KEY,
  type InputRequiredResult,
  isInputRequiredResult,
  type McpServer,
  type ResourceLink,
  type ServerContext,
  type StandardSchemaWithJSON,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { isMemoramError } from '../../memory/errors.js';
import { LIMITS } from '../../memory/limits.js';
import type { CurrentScope } from '../../memory/scopes.js';
import type { MemoryService } from '../../memory/service.js';
import type { SessionDeps } from '../server.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a tool body gets for one call. */
export interface ToolCall {
  readonly deps: SessionDeps;
  /** Aborted when the client cancels the call. */
  readonly signal: AbortSignal;
  /** The memory service right now; throws MemoramError AUTH_REQUIRED until the server is connected. */
  service(): MemoryService;
  /** The session's current scope, once the client's roots are known where it offers them. */
  scope(): Promise<CurrentScope>;
  /** The connected client's name (e.g. "claude-ai"), bounded to a valid memory source. */
  clientName(): string | undefined;
  /** Sends an MCP progress notification, when the client asked for them. */
  progress(message: string): void;
  /** The protocol itself, for the one tool that talks it (authorize shows its URL by elicitation). */
  readonly mcp: { readonly server: McpServer; readonly ctx: ServerContext };
}

interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  name: string;
  title: string;
  description: string;
  /** What the description adds about the session's current scope; kept current as it changes. */
  context?: (scope: CurrentScope) => string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** Keep the tool in read-only mode although it is not read-only (only authorize; see there). */
  keepWhenReadOnly?: true;
  /** Arguments whose values must never come back to the model or reach the log. */
  secretArgs?: readonly (keyof z.output<I> & string)[];
  /** Extra content blocks after the JSON text, e.g. one resource link per search hit. */
  links?: (result: z.output<O>) => ResourceLink[];
  /** The result, or (2026-07-28) an input_required result asking the client for input first. */
  run(args: z.output<I>, call: ToolCall): Promise<z.input<O> | InputRequiredResult>;
}

export interface Tool {
  readonly name: string;
  readonly annotations: ToolAnnotations;
  readonly keepWhenReadOnly: boolean;
  register(server: McpServer, deps: SessionDeps): void;
}

export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(spec: ToolSpec<I, O>): Tool {
  return {
    name: spec.name,
    annotations: spec.annotations,
    keepWhenReadOnly: spec.keepWhenReadOnly ?? false,
    register(server, deps) {
      const describe = (scope: CurrentScope) =>
        spec.context ? `${spec.description} ${spec.context(scope)}` : spec.description;
      const config = {
        title: spec.title,
        description: describe(deps.currentScope.get()),
        inputSchema: listed(spec.input),
        outputSchema: listed(spec.output, 'parsed by the handler'),
        annotations: spec.annotations,
      };
      // The SDK has validated args against spec.input before this runs.
      const handler = async (
        args: unknown,
        ctx: ServerContext,
      ): Promise<CallToolResult | InputRequiredResult> => {
        const secrets = secretValues(args, spec.secretArgs);
        try {
          const output = await spec.run(args as z.output<I>, toolCall(server, deps, ctx));
          if (isInputRequiredResult(output)) return output;
          // Parsing strips any field the schema does not declare, so nothing undeclared reaches the model.
          const result = scrub(spec.output.parse(output), secrets);
          return {
            structuredContent: result,
            content: [{ type: 'text', text: JSON.stringify(result) }, ...(spec.links?.(result) ?? [])],
          };
        } catch (error) {
          return failure({ tool: spec.name, error, ctx, deps, secrets });
        }
      };
      const registered = server.registerTool(spec.name, config, handler);
      if (spec.context)
        deps.currentScope.onChange((scope) => registered.update({ description: describe(scope) }));
    },
  };
}

/**
 * The zod schema as the SDK sees it, listed compactly, since clients put tools/list in the model's
 * context on every turn (test/tool-list.test.ts holds it to a budget). Input schemas lose only
 * `$schema` (MCP tool schemas are draft 2020-12 unless they say otherwise). Output schemas also
 * lose `required` and `additionalProperties: false`: every result is parsed through the zod schema
 * before it leaves, so the server keeps those promises without spelling them out. For the same
 * reason the SDK's own check of a result against the output schema passes it through, rather than
 * parse every result a second time.
 */
function listed(
  schema: z.ZodObject,
  output?: 'parsed by the handler',
): StandardSchemaWithJSON<unknown, Record<string, unknown>> {
  const standard = schema['~standard'];
  const strip = ({ $schema: _dialect, ...rest }: Record<string, unknown>) => rest;
  return {
    '~standard': {
      ...standard,
      ...(output ? { validate: (value: unknown) => ({ value: value as Record<string, unknown> }) } : {}),
      jsonSchema: {
        input: (options) => portable(strip(standard.jsonSchema.input(options))),
        output: (options) => portable(withoutShapeRules(strip(standard.jsonSchema.output(options)))),
      },
    },
  };
}

/**
 * Drops the object-level `required` lists and `additionalProperties: false`, at every depth (a
 * property named like either keyword maps to a schema object, so it is never mistaken for one).
 */
function withoutShapeRules<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withoutShapeRules) as T;
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node)
    .filter(([key, value]) => !(key === 'additionalProperties' && value === false))
    .filter(([key, value]) => !(key === 'required' && Array.isArray(value)))
    .map(([key, value]) => [key, withoutShapeRules(value)]);
  return Object.fromEntries(entries) as T;
}

/**
 * zod writes a nullable field as `type: ["number", "null"]`; clients that map tool schemas onto a
 * single-`type` dialect (Gemini's OpenAPI subset, for one) reject or loosen that, so each type
 * becomes its own `anyOf` branch, the field's constraints going with the non-null one.
 */
function portable<T>(node: T): T {
  if (Array.isArray(node)) return node.map(portable) as T;
  if (node === null || typeof node !== 'object') return node;
  const schema = Object.fromEntries(Object.entries(node).map(([key, value]) => [key, portable(value)]));
  const { type, description, ...constraints } = schema;
  // A property named `type` maps to a schema object, never to an array of names.
  if (!Array.isArray(type) || !type.every((one) => typeof one === 'string')) return schema as T;
  const anyOf = type.map((one) => (one === 'null' ? { type: 'null' } : { type: one, ...constraints }));
  return (description === undefined ? { anyOf } : { description, anyOf }) as T;
}

/** Registers the tools the server's mode allows. */
export function registerTools(server: McpServer, tools: readonly Tool[], deps: SessionDeps): void {
  for (const tool of tools) {
    if (deps.readOnly && !tool.annotations.readOnlyHint && !tool.keepWhenReadOnly) continue;
    tool.register(server, deps);
  }
}

function toolCall(server: McpServer, deps: SessionDeps, ctx: ServerContext): ToolCall {
  return {
    deps,
    signal: ctx.mcpReq.signal,
    service: () => deps.connection.service(),
    scope: () => deps.currentScope.settled(),
    clientName: () => clientName(server, ctx),
    progress: progressReporter(ctx),
    mcp: { server, ctx },
  };
}

const ClientInfoSchema = z.object({ name: z.string().trim().min(1) });

/**
 * 2026-07-28 requests carry the client's identity in every request's envelope; a 2025-era client
 * sent it once, in initialize.
 */
function clientName(server: McpServer, ctx: ServerContext): string | undefined {
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const fromEnvelope = ClientInfoSchema.safeParse(envelope?.[CLIENT_INFO_META_KEY]);
  const name = fromEnvelope.success ? fromEnvelope.data.name : server.server.getClientVersion()?.name.trim();
  return name ? name.slice(0, LIMITS.sourceChars) : undefined;
}

function progressReporter(ctx: ServerContext): (message: string) => void {
  const token = ctx.mcpReq._meta?.progressToken;
  let progress = 0;
  return (message) => {
    if (token === undefined || ctx.mcpReq.signal.aborted) return;
    progress += 1;
    // Progress is best effort: a client that went away must not fail the call.
    ctx.mcpReq
      .notify({ method: 'notifications/progress', params: { progressToken: token, progress, message } })
      .catch(() => {});
  };
}

interface Failure {
  tool: string;
  error: unknown;
  ctx: ServerContext;
  deps: SessionDeps;
  secrets: readonly string[];
}

function failure({ tool, error, ctx, deps, secrets }: Failure): CallToolResult {
  if (isMemoramError(error)) {
    deps.logger.debug(`${tool} answered an error`, { code: error.code });
    return errorResult(scrub(error.userText, secrets));
  }
  if (ctx.mcpReq.signal.aborted) return errorResult(`${tool} was cancelled.`);
  const details =
    error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : error;
  deps.logger.error(`${tool} failed`, { error: scrub(details, secrets) });
  return errorResult(`Internal error in ${tool}, see the server log.`);
}

function secretValues(args: unknown, names: readonly string[] = []): string[] {
  const values = names.map((name) => (args as Record<string, unknown> | undefined)?.[name]);
  return values.filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/** Replaces every occurrence of the secrets in the strings of a plain JSON-like value. */
function scrub<T>(value: T, secrets: readonly string[]): T {
  if (secrets.length === 0) return value;
  if (typeof value === 'string') {
    return secrets.reduce((text, secret) => text.replaceAll(secret, '[redacted]'), value as string) as T;
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, secrets)])) as T;
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}
