import { defineConfig } from 'vitest/config';

// Browser suites: tests that drive a real headless Chromium (Debian's `chromium`, installed by
// `bash scripts/ci/system-packages.sh`). Kept out of `npm test` so the README's test command
// passes on a fresh machine; `.ci/run` runs this suite after installing Chromium
// (npm run test:browser).
export default defineConfig({
  test: {
    include: ['test/**/*.browser.test.ts'],
    exclude: ['test/cluster/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
