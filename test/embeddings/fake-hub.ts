/**
 * A stand-in for the Hugging Face hub on 127.0.0.1, answering as the hub does: small files straight
 * from `/{id}/resolve/main/{file}` with their git blob id as ETag, the large safetensors file by a
 * redirect that states its sha256 (`X-Linked-Etag`) and size (`X-Linked-Size`). It records every
 * request, and can be told to corrupt, truncate or hold back a file.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BuiltTestModel, ModelFileName } from '../helpers/test-model.mjs';

export interface FakeHub {
  url: string;
  requests: string[];
  /** Serve these bytes for a file while still stating the real file's digest. */
  tamper: Partial<Record<ModelFileName, Buffer>>;
  /** Announce the full size but close the connection halfway through this file. */
  truncate: ModelFileName | undefined;
  /** Send the first half of model.safetensors, then wait for this before the rest. */
  hold: Promise<void> | undefined;
  close(): Promise<void>;
}

function gitBlobId(bytes: Buffer): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export async function startFakeHub(id: string, model: BuiltTestModel): Promise<FakeHub> {
  const files = model.files;
  const hub: FakeHub = {
    url: '',
    requests: [],
    tamper: {},
    truncate: undefined,
    hold: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const send = async (name: ModelFileName, response: import('node:http').ServerResponse) => {
    const bytes = hub.tamper[name] ?? files[name];
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': files[name].length,
    });
    if (hub.truncate === name) {
      response.write(bytes.subarray(0, bytes.length >> 1));
      response.destroy();
      return;
    }
    if (name === 'model.safetensors' && hub.hold) {
      response.write(bytes.subarray(0, bytes.length >> 1));
      await hub.hold;
      response.end(bytes.subarray(bytes.length >> 1));
      return;
    }
    response.end(bytes);
  };
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '';
    hub.requests.push(url);
    const resolve = url.startsWith(`/${id}/resolve/main/`)
      ? url.slice(`/${id}/resolve/main/`.length)
      : undefined;
    if (resolve === 'model.safetensors') {
      const bytes = files['model.safetensors'];
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      response.writeHead(302, {
        location: `/cdn/${sha256}`,
        'x-linked-etag': `"${sha256}"`,
        'x-linked-size': String(bytes.length),
        etag: `W/"${gitBlobId(Buffer.from(`pointer ${sha256}`))}"`,
      });
      response.end();
      return;
    }
    if (resolve === 'config.json' || resolve === 'tokenizer.json') {
      response.setHeader('etag', `"${gitBlobId(files[resolve])}"`);
      void send(resolve, response);
      return;
    }
    if (url.startsWith('/cdn/')) {
      void send('model.safetensors', response);
      return;
    }
    response.writeHead(url.includes('/resolve/main/') ? 401 : 404).end('{"error":"Repository not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return hub;
}
