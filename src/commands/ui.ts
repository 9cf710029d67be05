/**
 * `memoram-mcp ui`: the memory page on 127.0.0.1, on whichever backend the configuration names.
 * Prints the page's URL (it carries this start's token) and opens it in the browser unless told
 * not to; serves until SIGINT/SIGTERM, then closes the store.
 */
import { openBrowser } from '../auth/browser.js';
import { type Config, ConfigError } from '../config.js';
import { openConnection } from '../connection/open-connection.js';
import type { Logger } from '../log/logger.js';
import { startPageServer } from '../ui/server.js';

export interface UiOptions {
  port: number;
  open: boolean;
}

export async function runUi(config: Readonly<Config>, logger: Logger, options: UiOptions): Promise<number> {
  const connection = await openConnection(config, logger);
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  let server: Awaited<ReturnType<typeof startPageServer>>;
  try {
    server = await startPageServer({ config, connection, logger, port: options.port });
  } catch (error) {
    await connection.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new ConfigError(`Cannot listen on 127.0.0.1:${options.port} (${code}): choose another --port.`);
    }
    throw error;
  }
  process.stdout.write(
    `Your memories (backend: ${connection.backend}${config.readOnly ? ', read-only' : ''}) at\n  ${server.url}\n` +
      'The link works until this command stops (Ctrl+C).\n',
  );
  if (options.open && !(await openBrowser(server.url))) {
    process.stdout.write('Could not open a browser: open the link above yourself.\n');
  }
  const reason = await signalled;
  logger.info(`shutting down (${reason})`);
  await server.close();
  await connection.close();
  return 0;
}
