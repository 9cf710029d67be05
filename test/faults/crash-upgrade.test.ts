/**
 * Crash campaign, upgrade: a store written by release 0.1 (the fixtures) opened by this release,
 * which may convert it on its first start, and the start SIGKILLed at moments spread over its
 * length, sometimes twice in a row on the same copy. Afterwards a clean start must find every
 * memory of the fixture exactly as 0.1 stored it, count them right, search them, and take a new
 * write: a kill at any moment leaves the old store or the new one whole, never neither.
 */
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { campaignSeed, seededRng } from './prng.js';
import { reportFigures } from './report.js';
import {
  createMemory,
  differences,
  type Fields,
  readMemories,
  type Server,
  searchIds,
  startServer,
  statusCount,
} from './server.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
/** Not a secret: the fixtures' README gives it. */
const FIXTURE_KEY = createHash('sha256').update('memoram-mcp v0.1 migration fixture key').digest('hex');
const CYCLES_PER_FIXTURE = 8;

type Expected = Fields & { id: string };

/** A fresh home holding a copy of the fixture's store files and its local key. */
async function install(fixture: string): Promise<TempHome> {
  const home = await tempHome();
  const dataDir = home.env.MEMORAM_DATA_DIR as string;
  const configDir = home.env.MEMORAM_CONFIG_DIR as string;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  for (const name of await readdir(path.join(FIXTURES, fixture))) {
    if (name.startsWith('memories.db'))
      await copyFile(path.join(FIXTURES, fixture, name), path.join(dataDir, name));
  }
  await writeFile(path.join(configDir, 'local.key'), `${FIXTURE_KEY}\n`, { mode: 0o600 });
  await chmod(path.join(configDir, 'local.key'), 0o600);
  return home;
}

/** Starts a server and SIGKILLs it `ms` after the spawn, wherever its start has got to. */
async function killedStart(home: TempHome, ms: number, name: string): Promise<void> {
  const server = startServer(home.env, name);
  const closed = new Promise<void>((resolve) => {
    server.client.onclose = () => resolve();
  });
  const fire = () => (server.pid() === null ? setTimeout(fire, 1) : server.kill());
  setTimeout(fire, ms);
  await closed;
}

async function started(home: TempHome, name: string): Promise<Server> {
  const server = startServer(home.env, name);
  await server.ready.catch((error: unknown) => {
    throw new Error(`${name}: the server did not start on the upgraded store: ${error}\n${server.stderr()}`);
  });
  return server;
}

describe('crash campaign, upgrade from 0.1', () => {
  it('a kill at any moment of the first start leaves the 0.1 store whole', { timeout: 180_000 }, async () => {
    const seed = campaignSeed(20261203);
    console.log(`upgrade crash campaign: seed ${seed} (MEMORAM_FAULT_SEED=${seed} replays it)`);
    const begun = Date.now();
    const problems: string[] = [];
    const figures = { checked: 0, found: 0, lost: 0, duplicated: 0, kills: 0 };
    for (const fixture of ['v0.1-store', 'v0.1-store-wal']) {
      const rng = seededRng(seed).fork(fixture);
      const expected = JSON.parse(
        await readFile(path.join(FIXTURES, fixture, 'expected.json'), 'utf8'),
      ) as Expected[];
      // How long a whole first start takes here, conversion included: the kills spread over it.
      const timing = await install(fixture);
      const spawnedAt = Date.now();
      const probe = await started(timing, `${fixture}-timing`);
      const startMs = Date.now() - spawnedAt;
      await probe.close();
      await timing.cleanup();

      for (let cycle = 0; cycle < CYCLES_PER_FIXTURE; cycle++) {
        const home = await install(fixture);
        const label = `${fixture} cycle ${cycle}`;
        try {
          const slot = startMs / CYCLES_PER_FIXTURE;
          await killedStart(home, Math.round(slot * (cycle + rng.next())), label);
          figures.kills++;
          if (rng.chance(0.4)) {
            await killedStart(home, rng.int(0, startMs), `${label} again`);
            figures.kills++;
          }
          const server = await started(home, `${label} after`);
          const { memories, not_found } = await readMemories(
            server,
            expected.map((memory) => memory.id),
          );
          figures.checked += expected.length;
          const byId = new Map(memories.map((memory) => [memory.id, memory]));
          for (const memory of expected) {
            const got = byId.get(memory.id);
            const wrong = got ? differences(memory, got) : ['everything'];
            if (wrong.length === 0) figures.found++;
            else {
              figures.lost++;
              problems.push(
                `${label}: ${memory.id} ${got ? `differs in ${wrong.join(', ')}` : 'is missing'}`,
              );
            }
          }
          if (not_found.length > 0) problems.push(`${label}: not found: ${not_found.join(', ')}`);
          const count = await statusCount(server);
          if (count !== expected.length) {
            figures.duplicated += Math.max(0, (count ?? 0) - expected.length);
            problems.push(`${label}: status counts ${count}, the fixture holds ${expected.length}`);
          }
          // A plain word of a title: this checks the store opens to search, not how search ranks.
          const lastWord = (memory: Expected) => memory.title.split(' ').at(-1) ?? '';
          const probeMemory = rng.pick(expected.filter((memory) => /^[a-z]{4,}$/i.test(lastWord(memory))));
          const word = lastWord(probeMemory);
          if (!(await searchIds(server, word)).includes(probeMemory.id)) {
            problems.push(`${label}: search for "${word}" misses ${probeMemory.id}`);
          }
          const write = await createMemory(server, {
            content: `written after the upgrade, cycle ${cycle}`,
            title: 'after the upgrade',
            summary: '',
            tags: ['upgrade'],
            importance: 0.5,
            source: 'crash-upgrade',
          });
          if (write.kind !== 'ok')
            problems.push(`${label}: a write after the upgrade failed: ${JSON.stringify(write)}`);
          await server.close();
        } finally {
          await home.cleanup();
        }
      }
    }
    reportFigures({
      campaign: 'crash during upgrade',
      seed,
      attempted: figures.checked,
      acknowledged: figures.checked,
      found: figures.found,
      lost: figures.lost,
      duplicated: figures.duplicated,
      details: { kills: figures.kills, 'fresh copies of a 0.1 store': 2 * CYCLES_PER_FIXTURE },
      seconds: (Date.now() - begun) / 1000,
    });
    expect(problems).toEqual([]);
  });
});
