/**
 * The authorize tool: connects this server to the user's Memoram account, or says that it runs on
 * the local store. The flow itself lives behind Connection.authorize; each call advances it as far
 * as it can in a short window, reporting MCP progress while it waits, and returns the state.
 *
 * The browser sign-in's URL is for the user, not the model: where the client supports URL-mode
 * elicitation it is shown that way and left out of the result. On 2025-11-25 the elicitation is
 * sent while the call waits and never holds the result back; on 2026-07-28 the first call answers
 * input_required with the URL, and the client's retry carries on without it. No requestState is
 * needed: the sign-in in progress lives in the flow, and a retry only says "the user has seen it".
 */
import { randomUUID } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { AuthorizeInput, AuthorizeOptions, ConnectionState } from '../../connection/connection.js';
import { defineTool, type ToolCall } from './define-tool.js';

const STATES = [
  'local',
  'not_connected',
  'authorized',
  'awaiting_user_consent',
  'awaiting_approval',
  'rejected',
  'revoked',
  'error',
] as const;

/** The key of the sign-in page in a 2026-07-28 input_required result. */
const SIGN_IN = 'sign_in';
/** What the client shows the user with the URL. */
const SIGN_IN_PROMPT =
  'Sign in to Memoram and allow memoram-mcp to use your memories. Afterwards, approve its access request in your Memoram dashboard.';
const SHOWN =
  'The Memoram sign-in page was shown to the user. Ask them to sign in there and allow access, then call authorize again.';
const DISMISSED =
  'The user dismissed the Memoram sign-in page. If they want to connect after all, call authorize again to show it again.';

const AuthorizeOutput = z.object({
  state: z.enum(STATES),
  message: z.string(),
  user_id: z.string().optional(),
  key_version: z.number().optional(),
  authorization_url: z.string().optional(),
  access_request_id: z.string().optional(),
});
type AuthorizeResult = z.infer<typeof AuthorizeOutput>;

export const authorize = defineTool({
  name: 'authorize',
  title: 'Connect to Memoram',
  description:
    'Connect to the user’s Memoram account when a tool says the server is not connected. Returns the ' +
    'state and the next step for the user; call again to continue.',
  input: z.object({
    memory_key: z
      .string()
      .trim()
      .min(8, 'memory_key must be at least 8 characters')
      .max(512, 'memory_key must be at most 512 characters')
      .optional()
      .describe('Only if the user gave you one; skips the browser sign-in.'),
    reason: z
      .string()
      .max(200, 'reason must be at most 200 characters')
      .optional()
      .describe('Shown to the user when approving.'),
  }),
  output: AuthorizeOutput,
  // Not read-only (it caches credentials and files access requests) but kept in read-only mode:
  // that mode protects the memories, and without authorize a read-only server could never connect.
  keepWhenReadOnly: true,
  // Open world: it reaches Memoram's sign-in and access-request services and waits on the user.
  // Not idempotent: each call may advance the flow, e.g. file a new access request after a rejection.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  // The key is a secret: whatever the flow says, it never comes back to the model or reaches the log.
  secretArgs: ['memory_key'],
  run: ({ memory_key, reason }, call) => {
    const input = { memory_key, reason };
    switch (urlElicitation(call)) {
      case 'modern':
        return withInputRequired(input, call);
      case 'legacy':
        return withPushedUrl(input, call);
      default:
        return advance(input, call);
    }
  },
});

function advance(input: AuthorizeInput, call: ToolCall, options: AuthorizeOptions = {}) {
  return call.deps.connection.authorize(input, {
    signal: call.signal,
    onProgress: call.progress,
    ...options,
  });
}

/** Client capabilities that include URL-mode elicitation (`elicitation: { url: {} }`). */
const UrlElicitationSchema = z.looseObject({ elicitation: z.looseObject({ url: z.looseObject({}) }) });
const showsUrls = (capabilities: unknown) => UrlElicitationSchema.safeParse(capabilities).success;

/**
 * Whether the client takes URL elicitation, and how: a 2026-07-28 request declares its client's
 * capabilities in its own envelope; a 2025-era client declared them once, in initialize.
 */
function urlElicitation(call: ToolCall): 'modern' | 'legacy' | undefined {
  const { server, ctx } = call.mcp;
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  if (envelope) return showsUrls(envelope[CLIENT_CAPABILITIES_META_KEY]) ? 'modern' : undefined;
  return showsUrls(server.server.getClientCapabilities()) ? 'legacy' : undefined;
}

/** 2025-11-25: sends the URL by elicitation as soon as it exists, and waits for no answer. */
async function withPushedUrl(input: AuthorizeInput, call: ToolCall): Promise<AuthorizeResult> {
  let pushed = false;
  let answer: 'accept' | 'decline' | 'cancel' | 'failed' | undefined;
  const state = await advance(input, call, {
    urlShownByCaller: true,
    onAuthorizationUrl: (url) => {
      if (pushed) return;
      pushed = true;
      const elicitationId = randomUUID();
      const params = { mode: 'url' as const, message: SIGN_IN_PROMPT, url, elicitationId };
      completeWhenSignInEnds(call, url, elicitationId);
      // The user may take minutes over the page; the answer only matters if it comes within the call.
      // Related to the call, so on Streamable HTTP it rides the call's own stream, ahead of the result.
      const { ctx } = call.mcp;
      ctx.mcpReq.elicitInput(params, { timeout: 10 * 60_000, relatedRequestId: ctx.mcpReq.id }).then(
        (result) => {
          answer = result.action;
        },
        (error: unknown) => {
          answer = 'failed';
          call.deps.logger.warn('showing the sign-in page by URL elicitation failed', { error });
        },
      );
    },
  });
  // A client that failed to show it leaves the URL to the result, as for clients without elicitation.
  if (!pushed || answer === 'failed') return state;
  return withoutUrl(state, answer === 'decline' || answer === 'cancel' ? DISMISSED : SHOWN);
}

/**
 * 2025-11-25: once the sign-in page shown by elicitation is spent (the user consented or refused,
 * it expired, or a newer one replaced it), says so with notifications/elicitation/complete, so the
 * client can close it and carry on. That may be long after the call that showed it returned.
 */
function completeWhenSignInEnds(call: ToolCall, url: string, elicitationId: string): void {
  const { server } = call.mcp;
  const complete = server.server.createElicitationCompletionNotifier(elicitationId);
  const stop = call.deps.connection.onStatusChange((state) => {
    if (state.state === 'awaiting_user_consent' && state.authorization_url === url) return;
    stop();
    if (!server.isConnected()) return;
    complete().catch((error: unknown) =>
      call.deps.logger.debug('the sign-in page could not be marked complete', { error }),
    );
  });
}

/**
 * 2026-07-28: the first call answers input_required with the URL as soon as it exists; the
 * client shows it, then retries with the user's answer, and the retry carries on without it.
 */
async function withInputRequired(
  input: AuthorizeInput,
  call: ToolCall,
): Promise<AuthorizeResult | InputRequiredResult> {
  const answer = inputResponse(call.mcp.ctx.mcpReq.inputResponses, SIGN_IN);
  if (answer.kind === 'elicit') {
    const now = call.deps.connection.status();
    // The sign-in shown may have ended meanwhile (declined, failed): that outcome is the answer.
    if (now.state === 'rejected' || now.state === 'error') return now;
    if (answer.action !== 'accept') return withoutUrl(now, DISMISSED);
    return withoutUrl(await advance(input, call), SHOWN);
  }
  const shown = new AbortController();
  let url: string | undefined;
  const state = await advance(input, call, {
    urlShownByCaller: true,
    signal: AbortSignal.any([call.signal, shown.signal]),
    onAuthorizationUrl: (found) => {
      url = found;
      shown.abort(); // no need to wait: the client shows the page, then retries
    },
  });
  if (url === undefined || state.state !== 'awaiting_user_consent') return state;
  return inputRequired({
    inputRequests: { [SIGN_IN]: inputRequired.elicitUrl({ message: SIGN_IN_PROMPT, url }) },
  });
}

/** A state waiting for the user's sign-in, with the URL left to the page the client showed. */
function withoutUrl(state: ConnectionState, message: string): AuthorizeResult {
  if (state.state !== 'awaiting_user_consent') return state;
  const { authorization_url: _shown, ...rest } = state;
  return { ...rest, message };
}
