import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_EMBEDDINGS_MODEL, loadConfig } from '../../src/config.js';

const base = { MEMORAM_DATA_DIR: '/tmp/memoram-data', MEMORAM_CONFIG_DIR: '/tmp/memoram-config' };

describe('embeddings configuration', () => {
  it('is on by default with the local default model from the Hugging Face hub', () => {
    expect(loadConfig({ env: base }).embeddings).toEqual({
      provider: 'local',
      model: DEFAULT_EMBEDDINGS_MODEL,
      baseUrl: 'https://huggingface.co',
    });
  });

  it('takes a model (folder or id) and a base URL, flags before the environment', () => {
    const env = {
      ...base,
      MEMORAM_EMBEDDINGS_MODEL: 'me/my-model',
      MEMORAM_EMBEDDINGS_BASE_URL: 'http://127.0.0.1:8/',
    };
    expect(loadConfig({ env }).embeddings).toEqual({
      provider: 'local',
      model: 'me/my-model',
      baseUrl: 'http://127.0.0.1:8',
    });
    expect(loadConfig({ env, argv: ['--embeddings-model', '/models/potion'] }).embeddings).toMatchObject({
      model: '/models/potion',
    });
    expect(() => loadConfig({ env: { ...base, MEMORAM_EMBEDDINGS_BASE_URL: 'http://hub.example' } })).toThrow(
      /--embeddings-base-url \/ MEMORAM_EMBEDDINGS_BASE_URL: must use https/,
    );
  });

  it('is off with MEMORAM_EMBEDDINGS=off whatever else is set', () => {
    const env = {
      ...base,
      MEMORAM_EMBEDDINGS: 'off',
      MEMORAM_EMBEDDINGS_MODEL: 'x/y',
      MEMORAM_EMBEDDINGS_URL: 'http://127.0.0.1:11434/v1',
    };
    expect(loadConfig({ env }).embeddings).toEqual({
      provider: 'off',
      reason: 'turned off by MEMORAM_EMBEDDINGS=off',
    });
    expect(loadConfig({ env: base, argv: ['--embeddings', 'off'] }).embeddings.provider).toBe('off');
    expect(() => loadConfig({ env: { ...base, MEMORAM_EMBEDDINGS: 'maybe' } })).toThrow(
      /MEMORAM_EMBEDDINGS:/,
    );
  });

  it('uses an OpenAI-compatible endpoint on loopback, with its model and key', () => {
    const env = {
      ...base,
      MEMORAM_EMBEDDINGS_URL: 'http://localhost:11434/v1/',
      MEMORAM_EMBEDDINGS_MODEL: 'nomic-embed-text',
      MEMORAM_EMBEDDINGS_API_KEY: 'sk-secret-123',
    };
    expect(loadConfig({ env }).embeddings).toEqual({
      provider: 'openai',
      url: 'http://localhost:11434/v1',
      model: 'nomic-embed-text',
      apiKey: 'sk-secret-123',
      allowRemote: false,
    });
    expect(() => loadConfig({ env: { ...base, MEMORAM_EMBEDDINGS_URL: 'http://127.0.0.2:8080' } })).toThrow(
      /needs a model name: set --embeddings-model \/ MEMORAM_EMBEDDINGS_MODEL/,
    );
    expect(() =>
      loadConfig({ env: { ...env, MEMORAM_EMBEDDINGS_URL: 'http://user:sk-secret-123@127.0.0.1:8080/v1' } }),
    ).toThrow(/no user, password or query \(nor fragment\) in it; put a key in MEMORAM_EMBEDDINGS_API_KEY/);
    expect(() =>
      loadConfig({ env: { ...env, MEMORAM_EMBEDDINGS_URL: 'http://127.0.0.1:8080/v1?key=k' } }),
    ).toThrow(/no user, password or query/);
    // A fragment would reach the status and the log as well, and an empty query or fragment
    // would swallow the "/embeddings" appended to the base.
    for (const given of [
      'http://127.0.0.1:8080/v1#sk-secret-123',
      'http://127.0.0.1:8080/v1?',
      'http://127.0.0.1:8080/v1#',
    ])
      expect(() => loadConfig({ env: { ...env, MEMORAM_EMBEDDINGS_URL: given } })).toThrow(
        /no user, password or query/,
      );
    // The key is a secret: never a flag.
    expect(() => loadConfig({ env, argv: ['--embeddings-api-key', 'k'] })).toThrow(ConfigError);
  });

  it('refuses an endpoint off this machine unless MEMORAM_EMBEDDINGS_ALLOW_REMOTE=1, in one line', () => {
    const env = {
      ...base,
      MEMORAM_EMBEDDINGS_URL: 'https://api.openai.example/v1',
      MEMORAM_EMBEDDINGS_MODEL: 'text-embedding-3-small',
      MEMORAM_EMBEDDINGS_API_KEY: 'sk-secret-123',
    };
    let error: unknown;
    try {
      loadConfig({ env });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toBe(
      'Refusing the embeddings endpoint api.openai.example: memory content would leave this machine; set MEMORAM_EMBEDDINGS_ALLOW_REMOTE=1 to accept that.',
    );
    expect(message).not.toContain('sk-secret');
    expect(loadConfig({ env: { ...env, MEMORAM_EMBEDDINGS_ALLOW_REMOTE: '1' } }).embeddings).toMatchObject({
      provider: 'openai',
      allowRemote: true,
    });
    // Content in the clear over the network: a remote endpoint must be https even when allowed.
    expect(() =>
      loadConfig({
        env: { ...env, MEMORAM_EMBEDDINGS_URL: 'http://10.0.0.5/v1', MEMORAM_EMBEDDINGS_ALLOW_REMOTE: '1' },
      }),
    ).toThrow(/a remote endpoint must use https/);
  });

  it('warns once of each setting the others leave without effect, naming it but never its value', () => {
    const key = 'sk-secret-123';
    const warnings = (env: Record<string, string>, argv: string[] = []) =>
      loadConfig({ env: { ...base, ...env }, argv }).warnings;
    expect(warnings({})).toEqual([]);
    expect(warnings({ MEMORAM_EMBEDDINGS_MODEL: 'me/my-model' })).toEqual([]);
    // A key, or permission to go remote, with no endpoint: the local model runs, and they do nothing.
    expect(warnings({ MEMORAM_EMBEDDINGS_API_KEY: key })).toEqual([
      'MEMORAM_EMBEDDINGS_API_KEY is ignored without an endpoint: with no MEMORAM_EMBEDDINGS_URL (--embeddings-url), search by meaning runs the local model.',
    ]);
    expect(warnings({ MEMORAM_EMBEDDINGS_API_KEY: key, MEMORAM_EMBEDDINGS_ALLOW_REMOTE: '1' })).toEqual([
      'MEMORAM_EMBEDDINGS_API_KEY and MEMORAM_EMBEDDINGS_ALLOW_REMOTE are ignored without an endpoint: with no MEMORAM_EMBEDDINGS_URL (--embeddings-url), search by meaning runs the local model.',
    ]);
    expect(warnings({ MEMORAM_EMBEDDINGS_ALLOW_REMOTE: '0' })).toEqual([]);
    expect(warnings({}, ['--embeddings-allow-remote'])).toEqual([
      '--embeddings-allow-remote is ignored without an endpoint: with no MEMORAM_EMBEDDINGS_URL (--embeddings-url), search by meaning runs the local model.',
    ]);
    // A base URL is where the local model comes from: an endpoint makes it pointless.
    const endpoint = {
      MEMORAM_EMBEDDINGS_URL: 'http://127.0.0.1:11434/v1',
      MEMORAM_EMBEDDINGS_MODEL: 'nomic-embed-text',
      MEMORAM_EMBEDDINGS_API_KEY: key,
    };
    expect(warnings(endpoint)).toEqual([]);
    expect(warnings({ ...endpoint, MEMORAM_EMBEDDINGS_BASE_URL: 'http://127.0.0.1:8' })).toEqual([
      'MEMORAM_EMBEDDINGS_BASE_URL is ignored: it is where a local model is downloaded from, and MEMORAM_EMBEDDINGS_URL names an endpoint instead.',
    ]);
    // Off wins over everything, and says what it turned off; a value it ignores is not even checked.
    expect(
      warnings({
        ...endpoint,
        MEMORAM_EMBEDDINGS: 'off',
        MEMORAM_EMBEDDINGS_BASE_URL: 'not a url',
        MEMORAM_EMBEDDINGS_ALLOW_REMOTE: 'yes',
      }),
    ).toEqual([
      'MEMORAM_EMBEDDINGS_MODEL, MEMORAM_EMBEDDINGS_URL, MEMORAM_EMBEDDINGS_BASE_URL, MEMORAM_EMBEDDINGS_API_KEY and MEMORAM_EMBEDDINGS_ALLOW_REMOTE are ignored: MEMORAM_EMBEDDINGS=off turns search by meaning off.',
    ]);
    expect(warnings({ MEMORAM_EMBEDDINGS_MODEL: './model' }, ['--embeddings', 'off'])).toEqual([
      'MEMORAM_EMBEDDINGS_MODEL is ignored: --embeddings off turns search by meaning off.',
    ]);
    expect(warnings({ MEMORAM_EMBEDDINGS: 'off' })).toEqual([]);
    for (const env of [{ MEMORAM_EMBEDDINGS_API_KEY: key }, { ...endpoint, MEMORAM_EMBEDDINGS: 'off' }])
      expect(warnings(env).join('\n')).not.toContain(key);
  });

  it('keeps downloaded models in the cache directory, which MEMORAM_CACHE_DIR moves', () => {
    expect(loadConfig({ env: base }).cacheDir).toContain('memoram-mcp');
    expect(loadConfig({ env: { ...base, MEMORAM_CACHE_DIR: '/tmp/memoram-cache' } }).cacheDir).toBe(
      '/tmp/memoram-cache',
    );
  });
});
