/**
 * The authorize tool: connects this server to the user's Memoram account, or says that it runs on
 * the local store. The flow itself lives behind Connection.authorize; each call advances it as far
 * as it can in a short window, reporting MCP progress while it waits, and returns the state.
 */
import { z } from 'zod';
import { defineTool } from './define-tool.js';

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
  output: z.object({
    state: z.enum(STATES),
    message: z.string(),
    user_id: z.string().optional(),
    key_version: z.number().optional(),
    authorization_url: z.string().optional(),
    access_request_id: z.string().optional(),
  }),
  // Not read-only (it caches credentials and files access requests) but kept in read-only mode:
  // that mode protects the memories, and without authorize a read-only server could never connect.
  keepWhenReadOnly: true,
  // Open world: it reaches Memoram's sign-in and access-request services and waits on the user.
  // Not idempotent: each call may advance the flow, e.g. file a new access request after a rejection.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  // The key is a secret: whatever the flow says, it never comes back to the model or reaches the log.
  secretArgs: ['memory_key'],
  run: ({ memory_key, reason }, call) =>
    call.deps.connection.authorize(
      { memory_key, reason },
      { signal: call.signal, onProgress: call.progress },
    ),
});
