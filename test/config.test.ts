import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_API_URL, HTTP_TOKEN_OFF, loadConfig, parseCommandLine } from '../src/config.js';

const base = { MEMORAM_DATA_DIR: '/tmp/memoram-data', MEMORAM_CONFIG_DIR: '/tmp/memoram-config' };

describe('loadConfig', () => {
  it('defaults to the local backend with the store in the data directory', () => {
    const config = loadConfig({ env: base });
    expect(config).toMatchObject({
      backend: 'local',
      apiUrl: DEFAULT_API_URL,
      oauthAuthorizeUrl: `${DEFAULT_API_URL}/oauth/authorize`,
      oauthTokenUrl: `${DEFAULT_API_URL}/oauth/token`,
      dataDir: '/tmp/memoram-data',
      configDir: '/tmp/memoram-config',
      storeFile: path.join('/tmp/memoram-data', 'memories.db'),
      readOnly: false,
      noBrowser: false,
      logLevel: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads MEMORAM_SCOPE as a scope name (lowercased) or auto, and names it when it is neither', () => {
    expect(loadConfig({ env: base }).scope).toBeUndefined();
    expect(loadConfig({ env: { ...base, MEMORAM_SCOPE: ' Memoram-MCP ' } }).scope).toBe('memoram-mcp');
    expect(loadConfig({ env: { ...base, MEMORAM_SCOPE: 'AUTO' } }).scope).toBe('auto');
    expect(loadConfig({ argv: ['--scope', 'work'], env: base }).scope).toBe('work');
    for (const bad of ['global', 'two words', 'x'.repeat(49)]) {
      expect(() => loadConfig({ env: { ...base, MEMORAM_SCOPE: bad } })).toThrow(/MEMORAM_SCOPE/);
    }
  });

  it('uses env-paths when no directories are configured, never the working directory', () => {
    const config = loadConfig({ env: {} });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
    expect(config.dataDir).toContain('memoram-mcp');
    expect(config.configDir).toContain('memoram-mcp');
  });

  it('picks Memoram when an API key is set, and derives OAuth URLs from the API URL', () => {
    const config = loadConfig({
      env: { ...base, MEMORAM_API_KEY: 'mem_x', MEMORAM_API_URL: 'http://127.0.0.1:9/api/v1/' },
    });
    expect(config.backend).toBe('memoram');
    expect(config.apiUrl).toBe('http://127.0.0.1:9/api/v1');
    expect(config.oauthTokenUrl).toBe('http://127.0.0.1:9/api/v1/oauth/token');
  });

  it('lets flags win over the environment', () => {
    const config = loadConfig({
      argv: ['--log-level', 'debug', '--read-only', '--data-dir', '/tmp/flag-data'],
      env: { ...base, MEMORAM_LOG_LEVEL: 'error', MEMORAM_READ_ONLY: '0' },
    });
    expect(config).toMatchObject({ logLevel: 'debug', readOnly: true, dataDir: '/tmp/flag-data' });
  });

  it('reads boolean variables in the usual spellings', () => {
    for (const [value, expected] of [
      ['1', true],
      ['true', true],
      ['0', false],
      ['no', false],
    ] as const) {
      expect(loadConfig({ env: { ...base, MEMORAM_READ_ONLY: value } }).readOnly).toBe(expected);
    }
  });

  it('names the flag and the variable of a bad value', () => {
    expect(() => loadConfig({ env: { ...base, MEMORAM_LOG_LEVEL: 'loud' } })).toThrow(
      /--log-level \/ MEMORAM_LOG_LEVEL/,
    );
    expect(() => loadConfig({ env: { ...base, MEMORAM_API_URL: 'ftp://x' } })).toThrow(
      /--api-url \/ MEMORAM_API_URL/,
    );
    expect(() => loadConfig({ env: { ...base, MEMORAM_API_URL: 'http://memoram.example/api/v1' } })).toThrow(
      /must use https/,
    );
    expect(() => loadConfig({ env: { ...base, MEMORAM_OAUTH_TOKEN_URL: 'http://10.0.0.5/token' } })).toThrow(
      /MEMORAM_OAUTH_TOKEN_URL: must use https/,
    );
    expect(loadConfig({ env: { ...base, MEMORAM_API_URL: 'http://localhost:4010/api/v1' } }).apiUrl).toBe(
      'http://localhost:4010/api/v1',
    );
    expect(() => loadConfig({ env: { ...base, MEMORAM_READ_ONLY: 'maybe' } })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: ['--port', 'eighty'], env: base })).toThrow(/--port \/ MEMORAM_PORT/);
  });

  it('reads the HTTP bearer token from the environment only, refusing a short one without echoing it', () => {
    expect(loadConfig({ env: base }).http.token).toBeUndefined();
    const token = 'a-long-enough-random-token';
    expect(loadConfig({ env: { ...base, MEMORAM_HTTP_TOKEN: token } }).http.token).toBe(token);
    let error: unknown;
    try {
      loadConfig({ env: { ...base, MEMORAM_HTTP_TOKEN: 'short-tok' } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/MEMORAM_HTTP_TOKEN: must be at least 16 characters/);
    expect((error as Error).message).not.toContain('short-tok');
    expect(() => loadConfig({ argv: ['--http-token', token], env: base })).toThrow(ConfigError);
  });

  it('reads MEMORAM_HTTP_TOKEN=off as off, and refuses a token no header could carry', () => {
    expect(loadConfig({ env: { ...base, MEMORAM_HTTP_TOKEN: 'off' } }).http.token).toBe(HTTP_TOKEN_OFF);
    expect(loadConfig({ env: { ...base, MEMORAM_HTTP_TOKEN: 'OFF' } }).http.token).toBe(HTTP_TOKEN_OFF);
    for (const bad of [
      'sixteen chars plus a space',
      ' leading-space-0123456789',
      'trailing-space-0123456789 ',
    ]) {
      expect(() => loadConfig({ env: { ...base, MEMORAM_HTTP_TOKEN: bad } })).toThrow(
        /^Invalid value for MEMORAM_HTTP_TOKEN: may hold only .* \(no spaces;/,
      );
    }
    const base64 = 'dGhpcyBpcyBhIHRva2Vu+/9=';
    expect(loadConfig({ env: { ...base, MEMORAM_HTTP_TOKEN: base64 } }).http.token).toBe(base64);
  });

  it('takes a Claude Desktop placeholder left unreplaced (a bundle setting left empty) as no value', () => {
    const config = loadConfig({
      env: {
        ...base,
        MEMORAM_BACKEND: `\${user_config.backend}`,
        MEMORAM_API_KEY: `\${user_config.api_key}`,
        MEMORAM_CLIENT_ID: `\${user_config.client_id}`,
        MEMORAM_READ_ONLY: `\${user_config.read_only}`,
      },
    });
    expect(config).toMatchObject({
      backend: 'local',
      apiKey: undefined,
      clientId: undefined,
      readOnly: false,
    });
    // Only the whole value is a placeholder: a real value that merely contains one is kept.
    expect(loadConfig({ env: { ...base, MEMORAM_CLIENT_ID: `app-\${user_config.x}` } }).clientId).toBe(
      `app-\${user_config.x}`,
    );
  });

  it('refuses the Memoram backend without an API key, unknown flags and secrets as flags', () => {
    expect(() => loadConfig({ env: { ...base, MEMORAM_BACKEND: 'memoram' } })).toThrow(/MEMORAM_API_KEY/);
    expect(() => loadConfig({ argv: ['--bogus'], env: base })).toThrow(ConfigError);
    expect(() => loadConfig({ argv: ['--api-key', 'mem_secret'], env: base })).toThrow(ConfigError);
  });
});

describe('parseCommandLine', () => {
  it('separates configuration flags, command flags and positionals', () => {
    expect(
      parseCommandLine(['--format', 'markdown', '--read-only', 'file.json'], { format: { type: 'string' } }),
    ).toEqual({
      configFlags: { 'read-only': true },
      commandFlags: { format: 'markdown' },
      positionals: ['file.json'],
    });
  });
});

describe('messages a person can act on', () => {
  const base = { MEMORAM_DATA_DIR: '/tmp/memoram-data' };
  const messageOf = (work: () => unknown): string => {
    try {
      work();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('says which values a boolean and a port take', () => {
    expect(messageOf(() => loadConfig({ env: { ...base, MEMORAM_READ_ONLY: 'maybe' } }))).toBe(
      'Invalid value for --read-only / MEMORAM_READ_ONLY: must be true or false (also 1/0, yes/no, on/off).',
    );
    for (const value of ['abc', '3.5', '70000', ' 8']) {
      expect(messageOf(() => loadConfig({ argv: ['--port', value], env: base }))).toBe(
        'Invalid value for --port / MEMORAM_PORT: must be a port number from 0 to 65535.',
      );
    }
  });

  it('refuses a flag given an empty value, naming it', () => {
    expect(messageOf(() => loadConfig({ argv: ['--data-dir', ''], env: base }))).toBe(
      '--data-dir was given an empty value: give it one, or leave the flag out.',
    );
    expect(messageOf(() => parseCommandLine(['--format='], { format: { type: 'string' } }))).toMatch(
      /^--format was given an empty value/,
    );
    // An empty variable still means "not set", as in most tools.
    expect(loadConfig({ env: { ...base, MEMORAM_LOG_LEVEL: '' } }).logLevel).toBe('info');
  });

  it('says a URL that is not one is not one', () => {
    for (const value of ['nope', 'http://', '://x']) {
      expect(messageOf(() => loadConfig({ argv: ['--api-url', value], env: base }))).toBe(
        'Invalid value for --api-url / MEMORAM_API_URL: must be an http(s) URL.',
      );
    }
  });

  it('takes an IPv6 host in brackets as the address inside them', () => {
    expect(loadConfig({ argv: ['--host', '[::1]'], env: base }).http.host).toBe('::1');
  });

  it('gives the emulator a default port of its own, so it can run beside serve --http', () => {
    expect(loadConfig({ env: base }).http.port).toBe(3939);
    expect(loadConfig({ env: base, defaultPort: 3940 }).http.port).toBe(3940);
    expect(loadConfig({ env: { ...base, MEMORAM_PORT: '4000' }, defaultPort: 3940 }).http.port).toBe(4000);
  });
});
