import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Tiers: test/unit (pure logic), test/workflow (workflows on the dev server, stub activities,
    // no Postgres), test/integration and test/e2e (real everything).
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests share one Temporal dev server and one database: run files one at a time,
    // which on a 2-core machine is also the fastest.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
