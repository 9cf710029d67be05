/**
 * What both servers (`serve` over stdio, serve-http.ts over HTTP) do with their process: the
 * young generation held small, the shutdown signals, and the scope setting the MCP servers get.
 */
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { Config } from '../config.js';

/**
 * V8 doubles its young generation, up to 16 MiB a half (32 MiB resident), whenever enough objects
 * have survived its collections, which a long-lived process's requests always come to. For a
 * server answering its clients' calls one at a time, that was a quarter of its resident memory,
 * for no speed the benchmark could see (search and create latency alike with the young generation
 * held at its first size). V8 reads the factor each time it would grow, so it takes effect here.
 */
export function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * The first SIGINT or SIGTERM, listened for from this call on. Called before the server says it is
 * serving: a client (or a test) may signal as soon as it reads that line, and a signal that comes
 * before its listener ends the process by the signal's default action, without closing the
 * database. One that comes while the store opens still does that; the store survives a kill.
 *
 * A second signal of either kind, while shutdown drains, ends the process at once (a user
 * pressing Ctrl-C again means it), with the shell's code for death by that signal.
 */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      for (const name of SIGNALS) {
        process.off(name, first);
        process.once(name, again);
      }
      resolve(signal);
    };
    const again = (signal: NodeJS.Signals) => {
      process.stderr.write(`memoram-mcp: ${signal} again during shutdown: exiting now\n`);
      process.exit(128 + (os.constants.signals[signal] ?? 0));
    };
    for (const name of SIGNALS) process.on(name, first);
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** MEMORAM_SCOPE, and the folder whose git repository `auto` names when the client has no roots. */
export function scopeSetting(config: Readonly<Config>) {
  return { scope: config.scope, cwd: process.cwd() };
}
