/**
 * Which bearer token `serve --http` demands, decided once at start:
 *
 * * MEMORAM_HTTP_TOKEN=<value>: that value (required on any address but loopback);
 * * MEMORAM_HTTP_TOKEN=off or --no-token: none, and only on loopback, where only this machine's
 *   accounts reach the server (the user says so explicitly);
 * * otherwise, on loopback: the one in `<configDir>/http.token`, 32 random bytes made at the first
 *   start (0600 in a 0700 folder, like the local key), so another local account cannot read the
 *   memories through 127.0.0.1.
 *
 * The token itself is never printed: the startup line names where it comes from.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type Config, ConfigError, HTTP_TOKEN_OFF } from '../config.js';
import { loadOrCreateSecretFile } from '../crypto/secret-file.js';
import { isLoopbackHost } from './http.js';

export const HTTP_TOKEN_FILE = 'http.token';
const TOKEN_BYTES = 32;

export type HttpAuth =
  | { token: string; from: 'environment' }
  | { token: string; from: 'file'; file: string }
  | { token: undefined; from: 'off' };

export async function resolveHttpAuth(config: Readonly<Config>, noToken: boolean): Promise<HttpAuth> {
  const { host, token } = config.http;
  const off = noToken || token === HTTP_TOKEN_OFF;
  if (off && token !== undefined && token !== HTTP_TOKEN_OFF) {
    throw new ConfigError(
      '--no-token and MEMORAM_HTTP_TOKEN disagree: unset MEMORAM_HTTP_TOKEN, or drop --no-token.',
    );
  }
  if (!isLoopbackHost(host) && off) {
    throw new ConfigError(
      `--no-token / MEMORAM_HTTP_TOKEN=off is for loopback only: on ${host} the memories would be open to the network. Set MEMORAM_HTTP_TOKEN to a long random secret, or serve on 127.0.0.1.`,
    );
  }
  if (!isLoopbackHost(host) && token === undefined) {
    throw new ConfigError(
      `Serving on ${host} opens the memories to the network: set MEMORAM_HTTP_TOKEN to a long random secret (clients send it as "Authorization: Bearer <token>"), or serve on 127.0.0.1.`,
    );
  }
  if (off) return { token: undefined, from: 'off' };
  if (token !== undefined) return { token, from: 'environment' };
  const file = path.join(config.configDir, HTTP_TOKEN_FILE);
  const stored = await loadOrCreateSecretFile(file, () => randomBytes(TOKEN_BYTES).toString('hex'));
  if (!/^[0-9a-f]{64}$/.test(stored)) {
    throw new ConfigError(
      `The HTTP token file ${file} is damaged: delete it, and the next start makes a new one.`,
    );
  }
  return { token: stored, from: 'file', file };
}

/** For the startup line: where the token comes from, never the token. */
export function describeHttpAuth(auth: HttpAuth): string {
  switch (auth.from) {
    case 'environment':
      return 'bearer token required: MEMORAM_HTTP_TOKEN';
    case 'file':
      return `bearer token required: in ${auth.file}`;
    case 'off':
      return 'no token: turned off, any local account can connect';
  }
}
