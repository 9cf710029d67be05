import { defineConfig } from 'vitest/config';

// `npm run release:check`: what a release ships, built once (test/release/artifacts.ts) and tried
// as users get it. Kept out of `npm test`: it packs, fetches Node 22 and 24, and installs the
// tarball, which builds the native module where no prebuilt binary can be fetched.
export default defineConfig({
  test: {
    include: ['test/release/**/*.test.ts'],
    globalSetup: ['test/release/artifacts.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
