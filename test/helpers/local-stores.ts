/**
 * Local stores on one real encrypted SQLite file per test, each `open` another connection to it
 * (as another process has), all closed and the folder removed after the test.
 */
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Embeddings } from '../../src/embeddings/provider.js';
import { MemoryService } from '../../src/memory/service.js';
import { type LocalBackend, openLocalBackend } from '../../src/store/local-backend.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

export function localStores(prefix: string) {
  let dir = '';
  const opened: LocalBackend[] = [];
  beforeEach(async () => {
    dir = await makeTempDir(prefix);
  });
  afterEach(async () => {
    for (const backend of opened.splice(0)) await backend.close();
    await removeTempDir(dir);
  });
  return {
    /** The folder of this test's store (the file and its key). */
    dir: () => dir,
    /** Another connection to this test's store, with the service over it. */
    async open(embeddings?: Embeddings) {
      const backend = await openLocalBackend(
        { storeFile: path.join(dir, 'memories.db'), configDir: dir },
        undefined,
        embeddings,
      );
      opened.push(backend);
      return { backend, service: new MemoryService(backend) };
    },
    /** Closes one before the test ends (as its process would). */
    async close(backend: LocalBackend) {
      await backend.close();
      opened.splice(opened.indexOf(backend), 1);
    },
  };
}
