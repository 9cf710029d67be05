/**
 * The remote backend on the emulator for the wire and fault tests: the demo user approved through
 * the real authorization flow, a RemoteBackend on those credentials (counting credential
 * re-fetches and lost-access reports), and MemoryServices over it that never go stale on their own.
 */
import { randomBytes } from 'node:crypto';
import { keyFromHex } from '../../src/crypto/codec.js';
import { MemoryService } from '../../src/memory/service.js';
import { RemoteBackend } from '../../src/replica/remote-backend.js';
import { authorizeDemoUser, harness } from '../auth/harness.js';

/** An approved demo user, a remote backend on its credentials, and a service that never goes stale. */
export async function remote() {
  const h = await harness();
  const flow = h.flow();
  const credentials = await authorizeDemoUser(h, flow);
  const counts = { refreshes: 0, accessLost: 0 };
  const backend = new RemoteBackend({
    client: h.client,
    credentials,
    refreshCredentials: () => {
      counts.refreshes++;
      return flow.refreshCredentials();
    },
    onAccessLost: () => counts.accessLost++,
    logger: h.logger,
    refreshIntervalMs: Number.POSITIVE_INFINITY,
  });
  const service = () => new MemoryService(backend);
  const key = keyFromHex(credentials.encryption_key);
  /** Creates a blob the way another Memoram app would: straight through the client. */
  const putBlob = (content: string, title: string) =>
    h.client.createMemoryBlob({
      user_id: credentials.user_id,
      memoryKey: credentials.memory_key,
      content,
      title,
    });
  /** The routes of the requests `work` makes. */
  const routesOf = async (work: () => Promise<unknown>) => {
    await h.clearRequests();
    await work();
    return (await h.requests()).map((request) => request.route);
  };
  return { h, flow, credentials, counts, backend, service, key, putBlob, routesOf };
}

/** Memory content that must never travel or be logged in the clear. */
export function plaintext(h: { sealed: Set<string> }, text: string): string {
  const content = `${text} #${randomBytes(6).toString('hex')}`;
  h.sealed.add(content);
  return content;
}
