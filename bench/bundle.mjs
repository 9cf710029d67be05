#!/usr/bin/env node
// The install figures of issue 21, printed as a table: the Desktop bundle's size; unpacking it
// into an empty folder (with the official `mcpb unpack`, and with unzip) plus its first `status`
// on Node 22, with nothing on PATH but that Node (so nothing can be compiled); and the first
// start of the npm tarball installed into an empty folder where a prebuilt binary of the native
// module can be had.
// prebuild-install fetches those from GitHub, which this machine cannot reach, so the run serves
// one on 127.0.0.1 through prebuild-install's own mirror setting: the module built for this Node
// by the repository's own install, packed as a prebuild (a lower bound on a real download).
//
//   npm run build && node bench/bundle.mjs [--runs 5] [--compile]
//   --compile adds one install with no prebuilt binary to be had (npm compiles the module).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, compile: { type: 'boolean' } },
});
const runs = Number(values.runs);
const work = mkdtempSync(path.join(os.tmpdir(), 'memoram-bench-bundle-'));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const mcpb = path.join(root, 'node_modules', '@anthropic-ai', 'mcpb', 'dist', 'cli', 'cli.js');

const execFileAsync = promisify(execFile);

/** Runs a command to its end (asynchronously: the prebuild mirror answers in this process). */
async function run(command, args, { input, ...options } = {}) {
  const started = process.hrtime.bigint();
  const running = execFileAsync(command, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  running.child.stdin.end(input ?? '');
  const { stdout } = await running;
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stdout };
}

const spread = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const format = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
  return `${format(median)} (${format(sorted[0])}–${format(sorted.at(-1))}, ${list.length} runs)`;
};

try {
  await run(process.execPath, [path.join(root, 'scripts', 'bundle.mjs'), '--out', work], { cwd: root });
  const bundle = path.join(work, `${pkg.name}-${pkg.version}.mcpb`);
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const node22 = (
    await run('npx', ['-y', '-p', `node-linux-${arch}@22`, '--', 'node', '-p', 'process.execPath'], {
      cwd: work,
    })
  ).stdout.trim();
  const node22Version = (await run(node22, ['-v'])).stdout.trim();

  // Two unpackers: the official CLI (its own start, about 0.7 s here, included) and Info-ZIP's
  // unzip, nearer to Claude Desktop, which unpacks inside its running app.
  const figures = { mcpb: [], unzip: [], status: [], mcpbTotal: [], unzipTotal: [] };
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(path.join(work, 'unpacked-'));
    const zipped = mkdtempSync(path.join(work, 'unzipped-'));
    const home = mkdtempSync(path.join(work, 'home-'));
    const unpack = await run(process.execPath, [mcpb, 'unpack', bundle, dir]);
    const unzip = await run('unzip', ['-q', bundle, '-d', zipped]);
    const env = { HOME: home, PATH: path.dirname(node22) };
    const status = await run(node22, [path.join(dir, 'dist', 'cli.js'), 'status'], { env });
    figures.mcpb.push(unpack.ms);
    figures.unzip.push(unzip.ms);
    figures.status.push(status.ms);
    figures.mcpbTotal.push(unpack.ms + status.ms);
    figures.unzipTotal.push(unzip.ms + status.ms);
  }

  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], {
    cwd: root,
  });
  const tarball = path.join(work, JSON.parse(stdout)[0].filename);
  const installs = await installFigures(tarball, runs);
  const compiled = values.compile ? await installFigures(tarball, 1, false) : undefined;

  const rows = [
    [
      'bundle size',
      `${(statSync(bundle).size / 1e6).toFixed(1)} MB (${statSync(bundle).size} bytes)`,
      '≤ 25 MB',
    ],
    [
      `bundle unpack with \`mcpb unpack\` (its CLI's start included), linux-${arch}`,
      spread(figures.mcpb),
      '',
    ],
    ['bundle unpack with `unzip`', spread(figures.unzip), ''],
    [`bundle first \`status\`, Node ${node22Version}, no compiler on PATH`, spread(figures.status), ''],
    ['bundle unpack (mcpb) + first `status`', spread(figures.mcpbTotal), '≤ 2 s, no compile'],
    ['bundle unpack (unzip) + first `status`', spread(figures.unzipTotal), '≤ 2 s, no compile'],
    [
      `npm install of the tarball, prebuilt binary to be had (Node ${process.version})`,
      spread(installs.install),
      'report',
    ],
    ['its first `status`', spread(installs.status), 'report'],
    ['its first stdio start (spawn → tools/list answered)', spread(installs.serve), 'report'],
  ];
  if (compiled) {
    rows.push([
      'npm install of the tarball, no prebuilt binary (compiles)',
      spread(compiled.install),
      'report',
    ]);
  }
  console.log(
    `\n${new Date().toISOString()}, ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os.loadavg()[0].toFixed(1)}\n`,
  );
  console.log('| measure | result | target |\n| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** npm install of `tarball` into empty folders, then its first status and first stdio session. */
async function installFigures(tarball, count, prebuilt = true) {
  const figures = { install: [], status: [], serve: [] };
  const mirror = prebuilt ? await servePrebuild() : undefined;
  try {
    for (let i = 0; i < count; i++) {
      const prefix = mkdtempSync(path.join(work, 'installed-'));
      const home = mkdtempSync(path.join(work, 'home-'));
      const env = { ...process.env, HOME: home, npm_config_cache: path.join(os.homedir(), '.npm') };
      if (mirror) env.npm_config_better_sqlite3_multiple_ciphers_binary_host = mirror.url;
      else env.npm_config_better_sqlite3_multiple_ciphers_binary_host = 'http://127.0.0.1:9'; // nothing there
      const install = await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], {
        cwd: prefix,
        env,
      });
      figures.install.push(install.ms);
      const bin = path.join(prefix, 'node_modules', '.bin', 'memoram-mcp');
      const serveEnv = { PATH: process.env.PATH, HOME: home };
      figures.status.push((await run(bin, ['status'], { env: serveEnv })).ms);
      const lines = [
        { jsonrpc: '2.0', id: 1, method: 'initialize', params: initialize() },
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      ];
      // Input ends after tools/list: the server answers everything, then exits on end of input.
      const serve = await run(bin, ['serve'], {
        env: serveEnv,
        input: lines.map((line) => JSON.stringify(line)).join('\n'),
      });
      if (!serve.stdout.includes('"tools"')) throw new Error('serve did not answer tools/list');
      figures.serve.push(serve.ms);
    }
  } finally {
    mirror?.close();
  }
  return figures;
}

function initialize() {
  return { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } };
}

/** A prebuild-install mirror on 127.0.0.1 serving the module this checkout built for this Node. */
async function servePrebuild() {
  const native = path.join(root, 'node_modules', 'better-sqlite3-multiple-ciphers');
  const { version } = JSON.parse(readFileSync(path.join(native, 'package.json'), 'utf8'));
  const name = `better-sqlite3-multiple-ciphers-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const archive = path.join(work, name);
  await run('tar', ['-czf', archive, '-C', native, 'build/Release/better_sqlite3.node']);
  const body = readFileSync(archive);
  const server = createServer((request, response) => {
    if (request.url !== `/v${version}/${name}`) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-length': body.length }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}
