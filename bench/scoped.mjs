// Scoped search beside unscoped search on one store (issue 23): `count` memories in 10 scopes of
// count/10, imported through `memoram-mcp import`; one memoram-mcp server whose current scope is
// one of them answers the same queries twice in alternating blocks, by default (the current scope
// and global memories: a tenth of the store) and with scope "*" (all of it). The target: the
// scoped p50 at most 1.2 × the unscoped p50, both measured in this one run.
//
//   node bench/scoped.mjs [--size 100000]     (run alone; npm run build first)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { memories, queries } from './corpus.mjs';
import { cli, connect, memoram, timedCall } from './servers.mjs';
import { summarize } from './stats.mjs';

export const SCOPES = 10;
export const SCOPED_TARGET = 1.2;
const PHASE = { warmUp: 200, measured: 1000, blocks: 10 };
const CURRENT = 'scope-3';

/** The corpus as an export whose memories take the scopes in turn. */
async function writeScopedExport(count, file) {
  const out = createWriteStream(file);
  const write = async (text) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('{"format":"memoram-mcp-export","version":1,"memories":[\n');
  let index = 0;
  for (const memory of memories(count)) {
    await write(
      `${index === 0 ? '' : ',\n'}${JSON.stringify({ ...memory, scope: `scope-${index % SCOPES}` })}`,
    );
    index++;
  }
  await write('\n]}\n');
  out.end();
  await once(out, 'finish');
}

function run(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${args[0]} exited ${code}: ${stderr}`)),
    );
  });
}

/** A server whose current scope is CURRENT, on the store in `dir`. */
const scopedServer = {
  ...memoram,
  spawn: (dir) => {
    const spec = memoram.spawn(dir);
    return { ...spec, env: { ...spec.env, MEMORAM_SCOPE: CURRENT } };
  },
};

export async function scopedBench(count, { log }) {
  const base = await mkdtemp(path.join(os.tmpdir(), `memoram-bench-scoped-${count}-`));
  let session;
  try {
    const dir = path.join(base, 'store');
    await mkdir(dir);
    const file = path.join(base, 'export.json');
    log(`scoped ${count}: writing the corpus (${SCOPES} scopes)`);
    await writeScopedExport(count, file);
    log(`scoped ${count}: import`);
    await run(['import', file], memoram.spawn(dir).env);
    await rm(file);
    session = await connect(scopedServer, dir);
    await session.client.listTools();
    log(`scoped ${count}: searches, scoped and unscoped in alternating blocks`);
    const list = queries(PHASE.warmUp + PHASE.measured, 7);
    const call = (side, query) => {
      const { name, arguments: args } = memoram.search(query);
      return { name, arguments: side === 'unscoped' ? { ...args, scope: '*' } : args };
    };
    const sides = ['scoped', 'unscoped'];
    const times = { scoped: [], unscoped: [] };
    const blockP50 = { scoped: [], unscoped: [] };
    for (const query of list.slice(0, PHASE.warmUp)) {
      for (const side of sides) await timedCall(session.client, call(side, query));
    }
    const perBlock = PHASE.measured / PHASE.blocks;
    for (let block = 0; block < PHASE.blocks; block++) {
      const queriesOfBlock = list.slice(
        PHASE.warmUp + block * perBlock,
        PHASE.warmUp + (block + 1) * perBlock,
      );
      // Which side goes first alternates, so neither always meets a cache the other warmed.
      for (const side of block % 2 === 0 ? sides : [...sides].reverse()) {
        const taken = [];
        for (const query of queriesOfBlock) taken.push(await timedCall(session.client, call(side, query)));
        times[side].push(...taken);
        blockP50[side].push(summarize(taken).p50);
      }
    }
    const result = (side) => ({ ...summarize(times[side]), blockP50: summarize(blockP50[side]) });
    return { count, scoped: result('scoped'), unscoped: result('unscoped') };
  } finally {
    await session?.client.close();
    await rm(base, { recursive: true, force: true });
  }
}

const ms = (value) => `${value.toFixed(2)} ms`;
const spread = ({ min, max }) => `${ms(min)}–${ms(max)}`;

/** The bench's line for it, in the main table's columns. */
export function scopedTable(result) {
  const head = '| measure | memoram-mcp | target | |\n| --- | --- | --- | --- |';
  const label = `scoped search p50 / p95 over stdio, ${result.count.toLocaleString('en-US')} in ${SCOPES} scopes`;
  if (result.error) return `${head}\n| ${label} | failed: ${result.error} | | |`;
  const { scoped, unscoped } = result;
  const ratio = scoped.p50 / unscoped.p50;
  return [
    head,
    `| ${label} | scoped ${ms(scoped.p50)} / ${ms(scoped.p95)} (block p50s ${spread(scoped.blockP50)}); ` +
      `unscoped ("*") ${ms(unscoped.p50)} / ${ms(unscoped.p95)} (block p50s ${spread(unscoped.blockP50)}); ` +
      `ratio ${ratio.toFixed(2)} | scoped p50 ≤ ${SCOPED_TARGET} × unscoped | ${ratio <= SCOPED_TARGET ? 'met' : 'missed'} |`,
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { size: { type: 'string', default: '100000' } } });
  const began = Date.now();
  const log = (line) =>
    process.stderr.write(`[scoped ${((Date.now() - began) / 1000).toFixed(0)} s] ${line}\n`);
  const result = await scopedBench(Number(values.size), { log });
  process.stdout.write(`${scopedTable(result)}\n`);
}
