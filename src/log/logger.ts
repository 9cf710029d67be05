/**
 * The logger: leveled lines on stderr (stdout belongs to JSON-RPC in stdio mode). Callers pass
 * messages and plain fields; never keys, tokens or memory content.
 */
import type { Writable } from 'node:stream';
import type { LogLevel } from '../config.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, stream: Writable = process.stderr): Logger {
  const write = (at: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[at] < ORDER[level]) return;
    const extra = fields ? ` ${JSON.stringify(fields, errorReplacer)}` : '';
    stream.write(`${new Date().toISOString()} memoram-mcp ${at}: ${message}${extra}\n`);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/** Errors serialize as name, code, message and stack (stderr only), never their own fields. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, ...(code ? { code } : {}), message: value.message, stack: value.stack };
  }
  return value;
}

export const silentLogger: Logger = createLogger('silent');
