import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The release check's own suite (vitest.release.config.ts), run by `npm run release:check`.
    exclude: ['test/release/**', '**/node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Finds the browser tests' Chromium once, unpacking the packaged one if need be.
    globalSetup: ['test/helpers/browser-setup.ts'],
    // Snapshot of the tool surface: a change to it is reviewed like an API change.
    snapshotFormat: { printBasicPrototype: false },
  },
});
