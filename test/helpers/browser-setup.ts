/** vitest global setup: finds the browser tests' Chromium once per run (see browser.ts). */
import type { TestProject } from 'vitest/node';
import { findBrowser } from './browser-finder.js';

export default async function setup(project: TestProject): Promise<void> {
  project.provide('browser', await findBrowser());
}
