/**
 * A Hugging Face model, fetched once into the cache directory and verified: each file from
 * `{baseUrl}/{id}/resolve/main/{file}`, checked against the digest the hub states for it (the
 * `X-Linked-Etag` of a large file is its sha256; the `ETag` of a small one is its git blob id),
 * then loaded from a temporary folder as a structural check, and only then renamed into place with
 * a manifest of the digests, so a half-written or tampered cache is never mistaken for a model.
 * A model in the cache is never fetched again.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { EmbeddingError } from './errors.js';
import {
  type FileDigests,
  loadStaticModel,
  MODEL_FILES,
  type ModelFile,
  type StaticModel,
} from './static-model.js';

/** owner/name as the hub spells model ids. */
export const MODEL_ID = /^[A-Za-z0-9][\w.-]{0,95}\/[A-Za-z0-9][\w.-]{0,95}$/;

const MANIFEST = 'memoram-manifest.json';
const MAX_REDIRECTS = 5;
const HEADERS_TIMEOUT_MS = 30_000;
const BODY_TIMEOUT_MS = 60_000;
// The default model is ~31 MB; refuse a server that sends something far larger than any fit.
const MAX_FILE_BYTES = 512 * 1024 * 1024;

const ManifestSchema = z.object({
  id: z.string(),
  files: z.record(
    z.enum(MODEL_FILES),
    z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number() }),
  ),
});

export interface DownloadDeps {
  logger: Logger;
  dispatcher?: Dispatcher | undefined;
  /** Called as bytes arrive: which file, bytes so far, and its size when the server said. */
  onProgress?: (file: ModelFile, received: number, total: number | undefined) => void;
  signal?: AbortSignal | undefined;
}

export function cachedModelDir(cacheDir: string, id: string): string {
  return path.join(cacheDir, 'models', id.replace('/', '--'));
}

/** The model from the cache, fetching it first when it is not there yet. */
export async function fetchModel(
  id: string,
  baseUrl: string,
  cacheDir: string,
  deps: DownloadDeps,
): Promise<StaticModel> {
  const dir = cachedModelDir(cacheDir, id);
  const expected = await readManifest(dir, id);
  if (expected) return loadStaticModel(dir, { name: id, expected });
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
  await removeAbandoned(dir);
  const temp = `${dir}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(temp, { mode: 0o700 });
  try {
    const digests = {} as FileDigests;
    const sizes = {} as Record<ModelFile, number>;
    for (const file of MODEL_FILES) {
      const url = `${baseUrl}/${id}/resolve/main/${file}`;
      ({ sha256: digests[file], size: sizes[file] } = await downloadFile(
        url,
        file,
        path.join(temp, file),
        deps,
      ));
    }
    // A structural check before the model counts as cached: a file the hub verified can still be
    // no model at all.
    const model = await loadStaticModel(temp, { name: id, expected: digests });
    const files = Object.fromEntries(
      MODEL_FILES.map((file) => [file, { sha256: digests[file], size: sizes[file] }]),
    );
    await writeFile(path.join(temp, MANIFEST), `${JSON.stringify({ id, files }, null, 2)}\n`, {
      mode: 0o600,
    });
    try {
      await rename(temp, dir);
    } catch (error) {
      // Another process cached it first: theirs is as good, verified the same way.
      if (!(await readManifest(dir, id))) throw error;
      await rm(temp, { recursive: true, force: true });
    }
    return model;
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A download a killed process left half done is 30 MB nobody will finish: remove it. */
async function removeAbandoned(dir: string): Promise<void> {
  const prefix = `${path.basename(dir)}.partial-`;
  for (const entry of await readdir(path.dirname(dir))) {
    const pid = Number(entry.slice(prefix.length).split('-')[0]);
    if (entry.startsWith(prefix) && Number.isSafeInteger(pid) && !isRunning(pid)) {
      await rm(path.join(path.dirname(dir), entry), { recursive: true, force: true });
    }
  }
}

async function readManifest(dir: string, id: string): Promise<FileDigests | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MANIFEST), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: z.infer<typeof ManifestSchema> | undefined;
  try {
    parsed = ManifestSchema.parse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (!parsed || parsed.id !== id || MODEL_FILES.some((file) => !parsed.files[file])) {
    throw new EmbeddingError(
      'MODEL_DOWNLOAD',
      `the cached model in ${dir} has a damaged manifest: delete that folder to fetch it again`,
    );
  }
  return Object.fromEntries(MODEL_FILES.map((file) => [file, parsed.files[file]!.sha256])) as FileDigests;
}

/** What the server said the file is: a sha256 or a git blob id, and a size. */
interface Stated {
  sha256?: string;
  gitSha1?: string;
  size?: number;
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

// As huggingface_hub reads them: a redirect's X-Linked-Etag names the LFS file itself (its sha256);
// the ETag beside it would be the pointer's, so it counts only where no linked one is given.
function readStated(headers: Dispatcher.ResponseData['headers'], stated: Stated): void {
  const tag = (header(headers, 'x-linked-etag') ?? header(headers, 'etag'))
    ?.replace(/^W\//, '')
    .replaceAll('"', '')
    .toLowerCase();
  if (tag && !stated.sha256 && !stated.gitSha1) {
    if (/^[0-9a-f]{64}$/.test(tag)) stated.sha256 = tag;
    else if (/^[0-9a-f]{40}$/.test(tag)) stated.gitSha1 = tag;
  }
  const size = Number(header(headers, 'x-linked-size') ?? Number.NaN);
  if (Number.isSafeInteger(size)) stated.size ??= size;
}

async function downloadFile(
  url: string,
  file: ModelFile,
  target: string,
  deps: DownloadDeps,
): Promise<{ sha256: string; size: number }> {
  const fail = (reason: string, cause?: unknown) =>
    new EmbeddingError(
      'MODEL_DOWNLOAD',
      `downloading ${file} from ${new URL(url).origin} failed: ${reason}`,
      { cause },
    );
  const stated: Stated = {};
  let response: Dispatcher.ResponseData;
  let location = url;
  for (let hop = 0; ; hop++) {
    try {
      response = await request(location, {
        method: 'GET',
        headers: { 'user-agent': 'memoram-mcp' },
        headersTimeout: HEADERS_TIMEOUT_MS,
        bodyTimeout: BODY_TIMEOUT_MS,
        ...(deps.dispatcher ? { dispatcher: deps.dispatcher } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
    } catch (error) {
      throw fail((error as Error).message, error);
    }
    readStated(response.headers, stated);
    const next = header(response.headers, 'location');
    if (response.statusCode < 300 || response.statusCode >= 400 || !next) break;
    await response.body.dump();
    if (hop === MAX_REDIRECTS) throw fail('too many redirects');
    location = new URL(next, location).href;
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    const hint = [401, 403, 404].includes(response.statusCode)
      ? ' (is MEMORAM_EMBEDDINGS_MODEL a public model id? A folder of yours is written ./folder/name)'
      : '';
    throw fail(`HTTP ${response.statusCode}${hint}`);
  }
  if (!stated.sha256 && !stated.gitSha1) {
    await response.body.dump();
    throw fail(
      'the server states no digest for it, so it cannot be verified; download the model yourself and set MEMORAM_EMBEDDINGS_MODEL to its folder',
    );
  }
  const lengthHeader = Number(header(response.headers, 'content-length') ?? Number.NaN);
  const total = stated.size ?? (Number.isSafeInteger(lengthHeader) ? lengthHeader : undefined);
  if (total !== undefined && total > MAX_FILE_BYTES) {
    await response.body.dump();
    throw fail(`it is ${total} bytes, larger than any model this server loads`);
  }
  const sha256 = createHash('sha256');
  const gitSha1 =
    stated.gitSha1 && total !== undefined ? createHash('sha1').update(`blob ${total}\0`) : undefined;
  let received = 0;
  try {
    await pipeline(
      response.body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          received += chunk.length;
          if (received > (total ?? MAX_FILE_BYTES))
            throw new Error('the server sent more bytes than it announced');
          sha256.update(chunk);
          gitSha1?.update(chunk);
          deps.onProgress?.(file, received, total);
          yield chunk;
        }
      },
      createWriteStream(target, { mode: 0o600 }),
    );
  } catch (error) {
    throw fail((error as Error).message, error);
  }
  if (total !== undefined && received !== total)
    throw fail(`truncated: ${received} of ${total} bytes arrived`);
  const digest = sha256.digest('hex');
  if (stated.sha256 && stated.sha256 !== digest)
    throw fail('its sha256 is not the one the server states (corrupted or tampered with)');
  if (gitSha1 && stated.gitSha1 !== gitSha1.digest('hex')) {
    throw fail('its content does not match the digest the server states (corrupted or tampered with)');
  }
  if (!stated.sha256 && !gitSha1)
    throw fail('the server states a git digest but no size, so it cannot be verified');
  return { sha256: digest, size: received };
}
