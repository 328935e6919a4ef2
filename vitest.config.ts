import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks isolate tests that spawn the CLI or change process state; two cores in CI.
    pool: 'forks',
    // Two files at a time. Vitest's default is one fewer worker than cores: one on this 2-core
    // machine, which ran the suite file by file (730 s instead of 438 s) while most files wait on
    // the processes they start. The suite is built for it: ports are the kernel's, namespaces and
    // temp folders unique per run.
    maxWorkers: 2,
    // The CLI tests run bin/airlock.js: dist/ is rebuilt first when a source is newer.
    globalSetup: ['test/cli/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
