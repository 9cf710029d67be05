import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createEmbeddings } from '../../src/embeddings/embeddings.js';
import { EmbeddingError } from '../../src/embeddings/errors.js';
import { connectOpenAIProvider } from '../../src/embeddings/openai-provider.js';
import { createLogger } from '../../src/log/logger.js';

const KEY = 'sk-test-very-secret-0123456789';

interface Received {
  authorization: string | undefined;
  body: { model: string; input: string[]; encoding_format?: string };
}

/** A fake OpenAI-compatible endpoint: answers `dimensions`-long vectors, or what `next` says. */
interface FakeEndpoint {
  url: string;
  received: Received[];
  dimensions: number;
  /** Answers to give before the normal ones, in order: a status, or 'hang'. */
  script: (number | 'hang')[];
  close(): Promise<void>;
}

function vectorFor(text: string, dimensions: number): number[] {
  // Deterministic, and not normalised: the provider must normalise.
  return Array.from({ length: dimensions }, (_, i) => ((text.charCodeAt(i % text.length) + i) % 13) + 1);
}

async function startEndpoint(): Promise<FakeEndpoint> {
  const sockets = new Set<import('node:net').Socket>();
  const endpoint: FakeEndpoint = {
    url: '',
    received: [],
    dimensions: 8,
    script: [],
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    let raw = '';
    for await (const chunk of request) raw += chunk;
    if (request.method !== 'POST' || request.url !== '/v1/embeddings') {
      response.writeHead(404).end();
      return;
    }
    const body = JSON.parse(raw) as Received['body'];
    endpoint.received.push({ authorization: request.headers.authorization, body });
    const step = endpoint.script.shift();
    if (step === 'hang') return;
    if (typeof step === 'number') {
      response.writeHead(step, { 'content-type': 'application/json' }).end(`{"error":"echo ${KEY}"}`);
      return;
    }
    // Out of order on purpose: clients must order by `index`.
    const data = body.input.map((text, index) => ({
      object: 'embedding',
      index,
      embedding: vectorFor(text, endpoint.dimensions),
    }));
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ object: 'list', model: body.model, data: data.reverse() }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return endpoint;
}

let endpoint: FakeEndpoint;
beforeEach(async () => {
  endpoint = await startEndpoint();
});
afterEach(async () => {
  await endpoint.close();
});

const quick = { random: () => 0, retries: 3 };

describe('the OpenAI-compatible provider', () => {
  it('learns the dimension, sends the texts in batches, and returns normalised vectors in order', async () => {
    const provider = await connectOpenAIProvider({
      url: endpoint.url,
      model: 'nomic-embed-text',
      apiKey: KEY,
      batchSize: 4,
    });
    expect(provider.dimensions).toBe(8);
    expect(provider.id).toBe(`openai:${endpoint.url}#nomic-embed-text@8`);
    const texts = Array.from({ length: 10 }, (_, i) => `memory number ${i}`);
    const vectors = await provider.embed(texts);
    expect(endpoint.received.map((request) => request.body.input.length)).toEqual([1, 4, 4, 2]);
    expect(endpoint.received[1]!.body).toEqual({
      model: 'nomic-embed-text',
      input: texts.slice(0, 4),
      encoding_format: 'float',
    });
    expect(endpoint.received.every((request) => request.authorization === `Bearer ${KEY}`)).toBe(true);
    vectors.forEach((vector, i) => {
      const expected = vectorFor(texts[i]!, 8);
      const norm = Math.hypot(...expected);
      expect([...vector].map((value) => value.toFixed(5))).toEqual(
        expected.map((value) => (value / norm).toFixed(5)),
      );
    });
  });

  it('retries a 500 and succeeds', async () => {
    const provider = await connectOpenAIProvider({ url: endpoint.url, model: 'm', ...quick });
    endpoint.received.length = 0;
    endpoint.script = [500];
    const [vector] = await provider.embed(['hello']);
    expect(vector).toHaveLength(8);
    expect(endpoint.received).toHaveLength(2);
  });

  it('gives up after its retries with the status, never the body or the key', async () => {
    const provider = await connectOpenAIProvider({ url: endpoint.url, model: 'm', apiKey: KEY, ...quick });
    endpoint.script = [503, 503, 503, 503];
    const error = await provider.embed(['hello']).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect((error as Error).message).toBe(
      `the embeddings endpoint ${new URL(endpoint.url).origin}/v1/embeddings answered HTTP 503`,
    );
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(KEY);
    endpoint.script = [401];
    await expect(provider.embed(['x'])).rejects.toThrow(
      /answered HTTP 401 \(check MEMORAM_EMBEDDINGS_API_KEY\)$/,
    );
  });

  it('times a request out, retries it, and says so when every attempt timed out', async () => {
    const provider = await connectOpenAIProvider({ url: endpoint.url, model: 'm', timeoutMs: 150, ...quick });
    endpoint.received.length = 0;
    endpoint.script = ['hang'];
    await expect(provider.embed(['slow'])).resolves.toHaveLength(1);
    expect(endpoint.received).toHaveLength(2);
    endpoint.script = ['hang', 'hang', 'hang', 'hang'];
    await expect(provider.embed(['slow'])).rejects.toThrow(
      /^the embeddings endpoint .* did not answer within 150 ms$/,
    );
  });

  it('refuses vectors of another length than the model gave before', async () => {
    const provider = await connectOpenAIProvider({ url: endpoint.url, model: 'm' });
    endpoint.dimensions = 6;
    const error = await provider.embed(['hello']).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'DIMENSION' });
    expect((error as Error).message).toMatch(/returned vectors of 6 dimensions where 8 were expected/);
  });

  it('refuses an answer that is not an embeddings response, or has too few vectors', async () => {
    const provider = await connectOpenAIProvider({ url: endpoint.url, model: 'm', ...quick });
    endpoint.script = [200];
    await expect(provider.embed(['a'])).rejects.toThrow(/not an OpenAI embeddings response$/);
  });
});

describe('embeddings from an endpoint, as the server starts them', () => {
  it('are ready once the endpoint answered, and the key is never in the log', async () => {
    const lines: string[] = [];
    const logger = createLogger(
      'debug',
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const env = {
      MEMORAM_CACHE_DIR: path.join('/tmp', 'unused-cache'),
      MEMORAM_EMBEDDINGS_URL: endpoint.url,
      MEMORAM_EMBEDDINGS_MODEL: 'nomic-embed-text',
      MEMORAM_EMBEDDINGS_API_KEY: KEY,
    };
    const embeddings = createEmbeddings(loadConfig({ env }), { logger });
    expect(embeddings.status()).toMatchObject({ state: 'loading' });
    expect((await embeddings.ready())?.dimensions).toBe(8);
    expect(embeddings.status()).toEqual({
      state: 'ready',
      model: `nomic-embed-text at ${endpoint.url}`,
      dimensions: 8,
    });
    await embeddings.close();

    // Down at start (every try of the first connect answered 503): asked again until it answers.
    endpoint.script = [503, 503, 503, 503];
    const waiting = createEmbeddings(loadConfig({ env }), { logger, reconnectMs: 50 });
    await expect
      .poll(() => waiting.status(), { timeout: 10_000 })
      .toMatchObject({
        state: 'failed',
        error: expect.stringMatching(/answered HTTP 503; trying again in 1 s$/),
      });
    expect((await waiting.ready())?.dimensions).toBe(8);
    expect(waiting.status()).toMatchObject({ state: 'ready' });
    expect(lines.join('')).toContain('Search by meaning waits for its endpoint');
    await waiting.close();

    // Closed while it waits to ask again: it stops, and ready() settles without a provider.
    endpoint.script = Array(40).fill(503);
    const closing = createEmbeddings(loadConfig({ env }), { logger, reconnectMs: 60_000 });
    await expect.poll(() => closing.status().state, { timeout: 10_000 }).toBe('failed');
    await closing.close();
    expect(await closing.ready()).toBeUndefined();
    endpoint.script = [];

    // A wrong answer (here a refused key) fails for good: ready() settles without a provider.
    endpoint.script = [401];
    const failing = createEmbeddings(loadConfig({ env }), { logger, reconnectMs: 50 });
    await failing.ready();
    expect(failing.status()).toMatchObject({ state: 'failed', error: expect.stringContaining('HTTP 401') });
    expect(JSON.stringify(failing.status())).not.toContain(KEY);
    expect(lines.join('')).not.toContain(KEY);
    expect(lines.join('')).toContain('Search by meaning is unavailable');
  });
});
