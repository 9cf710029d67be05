// The authorize tool over Streamable HTTP, against the emulator: a client that takes URL
// elicitation is shown the sign-in page that way (2025-11-25: elicitation/create on the call's
// stream; 2026-07-28: input_required, fulfilled and retried by the client) and the URL stays out
// of the result; a client without it gets the URL in the result.
import { expect, it, onTestFinished, vi } from 'vitest';
import { RemoteConnection } from '../../src/connection/remote-connection.js';
import { startHttpServer } from '../../src/mcp/http.js';
import { createServer } from '../../src/mcp/server.js';
import { type Harness, harness } from '../auth/harness.js';
import { callTool, structured } from '../helpers/mcp-pair.js';
import { connectHttp, type Era } from './http-cli.js';

async function serveOverHttp(h: Harness) {
  const flow = h.flow({
    oauth: h.oauth({ openBrowser: async () => false }),
    waitMs: 200,
    progressEveryMs: 50,
  });
  const connection = new RemoteConnection({ client: h.newClient(), flow, logger: h.logger });
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    token: undefined,
    connection,
    logger: h.logger,
    createServer: () =>
      createServer({ connection, readOnly: false, logger: h.logger, version: '0.0.0-test' }),
  });
  onTestFinished(async () => {
    await server.close();
    await connection.close();
  });
  return server;
}

it.each<Era>(['legacy', 'modern'])(
  'shows the sign-in page by URL elicitation over HTTP and keeps the URL out of the result (%s era)',
  async (era) => {
    const h = await harness();
    const server = await serveOverHttp(h);
    const shown: { mode?: string; url?: string }[] = [];
    const client = await connectHttp(server.url, era, {
      capabilities: { elicitation: { url: {} } },
      setup: (c) =>
        c.setRequestHandler('elicitation/create', async (request) => {
          shown.push(request.params as { mode?: string; url?: string });
          return { action: 'accept' };
        }),
    });
    onTestFinished(() => client.close());
    const result = await callTool(client, 'authorize');
    h.seen(result);
    expect(structured(result)).toMatchObject({ state: 'awaiting_user_consent' });
    expect(JSON.stringify(result)).not.toContain('/oauth/authorize');
    await vi.waitFor(() => expect(shown).toHaveLength(1));
    expect(shown[0]).toMatchObject({ mode: 'url' });
    expect(shown[0]!.url!.startsWith(`${h.emu.authorizeUrl}?`)).toBe(true);
  },
);

it.each<Era>(['legacy', 'modern'])(
  'gives the URL in the result to a client without URL elicitation (%s era)',
  async (era) => {
    const h = await harness();
    const server = await serveOverHttp(h);
    const client = await connectHttp(server.url, era);
    onTestFinished(() => client.close());
    const result = await callTool(client, 'authorize');
    h.seen(result);
    const state = structured<{ state: string; authorization_url?: string }>(result);
    expect(state.state).toBe('awaiting_user_consent');
    expect(state.authorization_url?.startsWith(`${h.emu.authorizeUrl}?`)).toBe(true);
  },
);
