/**
 * The Desktop bundle as Claude Desktop runs it: unpacked into an empty folder, its manifest's
 * `mcp_config` started with Node 22 and with Node 24, the settings passed as environment variables
 * the way Desktop substitutes them (an optional field left empty stays an unreplaced placeholder),
 * in a network namespace of its own (no network at all) and with nothing on PATH but that Node (no
 * compiler). A real MCP client then uses every tool, resource and prompt.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { NODE_VERSIONS, ROOT } from './artifacts.js';
import { connect, exerciseEverything, type Launch } from './session.js';

const run = promisify(execFile);
const artifacts = inject('artifacts');
const MCPB = path.join(ROOT, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');
const PLATFORMS = ['darwin', 'linux', 'linuxmusl', 'win32'].flatMap((os) => [`${os}-arm64`, `${os}-x64`]);
const PROMPT_ARGUMENTS = { topic: 'my coffee', what: 'I take my coffee black.' };

interface Manifest {
  version: string;
  server: { mcp_config: { command: string; args: string[]; env: Record<string, string> } };
  tools: { name: string }[];
  prompts: { name: string; arguments: string[]; text: string }[];
  user_config: Record<string, { default?: unknown }>;
}

/**
 * unshare(1), where this machine lets a process have a network namespace of its own (root, or
 * user namespaces): its absolute path, as the server's PATH holds nothing but its Node.
 */
const unshare = (() => {
  try {
    const found = execFileSync('sh', ['-c', 'command -v unshare'], { encoding: 'utf8' }).trim();
    execFileSync(found, ['-rn', 'true'], { stdio: 'ignore' });
    return found;
  } catch {
    console.warn('release check: no network namespace here (unshare -rn); the bundle runs with the network');
    return undefined;
  }
})();

/** The bundle unpacked by the official tool into a new, empty folder. */
async function unpack(): Promise<{ dir: string; manifest: Manifest }> {
  const dir = await mkdtemp(path.join(artifacts.dir, 'unpacked-'));
  await run(process.execPath, [MCPB, 'unpack', artifacts.bundle, dir]);
  return { dir, manifest: JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) };
}

/** The process Claude Desktop starts for `manifest` in `dir`, with the user's `values` filled in. */
function desktopLaunch(
  manifest: Manifest,
  dir: string,
  node: string,
  home: string,
  values: Record<string, unknown>,
) {
  const { command, args, env } = manifest.server.mcp_config;
  const fill = (text: string) =>
    text.replaceAll(`\${__dirname}`, dir).replace(/\$\{user_config\.([^}]+)\}/g, (whole, key: string) => {
      const value = values[key] ?? manifest.user_config[key]?.default;
      return value === undefined ? whole : String(value);
    });
  expect(command).toBe('node'); // Desktop runs it with the Node it ships: here, the one under test
  const launch: Launch = {
    command: node,
    args: args.map(fill),
    env: {
      HOME: home,
      PATH: path.dirname(node),
      ...Object.fromEntries(Object.entries(env).map(([name, value]) => [name, fill(value)])),
    },
  };
  if (!unshare) return launch;
  return { ...launch, command: unshare, args: ['-rn', '--', launch.command, ...launch.args] };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

describe('the Desktop bundle', () => {
  let unpacked: { dir: string; manifest: Manifest };
  beforeAll(async () => {
    unpacked = await unpack();
  });

  it('holds the server, its licence and icon, and the SQLite binaries for eight platforms; nothing to compile', async () => {
    const files = await filesUnder(unpacked.dir);
    for (const file of ['manifest.json', 'package.json', 'LICENSE', 'icon.png', 'dist/cli.js']) {
      expect(files).toContain(file);
    }
    const prebuilds = files.filter((file) => file.endsWith('.node'));
    expect(prebuilds.sort()).toEqual(
      PLATFORMS.map((platform) => `node_modules/better-sqlite3-multiple-ciphers/prebuilds/${platform}.node`),
    );
    expect(
      files.filter((file) => /\.(map|ts|c|cc|cpp|h|hpp|gyp)$|(^|\/)(test|src|deps|build)\//.test(file)),
    ).toEqual([]);
    const { version } = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(unpacked.manifest.version).toBe(version);
    // The size the README states; Claude Desktop's directory takes bundles of up to 25 MB.
    expect((await stat(artifacts.bundle)).size).toBeLessThanOrEqual(25e6);
  });

  it.each(NODE_VERSIONS)('serves a whole session on Node %s, without network or compiler', async (major) => {
    const { dir, manifest } = await unpack();
    const home = path.join(dir, '..', `${path.basename(dir)}-home`);
    await mkdir(home);
    const node = artifacts.nodes[major]!;
    const surface = await exerciseEverything(desktopLaunch(manifest, dir, node, home, {}), PROMPT_ARGUMENTS);
    expect(surface.serverVersion).toBe(manifest.version);
    expect(surface.tools).toEqual(manifest.tools.map((tool) => tool.name));
    expect(surface.resources).toEqual(expect.arrayContaining(['memoram://status', 'memoram://tags']));
    // The prompts are what the manifest says they are, its placeholders filled in.
    expect(surface.prompts).toEqual(
      manifest.prompts.map((prompt) => ({
        name: prompt.name,
        text: prompt.text.replace(/\$\{arguments\.([^}]+)\}/g, (_, name: keyof typeof PROMPT_ARGUMENTS) =>
          String(PROMPT_ARGUMENTS[name]),
        ),
      })),
    );
    expect(surface.stderr).not.toMatch(/\n\s+at |internal error/);
    // The store went where the user's data directory is, under the home Desktop runs it with.
    expect(await filesUnder(home)).toEqual(expect.arrayContaining([expect.stringMatching(/memories\.db$/)]));
  });

  it('offers only the read tools when the user turns read-only on', async () => {
    const home = await mkdtemp(path.join(artifacts.dir, 'home-'));
    const launch = desktopLaunch(unpacked.manifest, unpacked.dir, artifacts.nodes['22']!, home, {
      read_only: true,
    });
    const { client } = await connect(launch);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toContain('search_memories');
      expect(names).not.toContain('create_memory');
      expect(names).not.toContain('delete_memories');
    } finally {
      await client.close();
    }
  });

  it('tells a Node 20 that it needs Node 22 instead of crashing it', async () => {
    // The release check runs on the project's own Node, 20, which the bundle's module would crash.
    expect(Number.parseInt(process.versions.node, 10)).toBeLessThan(22);
    const home = await mkdtemp(path.join(artifacts.dir, 'home-'));
    const launch = desktopLaunch(unpacked.manifest, unpacked.dir, process.execPath, home, {});
    const status = launch.args.map((arg) => (arg === 'serve' ? 'status' : arg));
    const result = await run(launch.command, status, { env: launch.env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; signal: string | null; stderr: string }) => error,
    );
    expect(result).toMatchObject({ code: 1 });
    expect(result.stderr).toContain('needs Node.js 22 or later');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
