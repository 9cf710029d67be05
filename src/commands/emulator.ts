/**
 * `memoram-mcp emulator`: runs the local Memoram emulator until Ctrl-C, printing how to point
 * memoram-mcp at it.
 */
import type { Config } from '../config.js';
import { emulatorBanner, startEmulator } from '../emulator/index.js';
import type { Logger } from '../log/logger.js';
import { listenError } from './listen-error.js';

export interface EmulatorCommandOptions {
  dbFile?: string | undefined;
  autoApprove: boolean;
}

export async function runEmulator(
  config: Readonly<Config>,
  logger: Logger,
  options: EmulatorCommandOptions,
): Promise<number> {
  const emulator = await startEmulator({
    host: config.http.host,
    port: config.http.port,
    autoApprove: options.autoApprove,
    logger,
    ...(options.dbFile ? { dbFile: options.dbFile } : {}),
  }).catch((error: unknown) => {
    throw listenError(error, config.http.host, config.http.port) ?? error;
  });
  process.stdout.write(`${emulatorBanner(emulator)}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info(`emulator stopping (${signal})`);
  await emulator.close();
  return 0;
}
