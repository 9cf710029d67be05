/**
 * The local backend's content key: 32 random bytes, hex-encoded in `<configDir>/local.key`, created
 * on first run with mode 0600 in a 0700 folder. Creation is exclusive, so several server processes
 * starting at once agree on one key.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MemoramError } from '../memory/errors.js';
import { KEY_BYTES } from './codec.js';

export const LOCAL_KEY_FILE = 'local.key';

export async function loadOrCreateLocalKey(configDir: string): Promise<Buffer> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  await chmod(configDir, 0o700);
  const file = path.join(configDir, LOCAL_KEY_FILE);
  try {
    await writeFile(file, `${randomBytes(KEY_BYTES).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await chmod(file, 0o600); // a key restored from a backup may have come back readable by others
  const hex = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new MemoramError('BAD_CONFIG', `The local encryption key file ${file} is damaged.`, {
      hint: 'Restore it from a backup; without it, locally stored memory content cannot be read.',
    });
  }
  return Buffer.from(hex, 'hex');
}
