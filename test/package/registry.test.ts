/**
 * The metadata a release publishes agrees with itself and with the code: server.json (the MCP
 * Registry's entry) names the npm package at package.json's version under package.json's mcpName,
 * describes only variables the configuration reads, and the changelog has an entry for the
 * version. The release check runs this before it builds anything.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFile(path.join(ROOT, file), 'utf8');

interface ServerJson {
  name: string;
  version: string;
  packages: {
    registryType: string;
    identifier: string;
    version: string;
    transport: { type: string };
    environmentVariables: { name: string; isSecret?: boolean }[];
  }[];
}

const pkg = async () =>
  JSON.parse(await read('package.json')) as {
    name: string;
    version: string;
    mcpName: string;
    repository: { url: string };
  };
const server = async () => JSON.parse(await read('server.json')) as ServerJson;

it('passes the MCP Registry schema it names (2025-12-11, vendored beside this test)', async () => {
  const schema = JSON.parse(await read('test/package/server.schema.json')) as { $id: string };
  const entry = (await server()) as unknown as { $schema: string };
  expect(entry.$schema).toBe(schema.$id);
  // Not strict: the registry's generated schema carries OpenAPI's `example` and `required` lists
  // beside `anyOf` branches, which constrain as JSON Schema says but trip ajv's own style checks.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const validate = ajv.compile(schema);
  expect(validate(entry), JSON.stringify(validate.errors, null, 2)).toBe(true);
  // And the schema is no pushover: a name outside the registry's pattern fails it.
  expect(validate({ ...entry, name: 'memoram mcp' })).toBe(false);
});

it('names the npm package at the version of package.json, under its mcpName', async () => {
  const { name, version, mcpName, repository } = await pkg();
  const entry = await server();
  expect(entry.name).toBe(mcpName);
  expect(entry.version).toBe(version);
  expect(entry.packages).toEqual([
    expect.objectContaining({ registryType: 'npm', identifier: name, version, transport: { type: 'stdio' } }),
  ]);
  // The registry proves an io.github.OWNER name by the repository it names.
  const owner = /^io\.github\.([^/]+)\//.exec(mcpName)?.[1];
  expect(repository.url).toContain(`github.com/${owner}/`);
});

it('describes only variables the configuration reads, secrets as secrets', async () => {
  const config = await read('src/config.ts');
  const variables = (await server()).packages[0]!.environmentVariables;
  for (const { name } of variables) expect(config, name).toContain(`env: '${name}'`);
  const secrets = variables.filter((variable) => variable.isSecret).map((variable) => variable.name);
  expect(secrets.sort()).toEqual(['MEMORAM_API_KEY', 'MEMORAM_CLIENT_SECRET', 'MEMORAM_MEMORY_KEY']);
});

it("maps the Desktop bundle's settings to variables the configuration reads", async () => {
  const config = await read('src/config.ts');
  const manifest = await read('scripts/bundle-manifest.mjs');
  const variables = [...manifest.matchAll(/env: '(MEMORAM_[A-Z_]+)'/g)].map((match) => match[1]!);
  expect(variables.length).toBeGreaterThanOrEqual(5);
  for (const name of variables) expect(config, name).toContain(`env: '${name}'`);
});

it('has a changelog entry for the version', async () => {
  const { version } = await pkg();
  expect(await read('CHANGELOG.md')).toMatch(
    new RegExp(`^## \\[${version.replaceAll('.', '\\.')}\\] - `, 'm'),
  );
});
