import { defineConfig } from 'vitest/config';

// Fast suites: no cluster, no network. The real-cluster suites live in test/cluster and run
// through vitest.cluster.config.ts (npm run test:cluster), the SimKube interop suites in
// test/interop through vitest.interop.config.ts (npm run test:interop).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/cluster/**', 'test/interop/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
