import { defineConfig } from 'vitest/config';

// Fast suites: no cluster, no network, no browser. The real-cluster suites live in test/cluster
// (vitest.cluster.config.ts, npm run test:cluster); the headless-Chromium suites are
// test/**/*.browser.test.ts (vitest.browser.config.ts, npm run test:browser); the packaging
// suite (npm pack + install, may use the registry) is test/package (npm run test:package); the
// SimKube interop suite is test/interop (vitest.interop.config.ts, npm run test:interop).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/cluster/**', 'test/package/**', 'test/interop/**', 'test/**/*.browser.test.ts', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
