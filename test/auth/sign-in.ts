/**
 * Helpers for the browser sign-in tests: a flow on the emulator's OAuth client, the first call that
 * starts the sign-in, the consent page answered like a browser would, the browser landing on the
 * loopback listener, and the checks every failed sign-in must pass.
 */
import { expect } from 'vitest';
import type { ConnectionState } from '../../src/connection/connection.js';
import { browse, decide, hiddenField } from '../emulator/oauth-helpers.js';
import { type Harness, stateBecomes } from './harness.js';

/** A flow that signs in through the emulator's OAuth client. */
export function oauthFlow(h: Harness, lifetimeMs?: number) {
  return h.flow({ oauth: h.oauth(lifetimeMs ? { lifetimeMs } : {}) });
}

/** The flow's sign-in URL, after the first authorize call (which must be waiting for consent). */
export async function startSignIn(h: Harness, flow: ReturnType<typeof oauthFlow>, reason?: string) {
  const state = await flow.authorize(reason ? { reason } : {});
  h.seen(state);
  if (state.state !== 'awaiting_user_consent') throw new Error(`unexpected ${state.state}`);
  const url = new URL(state.authorization_url);
  return { state, url, redirectUri: url.searchParams.get('redirect_uri')! };
}

/** Opens the consent page like a browser and answers it; returns where the emulator sends it back. */
export async function answerConsent(
  h: Harness,
  url: URL,
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const page = await browse(url.toString());
  expect(page.status).toBe(200);
  const answer = await decide(h.emu, hiddenField(page.text, 'consent'), decision);
  expect(answer.status).toBe(302);
  return answer.location!;
}

/** The browser landing on the loopback listener. */
export async function land(location: URL | string): Promise<{ status: number; text: string }> {
  const response = await fetch(location);
  return { status: response.status, text: await response.text() };
}

/** Nothing was kept: no credentials, no pending request, no OAuth tokens. */
export async function expectNothingKept(h: Harness, flow: ReturnType<typeof oauthFlow>) {
  expect(flow.credentials()).toBeUndefined();
  expect(h.store.load()).toEqual({});
  expect(await h.requests('POST /access-requests')).toEqual([]);
}

/** Ends with `state`, recorded for the secret scan, with a message that says to start again. */
export async function endsIn(
  h: Harness,
  flow: ReturnType<typeof oauthFlow>,
  state: ConnectionState['state'],
) {
  const ended = await stateBecomes(flow, state);
  h.seen(ended);
  expect(ended.message).toMatch(/call authorize again/i);
  return ended;
}
