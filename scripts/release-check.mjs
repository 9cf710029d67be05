#!/usr/bin/env node
// `npm run release:check`: is this commit fit to release? It builds dist/, then runs the release
// suite (vitest.release.config.ts), which packs the npm tarball and the Desktop bundle and tries
// them as users get them: the tarball installed into an empty folder (status, a stdio session),
// the bundle unpacked and started as Claude Desktop starts it on Node 22 and 24 (a whole session,
// no network). The metadata checks run first, as part of it: the versions of package.json,
// server.json and the manifest agree, CHANGELOG.md has an entry for the version, server.json
// passes the MCP Registry's schema (test/package/registry.test.ts).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const steps = [
  ['npm', ['run', 'build']],
  ['npx', ['vitest', 'run', 'test/package/registry.test.ts', 'test/package/pack.test.ts']],
  ['npx', ['vitest', 'run', '--config', 'vitest.release.config.ts']],
];
for (const [command, args] of steps) {
  console.error(`== release:check: ${command} ${args.join(' ')}`);
  const { status } = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (status !== 0) {
    console.error(`release:check: failed at \`${command} ${args.join(' ')}\``);
    process.exit(1);
  }
}
console.error('release:check: passed');
