/**
 * The local backend's content key: 32 random bytes, hex-encoded in `<configDir>/local.key`, created
 * on first run with mode 0600 in a 0700 folder.
 *
 * Several server processes may start at once on a fresh install (Claude Desktop and Cursor opening
 * together), so creation is atomic for every reader: the key is written whole to a temp file of
 * its own, synced, then linked into place. link() never replaces an existing file, so the first
 * process wins, the others read the winner's key, and no reader ever sees a partial file.
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { MemoramError } from '../memory/errors.js';
import { KEY_BYTES } from './codec.js';

export const LOCAL_KEY_FILE = 'local.key';

export async function loadOrCreateLocalKey(configDir: string): Promise<Buffer> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  await chmod(configDir, 0o700);
  const file = path.join(configDir, LOCAL_KEY_FILE);
  if (!(await exists(file))) await createKeyFile(file);
  await chmod(file, 0o600); // a key restored from a backup may have come back readable by others
  const hex = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new MemoramError('BAD_CONFIG', `The local encryption key file ${file} is damaged.`, {
      hint: 'Restore it from a backup; without it, locally stored memory content cannot be read.',
    });
  }
  return Buffer.from(hex, 'hex');
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Puts a new key at `file` unless another process got there first; either way `file` is whole. */
async function createKeyFile(file: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${randomBytes(KEY_BYTES).toString('hex')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
    await syncFolder(path.dirname(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp);
  }
}

/** Makes the new directory entry durable, so a crash right after start cannot lose the key. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
