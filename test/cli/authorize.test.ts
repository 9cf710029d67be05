// `memoram-mcp authorize` end to end: the built CLI as a child process against an emulator, the
// consent page answered like a browser would (fetch), access approved or rejected through the
// control API, Ctrl-C (SIGINT) while it waits, and `status` afterwards.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterEach, beforeEach, expect, it, onTestFinished, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../../src/emulator/index.js';
import { browse, decide, hiddenField } from '../emulator/oauth-helpers.js';
import { collectOutput, exited, runCli, spawnCli, type TempHome, tempHome } from './spawn.js';

const WAIT = { timeout: 15_000, interval: 25 };

let home: TempHome;
let emu: RunningEmulator;
let env: Record<string, string>;

beforeEach(async () => {
  home = await tempHome();
  emu = await startEmulator({ port: 0 });
  env = {
    ...home.env,
    MEMORAM_API_URL: emu.apiUrl,
    MEMORAM_API_KEY: emu.apiKey,
    MEMORAM_CLIENT_ID: emu.clientId,
  };
});

afterEach(async () => {
  await emu.close();
  await home.cleanup();
});

interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Waits until stdout matches, and returns the match. */
  printed(pattern: RegExp): Promise<RegExpMatchArray>;
}

function start(args: string[]): Running {
  const child = spawnCli(['authorize', ...args], env);
  const { stdout, stderr } = collectOutput(child);
  child.stdin.end();
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const printed = async (pattern: RegExp) => {
    let match: RegExpMatchArray | null = null;
    await vi.waitFor(() => {
      match = pattern.exec(stdout());
      if (!match) throw new Error(`not printed yet: ${pattern}\n${stdout()}\n${stderr()}`);
    }, WAIT);
    return match!;
  };
  return { child, stdout, stderr, printed };
}

const control = async (route: string) => {
  const response = await fetch(`${emu.origin}/__emulator/${route}`, { method: 'POST' });
  expect(response.ok, route).toBe(true);
  return response.json();
};

/** The user allows access on the consent page, and the browser goes back to the listener. */
async function allowInBrowser(url: string): Promise<string> {
  const page = await browse(url);
  const answer = await decide(emu, hiddenField(page.text, 'consent'), 'allow');
  const back = await fetch(answer.location!);
  expect(back.status).toBe(200);
  return answer.location!.searchParams.get('code')!;
}

/** Nothing secret in what the command printed. */
function expectNoSecrets(run: Running, ...more: string[]) {
  const printed = run.stdout() + run.stderr();
  for (const secret of [emu.apiKey, emu.demoUser.memory_key, emu.demoUser.encryption_key, ...more]) {
    expect(printed.includes(secret), `printed a secret (${secret.slice(0, 6)}…)`).toBe(false);
  }
}

it('signs in through the browser, waits for approval, connects, and status shows it', async () => {
  const run = start(['--no-browser']);
  const [, url] = await run.printed(/Sign in to Memoram and allow access at:\s+(\S+)/);
  expect(run.stdout()).toContain('Open the address above in your browser.');
  const code = await allowInBrowser(url!);
  const [, requestId] = await run.printed(/Access request (\S+) is waiting for your approval/);
  expect(run.stdout()).toMatch(/approve the request from memoram-mcp/);
  await control(`access-requests/${requestId}/approve`);
  expect(await exited(run.child)).toBe(0);
  expect(run.stdout()).toContain(`Connected to Memoram as user ${emu.demoUser.user_id} (key version 1).`);
  // Not a terminal: plain progress lines, no spinner.
  expect(run.stderr()).toContain('Waiting for approval in the Memoram dashboard…');
  expect(run.stderr()).not.toContain('\r');
  expectNoSecrets(run, code);

  const status = await runCli(['status', '--json'], env);
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({
    backend: 'memoram',
    state: 'authorized',
    user_id: emu.demoUser.user_id,
    key_version: 1,
  });
});

it('exits 1 with the reason when the user rejects the access request (--memory-key)', async () => {
  const run = start(['--memory-key', emu.demoUser.memory_key]);
  const [, requestId] = await run.printed(/Access request (\S+) is waiting/);
  expect(run.stdout()).toMatch(/^Requesting access with your memory key…\n/);
  await control(`access-requests/${requestId}/reject`);
  expect(await exited(run.child)).toBe(1);
  expect(run.stderr()).toMatch(/rejected the access request .*run memoram-mcp authorize again/);
  expectNoSecrets(run);
  expect(JSON.parse((await runCli(['status', '--json'], env)).stdout).state).toBe('not_connected');
});

it('stops on Ctrl-C with exit 130, keeping the request, and the next run picks it up', async () => {
  const first = start(['--no-browser']);
  const [, url] = await first.printed(/allow access at:\s+(\S+)/);
  await allowInBrowser(url!);
  const [, requestId] = await first.printed(/Access request (\S+) is waiting/);
  first.child.kill('SIGINT');
  expect(await exited(first.child)).toBe(130);
  expect(first.stdout()).toContain(`Stopped. Access request ${requestId} stays pending`);
  const status = JSON.parse((await runCli(['status', '--json'], env)).stdout);
  expect(status).toMatchObject({ state: 'awaiting_approval', access_request_id: requestId });

  const second = start([]);
  await second.printed(new RegExp(`Picking up access request ${requestId}`));
  await control(`access-requests/${requestId}/approve`);
  expect(await exited(second.child)).toBe(0);
  expect(second.stdout()).not.toContain('Sign in to Memoram');
  const state = (await (await fetch(`${emu.origin}/__emulator/state`)).json()) as {
    access_requests: unknown[];
  };
  expect(state.access_requests).toHaveLength(1);
});

it('says how to configure Memoram on the local store, and what is missing without a client id', async () => {
  const local = await runCli(['authorize'], home.env);
  expect(local.code).toBe(1);
  expect(local.stderr).toMatch(/local store.*MEMORAM_API_KEY.*MEMORAM_CLIENT_ID.*memoram-mcp emulator/s);

  const { MEMORAM_CLIENT_ID: _none, ...withoutClient } = env;
  const missing = await runCli(['authorize'], withoutClient);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/MEMORAM_CLIENT_ID.*MEMORAM_MEMORY_KEY/s);
});
