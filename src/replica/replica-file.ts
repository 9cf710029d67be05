/**
 * Where a Memoram account's replica lives and how it is keyed: one encrypted database per user in
 * the data directory, named by a hash of the API URL and user id (so neither shows in the file
 * name, and the emulator's account never meets a production one), opened with a key derived from
 * the local key in the config directory under a label of its own. Every process of that user
 * opens the same file. Logout and a revoke delete it with its WAL and shared-memory files.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { KEY_BYTES } from '../crypto/codec.js';
import { LOCAL_KEY_FILE, loadOrCreateLocalKey } from '../crypto/local-key.js';

const LABEL = 'memoram-mcp replica database key v1';
const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

export interface ReplicaLocation {
  dataDir: string;
  configDir: string;
  apiUrl: string;
  userId: string;
}

export function replicaFile(location: Pick<ReplicaLocation, 'dataDir' | 'apiUrl' | 'userId'>): string {
  const name = createHash('sha256')
    .update(`memoram-mcp replica\0${location.apiUrl.replace(/\/+$/, '')}\0${location.userId}`)
    .digest('hex')
    .slice(0, 32);
  return path.join(location.dataDir, `replica-${name}.db`);
}

/** The replica's database key and the file it came from (named when the key does not open it). */
export async function replicaKey(configDir: string): Promise<{ key: Buffer; keyFile: string }> {
  const localKey = await loadOrCreateLocalKey(configDir);
  const key = Buffer.from(hkdfSync('sha256', localKey, Buffer.alloc(0), LABEL, KEY_BYTES));
  return { key, keyFile: path.join(configDir, LOCAL_KEY_FILE) };
}

/** Deletes the replica and its WAL, shared-memory and journal files (those that exist). */
export async function deleteReplica(
  location: Pick<ReplicaLocation, 'dataDir' | 'apiUrl' | 'userId'>,
): Promise<void> {
  const file = replicaFile(location);
  await Promise.all(SIDE_FILES.map((suffix) => rm(`${file}${suffix}`, { force: true })));
}
