import { defineConfig } from 'vitest/config';

// Fast suites: no cluster, no network. The real-cluster suites live in test/cluster and run
// through vitest.cluster.config.ts (npm run test:cluster).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/cluster/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
