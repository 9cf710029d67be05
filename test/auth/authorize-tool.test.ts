// The authorize tool's browser sign-in through a real MCP client in-process, in both protocol eras,
// against the emulator: where the client takes URL elicitation, the sign-in page reaches the user
// that way and the URL stays out of the result (2025-11-25: an elicitation/create request while the
// call waits; 2026-07-28: an input_required result the client fulfils and retries); otherwise the
// URL is in the result. Then the user signs in, access is approved, and the memory tools work.
import type { Client } from '@modelcontextprotocol/client';
import { expect, it, vi } from 'vitest';
import { callTool, type Era, type PairOptions, structured } from '../helpers/mcp-pair.js';
import { type Harness, harness } from './harness.js';
import { memoryToolsWork, remotePair } from './remote-pair.js';

interface Shown {
  mode?: string;
  url?: string;
  message: string;
  elicitationId?: string;
}

type Answer = 'accept' | 'decline' | 'cancel' | 'throw';

const URL_ELICITATION = { elicitation: { url: {} } };

/** A client that takes URL elicitation, recording what it was shown and answering `answer`. */
function urlElicitation(answer: Answer = 'accept', era: Era = 'legacy') {
  const shown: Shown[] = [];
  /** The elicitation ids the server said are complete (2025-11-25 only). */
  const completed: string[] = [];
  const options: PairOptions = {
    capabilities: URL_ELICITATION,
    setup: (client: Client) => {
      client.setRequestHandler('elicitation/create', async (request) => {
        shown.push(request.params as Shown);
        if (answer === 'throw') throw new Error('this client cannot open links');
        return { action: answer };
      });
      if (era === 'legacy') {
        client.setNotificationHandler('notifications/elicitation/complete', (notification) => {
          completed.push(notification.params.elicitationId);
        });
      }
    },
  };
  return { shown, completed, options };
}

/** What a browser does with the sign-in URL when the emulator consents by itself. */
async function visit(url: string): Promise<void> {
  const consent = await fetch(url, { redirect: 'manual' });
  expect(consent.status).toBe(302);
  const back = await fetch(consent.headers.get('location')!);
  expect(back.status).toBe(200);
}

/** Calls authorize until it reports authorized (each call waits a moment for the flow). */
async function untilAuthorized(h: Harness, client: Client) {
  for (let call = 0; call < 50; call++) {
    const result = await callTool(client, 'authorize');
    h.seen(result);
    const state = structured<{ state: string }>(result);
    if (state.state === 'authorized') return state;
    expect(['awaiting_user_consent', 'awaiting_approval']).toContain(state.state);
  }
  throw new Error('authorize never reported authorized');
}

const SHOWN = /sign-in page was shown to the user.*call authorize again/;

it.each<Era>(['legacy', 'modern'])(
  'shows the sign-in page by URL elicitation and keeps the URL out of the result (%s era)',
  async (era) => {
    const h = await harness({}, { autoApprove: true });
    const { shown, completed, options } = urlElicitation('accept', era);
    const pair = await remotePair(h, { ...options, era });
    const first = await callTool(pair.client, 'authorize', { reason: 'Remember your projects' });
    h.seen(first);
    expect(first.isError).toBeFalsy();
    expect(structured(first)).toEqual({
      state: 'awaiting_user_consent',
      message: expect.stringMatching(SHOWN),
    });
    expect(JSON.stringify(first)).not.toContain('/oauth/authorize');
    await vi.waitFor(() => expect(shown).toHaveLength(1));
    const [page] = shown;
    expect(page).toMatchObject({ mode: 'url', message: expect.stringMatching(/Sign in to Memoram/) });
    expect(page!.url!.startsWith(`${h.emu.authorizeUrl}?`)).toBe(true);
    // The 2025-era request names the elicitation; the 2026-07-28 shape has no id.
    if (era === 'legacy') expect(page!.elicitationId).toEqual(expect.any(String));
    else expect(page!.elicitationId).toBeUndefined();

    expect(completed).toEqual([]);
    await visit(page!.url!);
    // Once the page is spent, a 2025-era client hears so, and can close it.
    if (era === 'legacy') await vi.waitFor(() => expect(completed).toEqual([page!.elicitationId]));
    expect(await untilAuthorized(h, pair.client)).toMatchObject({ user_id: h.emu.demoUser.user_id });
    expect(completed).toHaveLength(era === 'legacy' ? 1 : 0);
    const [filed] = await h.requests('POST /access-requests');
    expect(JSON.parse(filed!.body!).reason).toBe('Remember your projects');
    await memoryToolsWork(h, pair.client);
  },
);

it.each<Era>(['legacy', 'modern'])(
  'opens no browser of its own when the client shows the sign-in page (%s era)',
  async (era) => {
    const h = await harness();
    const opened: string[] = [];
    const openBrowser = async (url: string) => {
      opened.push(url);
      return true;
    };
    const { shown, options } = urlElicitation();
    const withElicitation = await remotePair(h, { ...options, era }, { openBrowser });
    h.seen(await callTool(withElicitation.client, 'authorize'));
    await vi.waitFor(() => expect(shown).toHaveLength(1));
    expect(opened).toEqual([]);
  },
);

it('opens the browser for a client that cannot show the sign-in page', async () => {
  const h = await harness();
  const opened: string[] = [];
  const openBrowser = async (url: string) => {
    opened.push(url);
    return true;
  };
  const pair = await remotePair(h, { capabilities: { elicitation: { form: {} } } }, { openBrowser });
  const result = await callTool(pair.client, 'authorize');
  h.seen(result);
  expect(opened).toHaveLength(1);
  expect(structured<{ authorization_url: string }>(result).authorization_url).toBe(opened[0]);
});

it.each<Era>(['legacy', 'modern'])(
  'says so when the user dismisses the sign-in page, without the URL (%s era)',
  async (era) => {
    const h = await harness();
    const { shown, options } = urlElicitation('decline');
    const pair = await remotePair(h, { ...options, era });
    const result = await callTool(pair.client, 'authorize');
    h.seen(result);
    expect(structured(result)).toEqual({
      state: 'awaiting_user_consent',
      message: expect.stringMatching(/dismissed the Memoram sign-in page.*call authorize again/),
    });
    expect(shown).toHaveLength(1);
  },
);

it.each<Era>(['legacy', 'modern'])(
  'puts the URL in the result for a client without URL elicitation, and connects (%s era)',
  async (era) => {
    const h = await harness({}, { autoApprove: true });
    const pair = await remotePair(h, { era, capabilities: { elicitation: { form: {} } } });
    const progress: string[] = [];
    const first = await pair.client.callTool(
      { name: 'authorize', arguments: {} },
      { onprogress: (update) => progress.push(update.message ?? '') },
    );
    h.seen(first);
    const state = structured<{ state: string; authorization_url: string; message: string }>(first);
    expect(state).toMatchObject({
      state: 'awaiting_user_consent',
      message: expect.stringMatching(/authorization_url/),
    });
    expect(state.authorization_url.startsWith(`${h.emu.authorizeUrl}?`)).toBe(true);
    expect(progress[0]).toMatch(/Waiting for the user to sign in to Memoram/);

    await visit(state.authorization_url);
    expect(await untilAuthorized(h, pair.client)).toMatchObject({ user_id: h.emu.demoUser.user_id });
    await memoryToolsWork(h, pair.client);
  },
);

it('falls back to the URL in the result when the client fails to show it (2025-11-25)', async () => {
  const h = await harness();
  const { shown, options } = urlElicitation('throw');
  const pair = await remotePair(h, options);
  const result = await callTool(pair.client, 'authorize');
  h.seen(result);
  expect(shown).toHaveLength(1);
  expect(structured(result)).toMatchObject({
    state: 'awaiting_user_consent',
    authorization_url: shown[0]!.url,
  });
});

it('shows the same sign-in again on a second call while it waits (2026-07-28)', async () => {
  const h = await harness();
  const { shown, options } = urlElicitation();
  const pair = await remotePair(h, { ...options, era: 'modern' });
  h.seen(await callTool(pair.client, 'authorize'));
  h.seen(await callTool(pair.client, 'authorize'));
  expect(shown).toHaveLength(2);
  expect(shown[1]!.url).toBe(shown[0]!.url);
});

it('never holds the result back on the user’s answer to the page (2025-11-25)', async () => {
  const h = await harness();
  let answered!: () => void;
  const pending = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const shown: Shown[] = [];
  const pair = await remotePair(h, {
    capabilities: URL_ELICITATION,
    setup: (client) =>
      client.setRequestHandler('elicitation/create', async (request) => {
        shown.push(request.params as Shown);
        await pending; // the user is still looking at the page
        return { action: 'accept' };
      }),
  });
  const result = await callTool(pair.client, 'authorize');
  h.seen(result);
  expect(structured(result)).toEqual({
    state: 'awaiting_user_consent',
    message: expect.stringMatching(SHOWN),
  });
  expect(shown).toHaveLength(1);
  answered();
});
