// The fuzz campaign of the fault suite (issue 9): over a thousand generated hostile tool calls and
// raw malformed JSON-RPC lines against the built CLI over stdio, on a temp local store holding
// memories made beforehand. The server must never exit, answer every request with an id exactly
// once, never show a stack trace, an internal path or the local key, and keep the earlier
// memories intact. Deterministic by seed: FUZZ_SEED=<n> replays a run.
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRawSession, type RawSession, type RpcMessage } from '../cli/raw-stdio.js';
import { type TempHome, tempHome } from '../cli/spawn.js';
import { Hostile, hostileArguments, hostileLine, prng, TOOL_NAMES } from './hostile.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const TOOL_CALLS = 1000;
const RAW_LINES = 400;
const OVERSIZED_LINES = 2;
const WINDOW = 16;
const REPO = path.resolve(import.meta.dirname, '..', '..');

let home: TempHome;
let session: RawSession;
const earlier: { id: string; content: string }[] = [];

beforeAll(async () => {
  home = await tempHome();
  session = await openRawSession(home.env);
  for (let i = 0; i < 8; i++) {
    const content = `earlier memory ${i}: the user prefers ${['tea', 'coffee', 'maté'][i % 3]} 🍵 at ${i} o'clock`;
    const answer = await session.call({
      jsonrpc: '2.0',
      id: `seed-${i}`,
      method: 'tools/call',
      params: { name: 'create_memory', arguments: { content, tags: ['earlier'] } },
    });
    earlier.push({ id: (answer.result!.structuredContent as { id: string }).id, content });
  }
}, 60_000);
afterAll(async () => {
  if (session.child.exitCode === null) session.child.kill();
  await home.cleanup();
});

describe('fuzz campaign over stdio', () => {
  it('survives hostile calls and lines, answers each once, leaks nothing, loses nothing', async () => {
    console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
    const h = new Hostile(prng(SEED));
    let counter = 1_000_000;
    const nextId = () => counter++;
    const expected: (string | number)[] = [];
    let nullAnswersDue = 0;
    let crashes = 0;

    const plan: (() => void)[] = [];
    for (let i = 0; i < TOOL_CALLS; i++) {
      plan.push(() => {
        const id = nextId();
        const name = h.chance(0.95) ? h.pick(TOOL_NAMES) : h.pick(['__proto__', 'toString', 'nope', '']);
        const params: Record<string, unknown> = { name, arguments: hostileArguments(h, name) };
        if (h.chance(0.05)) params._meta = { progressToken: h.pick(['p', 7]) };
        expected.push(id);
        session.write(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params }));
      });
    }
    for (let i = 0; i < RAW_LINES; i++) {
      plan.push(() => {
        const raw = hostileLine(h, nextId);
        expected.push(...raw.ids);
        if (raw.nullAnswer) nullAnswersDue++;
        session.write(raw.line);
      });
    }
    for (let i = 0; i < OVERSIZED_LINES; i++) {
      plan.push(() => {
        const id = nextId();
        expected.push(id);
        const content = 'y'.repeat(5 * 1024 * 1024);
        session.write(
          JSON.stringify({
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: { name: 'create_memory', arguments: { content } },
          }),
        );
      });
    }
    // Shuffle deterministically, so calls and raw lines interleave.
    for (let i = plan.length - 1; i > 0; i--) {
      const j = h.int(i + 1);
      [plan[i], plan[j]] = [plan[j]!, plan[i]!];
    }

    const answersTo = (id: string | number) =>
      session.messages().filter((m) => m.id === id && !m.method).length;
    for (let start = 0; start < plan.length; start += WINDOW) {
      const before = expected.length;
      for (const step of plan.slice(start, start + WINDOW)) step();
      const window = expected.slice(before);
      // Wait for this window's answers; a missing one is counted below, not thrown here.
      const deadline = Date.now() + 10_000;
      const waiting = () => !window.every((id) => answersTo(id) > 0) && session.child.exitCode === null;
      while (waiting() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      if (session.child.exitCode !== null) {
        crashes++;
        break;
      }
    }

    const responses = session.messages().filter((m) => !m.method);
    const unanswered = expected.filter((id) => answersTo(id) === 0);
    const doubled = expected.filter((id) => answersTo(id) > 1);
    const errors = responses.filter((m: RpcMessage) => m.error || m.result?.isError === true);
    const internal = responses.filter((m) => JSON.stringify(m).includes('Internal error'));
    const nullAnswers = responses.filter((m) => m.id === null).length;
    console.log(
      `fuzz figures: ${TOOL_CALLS} tool calls + ${RAW_LINES} raw lines + ${OVERSIZED_LINES} oversized attempted; ` +
        `${expected.length} requests with an id, ${expected.length - unanswered.length} answered, ` +
        `${doubled.length} answered twice, ${errors.length} errors (${internal.length} internal), ` +
        `${responses.length - errors.length} successes, ${nullAnswers} id-null answers ` +
        `(${nullAnswersDue} due), ${crashes} crashes`,
    );

    expect(crashes).toBe(0);
    expect(session.child.exitCode).toBeNull();
    expect(unanswered).toEqual([]);
    expect(doubled).toEqual([]);
    expect(internal).toEqual([]);
    expect(nullAnswers).toBeGreaterThanOrEqual(nullAnswersDue);
    expect(session.strayLines()).toEqual([]);

    const key = (await readFile(path.join(home.env.MEMORAM_CONFIG_DIR!, 'local.key'), 'utf8')).trim();
    const everything = JSON.stringify(responses);
    for (const [where, text] of [
      ['answers', everything],
      ['stderr', session.stderr()],
    ] as const) {
      expect(text, where).not.toContain('    at ');
      expect(text, where).not.toContain(REPO);
      expect(text, where).not.toContain('node_modules');
      expect(text, where).not.toContain(key);
      const tempPaths = text.match(new RegExp(`${os.tmpdir()}/[^"\\s]*`, 'g')) ?? [];
      expect(
        tempPaths.filter((found) => !found.startsWith(home.dir)),
        where,
      ).toEqual([]);
    }

    const read = await session.call({
      jsonrpc: '2.0',
      id: 'read-back',
      method: 'tools/call',
      params: { name: 'read_memories', arguments: { ids: earlier.map((memory) => memory.id) } },
    });
    const memories = (read.result!.structuredContent as { memories: { id: string; content: string }[] })
      .memories;
    expect(memories.map(({ id, content }) => ({ id, content }))).toEqual(earlier);
  }, 180_000);
});
