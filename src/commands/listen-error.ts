/**
 * Why `serve --http` or the emulator could not listen, as the one line a person acts on: which
 * address, what is wrong with it, and the flag that changes it. Anything else is not theirs to fix.
 */
import { ConfigError } from '../config.js';

const HOST_FLAG = '--host / MEMORAM_HOST';
const PORT_FLAG = '--port / MEMORAM_PORT';

export function listenError(error: unknown, host: string, port: number): ConfigError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `Cannot listen on ${where}: another program already uses port ${port}. Choose another with ${PORT_FLAG} (0 picks a free one).`,
      );
    case 'EACCES':
      return new ConfigError(
        `Cannot listen on ${where}: this user may not open port ${port}. Choose one above 1023 with ${PORT_FLAG}.`,
      );
    case 'EADDRNOTAVAIL':
      return new ConfigError(
        `Cannot listen on ${where}: ${host} is not an address of this machine. Choose one with ${HOST_FLAG} (127.0.0.1 for this machine only).`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new ConfigError(
        `Cannot listen on ${where}: the host name ${host} does not resolve. Give an address of this machine with ${HOST_FLAG}, e.g. 127.0.0.1 or ::1.`,
      );
    default:
      return undefined;
  }
}
