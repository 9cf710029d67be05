/**
 * A secret kept in a file of its own: made on first use with mode 0600 in a 0700 folder, read
 * ever after. Used for the local content key and for the HTTP bearer token.
 *
 * Several server processes may start at once on a fresh install (Claude Desktop and Cursor opening
 * together), so creation is atomic for every reader: the secret is written whole to a temp file of
 * its own, synced, then linked into place. link() never replaces an existing file, so the first
 * process wins, the others read the winner's secret, and no reader ever sees a partial file.
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { MemoramError } from '../memory/errors.js';

/** The file's text, trimmed; `make` gives the secret when there is no file yet. */
export async function loadOrCreateSecretFile(file: string, make: () => string): Promise<string> {
  const folder = path.dirname(file);
  try {
    await mkdir(folder, { recursive: true, mode: 0o700 });
    await chmod(folder, 0o700);
    if (!(await exists(file))) await createOnce(file, make());
    await chmod(file, 0o600); // a file restored from a backup may have come back readable by others
    return (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw unusableFolder(error, file, folder);
  }
}

/** A config folder that is a file, or not this user's to write: one line naming it and the flag. */
function unusableFolder(error: unknown, file: string, folder: string): MemoramError {
  const code = (error as NodeJS.ErrnoException).code;
  const what =
    code === 'EEXIST' || code === 'ENOTDIR'
      ? `${folder} (or a folder above it) is a file, not a folder`
      : code === 'EISDIR'
        ? `${file} is a folder, not a file`
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? `this user may not write in ${folder}`
          : `the system refused it (${code ?? 'unknown error'})`;
  return new MemoramError('BAD_CONFIG', `Cannot keep ${file}: ${what}.`, {
    hint: 'Choose another --config-dir / MEMORAM_CONFIG_DIR, or fix that folder.',
    cause: error,
  });
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

/** Puts `secret` at `file` unless another process got there first; either way `file` is whole. */
async function createOnce(file: string, secret: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${secret}\n`);
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

/** Makes the new directory entry durable, so a crash right after start cannot lose the secret. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
