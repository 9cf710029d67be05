#!/usr/bin/env node
// `npm run build`: src/ bundled by esbuild into dist/, one module per entry point and the chunks
// they share. A client starts `serve` dozens of times a day and waits for it each time: loaded as
// one file, the server and its libraries start in about three quarters of the time that loading
// tsc's hundreds of modules (zod alone is 95) took. Commands other than `serve` stay in chunks of
// their own, loaded when they run. Types are checked by `npm run typecheck`, not here.
//
// The MCP SDK's runtime shims come from src/mcp/sdk-shims.ts (why: there).
//
// The native SQLite module stays outside: it is loaded from node_modules, built for the Node that
// runs it. Bundled CommonJS libraries call require(), which an ES module has not: the banner gives
// them Node's own.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    cli: 'src/cli.ts',
    // The Memoram emulator as a library, for the benchmarks that start it in process (not packed).
    'emulator/index': 'src/emulator/index.ts',
  },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: ['better-sqlite3-multiple-ciphers'],
  alias: { '@modelcontextprotocol/server/_shims': './src/mcp/sdk-shims.ts' },
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  legalComments: 'eof',
  logLevel: 'warning',
});

// The memory page's assets (src/ui/page/): plain TypeScript for the browser and one stylesheet, in
// dist/ui/, where src/ui/routes.ts serves them from: built into the package, nothing from a CDN.
await build({
  absWorkingDir: root,
  entryPoints: { page: 'src/ui/page/main.ts', 'page-style': 'src/ui/page/page.css' },
  outdir: path.join(dist, 'ui'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
mkdirSync(path.join(dist, 'ui'), { recursive: true });
copyFileSync(path.join(root, 'src/ui/page/icon.svg'), path.join(dist, 'ui', 'icon.svg'));
