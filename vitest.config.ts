import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks isolate tests that spawn the CLI or change process state; two cores in CI.
    pool: 'forks',
    // The CLI tests run bin/airlock.js: dist/ is rebuilt first when a source is newer.
    globalSetup: ['test/cli/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
