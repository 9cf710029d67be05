// The terminal output of `memoram-mcp authorize` in-process, where a test can pose as a terminal:
// the spinner on a TTY's stderr (redrawn in place, cleared before each step), and Ctrl-C.
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { authorizeCommand, INTERRUPTED } from '../../src/commands/authorize.js';
import { loadConfig } from '../../src/config.js';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

class Capture extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, done: () => void): void {
    this.text += String(chunk);
    done();
  }
}

let dir: string;
let emu: RunningEmulator;

beforeEach(async () => {
  dir = await makeTempDir('authorize-command');
  emu = await startEmulator({ port: 0 });
});

afterEach(async () => {
  await emu.close();
  await removeTempDir(dir);
});

function config(extra: Record<string, string> = {}) {
  return loadConfig({
    env: {
      MEMORAM_API_URL: emu.apiUrl,
      MEMORAM_API_KEY: emu.apiKey,
      MEMORAM_CONFIG_DIR: path.join(dir, 'config'),
      MEMORAM_DATA_DIR: path.join(dir, 'data'),
      ...extra,
    },
  });
}

it('spins on a terminal while it waits, and clears the line before each step', async () => {
  const stdout = new Capture(false);
  const stderr = new Capture(true);
  const running = authorizeCommand(config({ MEMORAM_MEMORY_KEY: emu.demoUser.memory_key }), silentLogger, {
    memoryKey: undefined,
    signal: new AbortController().signal,
    stdout,
    stderr,
  });
  const requestId = await printed(stdout, /Access request (\S+) is waiting/);
  await new Promise((resolve) => setTimeout(resolve, 300)); // a few turns of the spinner
  await fetch(`${emu.origin}/__emulator/access-requests/${requestId}/approve`, { method: 'POST' });
  expect(await running).toBe(0);
  expect(stdout.text).toMatch(/^Requesting access with your memory key…\n/);
  expect(stdout.text).toContain(`Connected to Memoram as user ${emu.demoUser.user_id} (key version 1).`);
  const frames = stderr.text.split('\r\x1b[K').filter(Boolean);
  expect(frames.length).toBeGreaterThan(1);
  for (const frame of frames) {
    expect(frame).toMatch(/^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Waiting for approval in the Memoram dashboard… \(\d+ s\)$/);
  }
  // The line is cleared before the next step is printed.
  expect(stderr.text.endsWith('\r\x1b[K')).toBe(true);
  expect(stdout.text + stderr.text).not.toContain(emu.demoUser.memory_key);
});

it('stops at once when interrupted, with exit code 130', async () => {
  const stop = new AbortController();
  const stdout = new Capture(false);
  const running = authorizeCommand(config({ MEMORAM_CLIENT_ID: emu.clientId }), silentLogger, {
    memoryKey: undefined,
    signal: stop.signal,
    stdout,
    stderr: new Capture(false),
  });
  await printed(stdout, /allow access at:/);
  stop.abort();
  expect(await running).toBe(INTERRUPTED);
  expect(stdout.text).toMatch(/\nStopped\.\n$/);
});

/** Waits until the output matches, and returns the first group (or the match). */
async function printed(output: Capture, pattern: RegExp): Promise<string> {
  for (let tries = 0; tries < 1000; tries++) {
    const match = pattern.exec(output.text);
    if (match) return match[1] ?? match[0];
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never printed ${pattern}: ${output.text}`);
}
