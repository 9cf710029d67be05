/**
 * Opens a URL in the user's browser with the platform's own opener (open, xdg-open, start), so no
 * package is needed. Failure is not an error: the URL is always shown to the user some other way.
 */
import { spawn } from 'node:child_process';

export type OpenBrowser = (url: string) => Promise<boolean>;

function opener(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]];
  return ['xdg-open', [url]];
}

export const openBrowser: OpenBrowser = (url) =>
  new Promise((resolve) => {
    const [command, args] = opener(url);
    try {
      const child = spawn(command, args, { detached: true, stdio: 'ignore' });
      child.once('error', () => resolve(false));
      child.once('spawn', () => {
        child.unref();
        resolve(true);
      });
    } catch {
      resolve(false);
    }
  });
