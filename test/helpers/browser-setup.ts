/**
 * vitest global setup: finds the browser tests' Chromium once per run (see browser.ts). A packaged
 * one is unpacked into a folder of this run's own, removed when the run ends.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { defaultSources, findBrowser } from './browser-finder.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const unpackDir = await mkdtemp(path.join(os.tmpdir(), 'memoram-chromium-'));
  project.provide('browser', await findBrowser(defaultSources(unpackDir)));
  return () => rm(unpackDir, { recursive: true, force: true });
}
