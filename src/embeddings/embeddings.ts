/**
 * The embedding side of a running server, built from the configuration: it starts getting its
 * provider ready at once, in the background (a model folder loaded, a Hugging Face model fetched
 * into the cache first, or an endpoint probed), and never makes a caller wait for it: until it is
 * ready, `provider()` is undefined, search stays by words, and `status()` says why.
 *
 * The providers' modules (the tokenizer library, the HTTP client) are imported by the load itself:
 * a server with embeddings off never reads them (they were a fifth of its start).
 */
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { untilAborted } from '../async/until-aborted.js';
import { type Config, DEFAULT_EMBEDDINGS_MODEL } from '../config.js';
import type { Logger } from '../log/logger.js';
import { EmbeddingError } from './errors.js';
import type { EmbeddingProvider, Embeddings, EmbeddingsStatus } from './provider.js';

export interface EmbeddingsDeps {
  logger: Logger;
  /** For tests: where HTTP goes (the model hub, the endpoint). */
  dispatcher?: Dispatcher;
  /** For tests: the first wait before asking an unreachable endpoint again (default 5 s, doubling to 5 min). */
  reconnectMs?: number;
  /**
   * The load begins once this resolves (at once without it). The stdio server passes the end of
   * its client's handshake: loading a model is work on the one JavaScript thread (parsing the
   * tokenizer alone takes tens of milliseconds), which would otherwise come between the client's
   * initialize and its first list request.
   */
  startAfter?: Promise<unknown>;
}

const MAX_RECONNECT_MS = 300_000;

const MB = 1_000_000;
// Progress lines on stderr: one per this many bytes of a file, plus the first and the last.
const PROGRESS_STEP_BYTES = 5 * MB;

export function createEmbeddings(
  config: Pick<Config, 'embeddings' | 'cacheDir'>,
  deps: EmbeddingsDeps,
): Embeddings {
  const settings = config.embeddings;
  if (settings.provider === 'off') {
    const status: EmbeddingsStatus = { state: 'off', reason: settings.reason };
    return {
      status: () => status,
      provider: () => undefined,
      ready: async () => undefined,
      close: async () => {},
    };
  }
  const model = settings.provider === 'local' ? settings.model : `${settings.model} at ${settings.url}`;
  const controller = new AbortController();
  let status: EmbeddingsStatus = {
    state: 'loading',
    model,
    detail: settings.provider === 'local' ? 'starting' : `asking ${settings.url} for the vector length`,
  };
  let provider: EmbeddingProvider | undefined;
  const loading = (async () => {
    try {
      await untilAborted(deps.startAfter ?? Promise.resolve(), controller.signal);
      provider =
        settings.provider === 'local'
          ? await loadLocal(
              settings.model,
              settings.baseUrl,
              config.cacheDir,
              deps,
              controller.signal,
              (detail) => {
                status = { state: 'loading', model, detail };
              },
            )
          : await connectEndpoint(settings, deps, controller.signal, (error) => {
              status = { state: 'failed', model, error };
            });
      if (controller.signal.aborted) return undefined;
      status = { state: 'ready', model, dimensions: provider.dimensions };
      deps.logger.info('Search by meaning is ready.', { model, dimensions: provider.dimensions });
      return provider;
    } catch (error) {
      if (controller.signal.aborted) return undefined;
      const message = (error as Error).message;
      status = { state: 'failed', model, error: message };
      deps.logger.warn(`Search by meaning is unavailable (${message}); search stays by words.`);
      return undefined;
    }
  })();
  return {
    status: () => status,
    provider: () => provider,
    ready: () => loading,
    close: async () => {
      controller.abort();
      await loading;
    },
  };
}

/**
 * An endpoint that is down (Ollama or LM Studio not started yet, say) is asked again, less and
 * less often, until it answers: `failed` says so meanwhile, and `ready()` waits. An endpoint that
 * answers wrongly (401, 404, not an embeddings API) fails for good.
 */
async function connectEndpoint(
  settings: Extract<Config['embeddings'], { provider: 'openai' }>,
  deps: EmbeddingsDeps,
  signal: AbortSignal,
  report: (error: string) => void,
): Promise<EmbeddingProvider> {
  const options = {
    url: settings.url,
    model: settings.model,
    apiKey: settings.apiKey,
    dispatcher: deps.dispatcher,
  };
  const { connectOpenAIProvider } = await import('./openai-provider.js');
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectOpenAIProvider(options, signal);
    } catch (error) {
      if (!(error instanceof EmbeddingError) || !error.transient || signal.aborted) throw error;
      const waitMs = Math.min(MAX_RECONNECT_MS, (deps.reconnectMs ?? 5_000) * 2 ** attempt);
      const line = `${error.message}; trying again in ${Math.ceil(waitMs / 1000)} s`;
      report(line);
      if (attempt === 0)
        deps.logger.warn(`Search by meaning waits for its endpoint (${line}); search stays by words.`);
      await sleep(waitMs, undefined, { signal, ref: false });
    }
  }
}

async function entryKind(candidate: string): Promise<'folder' | 'missing' | 'other'> {
  try {
    return (await stat(candidate)).isDirectory() ? 'folder' : 'other';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'other';
  }
}

/**
 * A value that can only be a path (./x, ../x, /x, ~/x, C:\x, anything with a backslash or more than
 * one slash): no Hugging Face id looks like that. Such a folder that is missing is reported as
 * missing, never looked up on the hub.
 */
const PATH_SHAPED = /^(?:\.|~(?:[/\\]|$)|\/|[A-Za-z]:[/\\])|\\|\/.*\//;

/** Where a path-shaped value points: `~` is the home folder, as a shell would have read it. */
export function modelFolder(value: string): string | undefined {
  if (!PATH_SHAPED.test(value) && !path.isAbsolute(value)) return undefined;
  const home = /^~(?:[/\\](.*))?$/s.exec(value);
  return home ? path.join(os.homedir(), home[1] ?? '') : path.resolve(value);
}

async function loadLocal(
  model: string,
  baseUrl: string,
  cacheDir: string,
  deps: EmbeddingsDeps,
  signal: AbortSignal,
  report: (detail: string) => void,
): Promise<EmbeddingProvider> {
  const named = modelFolder(model);
  // A value of an id's shape is still a folder when there is one of that name here.
  const folder = named ?? path.resolve(model);
  const kind = await entryKind(folder);
  if (named !== undefined || kind === 'folder') {
    if (kind !== 'folder') {
      throw new Error(
        `MEMORAM_EMBEDDINGS_MODEL is the folder "${model}", but ${folder} ${kind === 'missing' ? 'does not exist' : 'is not a folder'}: name the folder holding the model's config.json, tokenizer.json, model.safetensors, or give a Hugging Face model id (owner/name)`,
      );
    }
    report(`loading the model from ${folder}`);
    const { loadStaticModel } = await import('./static-model.js');
    return loadStaticModel(folder, { name: folder });
  }
  const { fetchModel, MODEL_ID } = await import('./model-download.js');
  if (!MODEL_ID.test(model)) {
    throw new Error(
      `MEMORAM_EMBEDDINGS_MODEL "${model}" is neither a folder here nor a Hugging Face model id: give an id as owner/name (for example ${DEFAULT_EMBEDDINGS_MODEL}), or a folder as ./${model}`,
    );
  }
  report('checking the model cache');
  let lastLogged = -1;
  return fetchModel(model, baseUrl, cacheDir, {
    logger: deps.logger,
    dispatcher: deps.dispatcher,
    signal,
    onProgress: (file, received, total) => {
      const of = total === undefined ? '' : ` of ${(total / MB).toFixed(1)}`;
      report(`downloading ${file}: ${(received / MB).toFixed(1)}${of} MB`);
      const step = Math.floor(received / PROGRESS_STEP_BYTES);
      if (received === total || step !== lastLogged) {
        lastLogged = received === total ? -1 : step;
        deps.logger.info(
          `Downloading the embedding model ${model}: ${file} ${(received / MB).toFixed(1)}${of} MB`,
        );
      }
    },
  });
}
