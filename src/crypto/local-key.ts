/**
 * The local backend's content key: 32 random bytes, hex-encoded in `<configDir>/local.key`, created
 * on first run with mode 0600 in a 0700 folder, atomically for processes starting together
 * (secret-file.ts).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { MemoramError } from '../memory/errors.js';
import { KEY_BYTES } from './codec.js';
import { loadOrCreateSecretFile } from './secret-file.js';

export const LOCAL_KEY_FILE = 'local.key';

export async function loadOrCreateLocalKey(configDir: string): Promise<Buffer> {
  const file = path.join(configDir, LOCAL_KEY_FILE);
  const hex = await loadOrCreateSecretFile(file, () => randomBytes(KEY_BYTES).toString('hex'));
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new MemoramError('BAD_CONFIG', `The local encryption key file ${file} is damaged.`, {
      hint: 'Restore it from a backup; without it, locally stored memory content cannot be read.',
    });
  }
  return Buffer.from(hex, 'hex');
}
