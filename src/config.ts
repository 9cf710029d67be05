/**
 * Configuration: flags > MEMORAM_* environment > defaults, parsed once here with zod into a frozen
 * Config. A bad value is a ConfigError naming both the flag and the variable. Secrets (API key,
 * client secret, memory key, HTTP bearer token, embeddings API key) come only from the environment,
 * never from these flags; the one
 * exception is `memoram-mcp authorize --memory-key`, which its issue asks for and its help text
 * steers away from (src/commands/authorize.ts).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import envPaths from 'env-paths';
import { z } from 'zod';
import { ScopeNameSchema } from './memory/scopes.js';

export const DEFAULT_API_URL = 'https://api.memoram.app/api/v1';
const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

/** The default local model: see the README's "Search by meaning" for why this one. */
export const DEFAULT_EMBEDDINGS_MODEL = 'minishlab/potion-base-8M';
export const DEFAULT_EMBEDDINGS_BASE_URL = 'https://huggingface.co';

/** Which embedding provider serves search by meaning, if any. */
export type EmbeddingsConfig =
  | { provider: 'off'; reason: string }
  /** `model`: a folder holding the model, or a Hugging Face model id fetched from `baseUrl`. */
  | { provider: 'local'; model: string; baseUrl: string }
  | { provider: 'openai'; url: string; model: string; apiKey: string | undefined; allowRemote: boolean };

export interface Config {
  backend: 'local' | 'memoram';
  apiKey: string | undefined;
  apiUrl: string;
  oauthAuthorizeUrl: string;
  oauthTokenUrl: string;
  oauthScope: string;
  redirectPort: number;
  clientId: string | undefined;
  clientSecret: string | undefined;
  memoryKey: string | undefined;
  dataDir: string;
  configDir: string;
  /** The SQLite file of the local backend. */
  storeFile: string;
  readOnly: boolean;
  noBrowser: boolean;
  logLevel: LogLevel;
  /** MEMORAM_SCOPE: the current scope's name, `auto` (found by the server), or none. */
  scope: string | undefined;
  /**
   * serve --http and the emulator; `token` (MEMORAM_HTTP_TOKEN) guards serve --http only, and is
   * HTTP_TOKEN_OFF when the user turned the token off (src/mcp/http-token.ts decides which applies).
   */
  http: { host: string; port: number; token: string | undefined };
  /** Downloaded models live here (env-paths' cache directory unless MEMORAM_CACHE_DIR). */
  cacheDir: string;
  embeddings: EmbeddingsConfig;
  /**
   * Settings given that have no effect beside the others (an embeddings key without an endpoint,
   * say), one line each, for the CLI to log once: names only, never a value.
   */
  warnings: readonly string[];
}

/** MEMORAM_HTTP_TOKEN=off, as Config holds it: no token, on loopback only. */
export const HTTP_TOKEN_OFF = 'off';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** One setting: its flag (if any), its variable, and how to read it. */
interface Setting {
  flag?: string;
  env: string;
  schema: z.ZodType;
  boolean?: true;
}

const flagBool = z
  .union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''])], {
    error: 'must be true or false (also 1/0, yes/no, on/off)',
  })
  .transform((value) => value === true || ['1', 'true', 'yes', 'on'].includes(String(value)));
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True for this machine's own addresses: localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(\.\d{1,3}){3}$/.test(hostname);
}
// These URLs carry the API key, tokens, codes and memory keys: plain http only to this machine
// (the emulator), https everywhere else.
const url = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
  // zod runs a refinement even after the URL check failed: one that is not a URL is left to that.
  .refine(
    (value) =>
      !URL.canParse(value) ||
      new URL(value).protocol === 'https:' ||
      LOOPBACK_HOSTS.has(new URL(value).hostname),
    { message: 'must use https (plain http only for 127.0.0.1 or localhost)' },
  );
const dir = z.string().min(1, 'must be a directory path');
const PORT_RANGE = 'must be a port number from 0 to 65535';
const port = z
  .string()
  .regex(/^\d{1,5}$/, PORT_RANGE)
  .transform(Number)
  .pipe(z.number().max(65535, PORT_RANGE));
/** `[::1]`, as in a URL, is the address `::1`: what listen() and the loopback checks expect. */
const host = z
  .string()
  .min(1)
  .transform((value) => /^\[(.+)\]$/.exec(value)?.[1] ?? value);

export const HTTP_PORT = 3939;
/** The emulator's: one port up, so it runs beside `serve --http` with neither flag given. */
export const EMULATOR_PORT = 3940;

const SETTINGS = {
  backend: { flag: 'backend', env: 'MEMORAM_BACKEND', schema: z.enum(['local', 'memoram']) },
  apiKey: { env: 'MEMORAM_API_KEY', schema: z.string().min(1) },
  apiUrl: { flag: 'api-url', env: 'MEMORAM_API_URL', schema: url },
  oauthAuthorizeUrl: { flag: 'oauth-authorize-url', env: 'MEMORAM_OAUTH_AUTHORIZE_URL', schema: url },
  oauthTokenUrl: { flag: 'oauth-token-url', env: 'MEMORAM_OAUTH_TOKEN_URL', schema: url },
  oauthScope: { flag: 'oauth-scope', env: 'MEMORAM_OAUTH_SCOPE', schema: z.string() },
  redirectPort: { flag: 'redirect-port', env: 'MEMORAM_REDIRECT_PORT', schema: port },
  clientId: { flag: 'client-id', env: 'MEMORAM_CLIENT_ID', schema: z.string().min(1) },
  clientSecret: { env: 'MEMORAM_CLIENT_SECRET', schema: z.string().min(1) },
  memoryKey: { env: 'MEMORAM_MEMORY_KEY', schema: z.string().min(1) },
  dataDir: { flag: 'data-dir', env: 'MEMORAM_DATA_DIR', schema: dir },
  configDir: { flag: 'config-dir', env: 'MEMORAM_CONFIG_DIR', schema: dir },
  readOnly: { flag: 'read-only', env: 'MEMORAM_READ_ONLY', schema: flagBool, boolean: true },
  noBrowser: { flag: 'no-browser', env: 'MEMORAM_NO_BROWSER', schema: flagBool, boolean: true },
  logLevel: { flag: 'log-level', env: 'MEMORAM_LOG_LEVEL', schema: z.enum(LOG_LEVELS) },
  host: { flag: 'host', env: 'MEMORAM_HOST', schema: host },
  port: { flag: 'port', env: 'MEMORAM_PORT', schema: port },
  scope: {
    flag: 'scope',
    env: 'MEMORAM_SCOPE',
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .refine((value) => value === 'auto' || ScopeNameSchema.safeParse(value).success, {
        message: 'must be auto, or a scope name (letters, digits, ".", "_" or "-", at most 48)',
      }),
  },
  httpToken: {
    env: 'MEMORAM_HTTP_TOKEN',
    // `off` turns the token off (loopback only, src/mcp/http-token.ts). Any other value is the
    // token, in the characters of RFC 6750's b64token: a client sends it in a header, where a
    // space or a quote could never arrive intact, so such a token is refused here, not at 401.
    schema: z.union([
      z
        .string()
        .regex(/^off$/i)
        .transform(() => HTTP_TOKEN_OFF),
      z
        .string()
        .min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 32`), or off')
        .regex(
          /^[A-Za-z0-9\-._~+/]+=*$/,
          'may hold only A-Z a-z 0-9 - . _ ~ + / (no spaces; e.g. `openssl rand -hex 32`), or be off',
        ),
    ]),
  },
  cacheDir: { flag: 'cache-dir', env: 'MEMORAM_CACHE_DIR', schema: dir },
  embeddings: { flag: 'embeddings', env: 'MEMORAM_EMBEDDINGS', schema: z.enum(['on', 'off']) },
  embeddingsModel: {
    flag: 'embeddings-model',
    env: 'MEMORAM_EMBEDDINGS_MODEL',
    schema: z.string().trim().min(1),
  },
  embeddingsBaseUrl: { flag: 'embeddings-base-url', env: 'MEMORAM_EMBEDDINGS_BASE_URL', schema: url },
  embeddingsUrl: {
    flag: 'embeddings-url',
    env: 'MEMORAM_EMBEDDINGS_URL',
    schema: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }),
  },
  embeddingsApiKey: { env: 'MEMORAM_EMBEDDINGS_API_KEY', schema: z.string().min(1) },
  embeddingsAllowRemote: {
    flag: 'embeddings-allow-remote',
    env: 'MEMORAM_EMBEDDINGS_ALLOW_REMOTE',
    schema: flagBool,
    boolean: true,
  },
} satisfies Record<string, Setting>;

type Key = keyof typeof SETTINGS;

/** The flags loadConfig understands, for the CLI's own parseArgs. */
export const CONFIG_FLAGS = Object.fromEntries(
  Object.values(SETTINGS as Record<string, Setting>)
    .filter((setting) => setting.flag)
    .map((setting) => [setting.flag!, { type: setting.boolean ? 'boolean' : 'string' } as const]),
);

function describe(setting: Setting): string {
  return setting.flag ? `--${setting.flag} / ${setting.env}` : setting.env;
}

function rawValue(
  key: Key,
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): unknown {
  const setting: Setting = SETTINGS[key];
  const fromFlag = setting.flag ? flags[setting.flag] : undefined;
  const raw = fromFlag ?? env[setting.env];
  if (raw === undefined || (raw === '' && !setting.boolean) || isUnfilledPlaceholder(raw)) return undefined;
  return raw;
}

/**
 * Whether the setting was given a value that would do something (a boolean only when true), and
 * by what name: the flag if it came from one, else the variable. Nothing is parsed, so a setting
 * another one turns off is never refused for its value.
 */
function given(
  key: Key,
  flags: Record<string, unknown>,
  env: Record<string, string | undefined>,
): string | undefined {
  const setting: Setting = SETTINGS[key];
  const raw = rawValue(key, flags, env);
  if (raw === undefined || (setting.boolean && setting.schema.safeParse(raw).data !== true)) return undefined;
  return setting.flag && flags[setting.flag] !== undefined ? `--${setting.flag}` : setting.env;
}

function read(key: Key, flags: Record<string, unknown>, env: Record<string, string | undefined>): unknown {
  const setting: Setting = SETTINGS[key];
  const raw = rawValue(key, flags, env);
  if (raw === undefined) return undefined;
  const parsed = setting.schema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues[0]?.message ?? 'is not valid';
    throw new ConfigError(`Invalid value for ${describe(setting)}: ${reason}.`);
  }
  return parsed.data;
}

/**
 * Claude Desktop passes a bundle setting the user left empty as its placeholder, unreplaced
 * (`${user_config.api_key}`): that is no value, not a key or a path.
 */
function isUnfilledPlaceholder(raw: unknown): boolean {
  return typeof raw === 'string' && /^\$\{user_config\.[^}]*\}$/.test(raw);
}

type FlagOptions = Record<string, { type: 'string' | 'boolean' }>;

export interface CommandLine {
  /** Values of the configuration flags (CONFIG_FLAGS). */
  configFlags: Record<string, unknown>;
  /** Values of the command's own flags. */
  commandFlags: Record<string, unknown>;
  positionals: string[];
}

/** Splits a command's arguments into configuration flags, its own flags and positionals; unknown flags are an error. */
export function parseCommandLine(argv: readonly string[], commandOptions: FlagOptions = {}): CommandLine {
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: { ...CONFIG_FLAGS, ...commandOptions },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const configFlags: Record<string, unknown> = {};
  const commandFlags: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    // `--data-dir ""` (an unset shell variable, usually) would quietly mean the default.
    if (value === '')
      throw new ConfigError(`--${name} was given an empty value: give it one, or leave the flag out.`);
    (name in commandOptions ? commandFlags : configFlags)[name] = value;
  }
  return { configFlags, commandFlags, positionals };
}

export interface LoadConfigInput {
  /** The flags after the command name; anything but configuration flags is an error. */
  argv?: readonly string[];
  /** Already-parsed configuration flags (from parseCommandLine), instead of argv. */
  flags?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
  /** The port without --port / MEMORAM_PORT: HTTP_PORT, or the emulator's EMULATOR_PORT. */
  defaultPort?: number;
}

export function loadConfig({
  argv = [],
  flags: parsedFlags,
  env = {},
  defaultPort = HTTP_PORT,
}: LoadConfigInput = {}): Readonly<Config> {
  let flags = parsedFlags;
  if (!flags) {
    const line = parseCommandLine(argv);
    if (line.positionals.length > 0) throw new ConfigError(`Unexpected argument: ${line.positionals[0]}`);
    flags = line.configFlags;
  }
  const get = <T>(key: Key) => read(key, flags as Record<string, unknown>, env) as T | undefined;
  const named = (key: Key) => given(key, flags as Record<string, unknown>, env);
  const paths = envPaths('memoram-mcp', { suffix: '' });
  const apiKey = get<string>('apiKey');
  const apiUrl = (get<string>('apiUrl') ?? DEFAULT_API_URL).replace(/\/+$/, '');
  const dataDir = path.resolve(get<string>('dataDir') ?? paths.data);
  const backend = get<Config['backend']>('backend') ?? (apiKey ? 'memoram' : 'local');
  if (backend === 'memoram' && !apiKey) {
    throw new ConfigError(
      'The memoram backend needs a developer API key: set MEMORAM_API_KEY (or choose --backend local / MEMORAM_BACKEND=local).',
    );
  }
  const embeddings = embeddingsConfig(get, named);
  return Object.freeze({
    backend,
    apiKey,
    apiUrl,
    oauthAuthorizeUrl: get<string>('oauthAuthorizeUrl') ?? `${apiUrl}/oauth/authorize`,
    oauthTokenUrl: get<string>('oauthTokenUrl') ?? `${apiUrl}/oauth/token`,
    oauthScope: get<string>('oauthScope') ?? '',
    redirectPort: get<number>('redirectPort') ?? 0,
    clientId: get<string>('clientId'),
    clientSecret: get<string>('clientSecret'),
    memoryKey: get<string>('memoryKey'),
    dataDir,
    configDir: path.resolve(get<string>('configDir') ?? paths.config),
    storeFile: path.join(dataDir, 'memories.db'),
    readOnly: get<boolean>('readOnly') ?? false,
    noBrowser: get<boolean>('noBrowser') ?? false,
    logLevel: get<LogLevel>('logLevel') ?? 'info',
    scope: get<string>('scope'),
    http: Object.freeze({
      host: get<string>('host') ?? '127.0.0.1',
      port: get<number>('port') ?? defaultPort,
      token: get<string>('httpToken'),
    }),
    cacheDir: path.resolve(get<string>('cacheDir') ?? paths.cache),
    embeddings: Object.freeze(embeddings.settings),
    warnings: Object.freeze(embeddings.warnings),
  });
}

/**
 * MEMORAM_EMBEDDINGS=off wins over everything; else an endpoint URL picks the OpenAI-compatible
 * provider, else the local model (MEMORAM_EMBEDDINGS_MODEL or the default): on by default, since
 * nothing leaves the machine for a local model. A setting that the others make pointless is no
 * error (a leftover variable must not keep an MCP server from starting) but a warning.
 */
function embeddingsConfig(
  get: <T>(key: Key) => T | undefined,
  named: (key: Key) => string | undefined,
): { settings: EmbeddingsConfig; warnings: string[] } {
  const ignored = (keys: Key[], why: string) => ignoredLine(keys.map(named), why);
  if (get<string>('embeddings') === 'off') {
    const off = named('embeddings') === '--embeddings' ? '--embeddings off' : 'MEMORAM_EMBEDDINGS=off';
    return {
      settings: { provider: 'off', reason: 'turned off by MEMORAM_EMBEDDINGS=off' },
      warnings: ignored(
        [
          'embeddingsModel',
          'embeddingsUrl',
          'embeddingsBaseUrl',
          'embeddingsApiKey',
          'embeddingsAllowRemote',
        ],
        `: ${off} turns search by meaning off`,
      ),
    };
  }
  const model = get<string>('embeddingsModel');
  const url = get<string>('embeddingsUrl');
  if (url === undefined) {
    return {
      settings: {
        provider: 'local',
        model: model ?? DEFAULT_EMBEDDINGS_MODEL,
        baseUrl: (get<string>('embeddingsBaseUrl') ?? DEFAULT_EMBEDDINGS_BASE_URL).replace(/\/+$/, ''),
      },
      warnings: ignored(
        ['embeddingsApiKey', 'embeddingsAllowRemote'],
        ' without an endpoint: with no MEMORAM_EMBEDDINGS_URL (--embeddings-url), search by meaning runs the local model',
      ),
    };
  }
  return {
    settings: endpointSettings(get, url, model),
    warnings: ignored(
      ['embeddingsBaseUrl'],
      `: it is where a local model is downloaded from, and ${named('embeddingsUrl')} names an endpoint instead`,
    ),
  };
}

/** One line naming the settings given among `names`, then `why` (": …" or " without …"); none if none. */
function ignoredLine(names: (string | undefined)[], why: string): string[] {
  const given = names.filter((name) => name !== undefined);
  if (given.length === 0) return [];
  const list = given.length === 1 ? given[0] : `${given.slice(0, -1).join(', ')} and ${given.at(-1)}`;
  return [`${list} ${given.length === 1 ? 'is' : 'are'} ignored${why}.`];
}

function endpointSettings(
  get: <T>(key: Key) => T | undefined,
  url: string,
  model: string | undefined,
): Extract<EmbeddingsConfig, { provider: 'openai' }> {
  if (model === undefined) {
    throw new ConfigError(
      'An embeddings endpoint needs a model name: set --embeddings-model / MEMORAM_EMBEDDINGS_MODEL beside MEMORAM_EMBEDDINGS_URL.',
    );
  }
  const allowRemote = get<boolean>('embeddingsAllowRemote') ?? false;
  const { hostname, protocol, username, password } = new URL(url);
  // The URL shows in the status and the log; a credential in it would too. A "?" or "#", even
  // with nothing after it, would also swallow the "/embeddings" appended to the base.
  if (username || password || /[?#]/.test(url)) {
    throw new ConfigError(
      'Invalid value for --embeddings-url / MEMORAM_EMBEDDINGS_URL: no user, password or query (nor fragment) in it; put a key in MEMORAM_EMBEDDINGS_API_KEY.',
    );
  }
  if (!isLoopbackHost(hostname)) {
    if (!allowRemote) {
      throw new ConfigError(
        `Refusing the embeddings endpoint ${hostname}: memory content would leave this machine; set MEMORAM_EMBEDDINGS_ALLOW_REMOTE=1 to accept that.`,
      );
    }
    if (protocol !== 'https:') {
      throw new ConfigError(
        'Invalid value for --embeddings-url / MEMORAM_EMBEDDINGS_URL: a remote endpoint must use https.',
      );
    }
  }
  return {
    provider: 'openai',
    url: url.replace(/\/+$/, ''),
    model,
    apiKey: get<string>('embeddingsApiKey'),
    allowRemote,
  };
}
