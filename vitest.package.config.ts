import { defineConfig } from 'vitest/config';

// The packaging suite: `npm pack` into a temp dir, install the tarball into an empty project
// (dependencies from npm's cache, else the registry), type-check and run the README snippet
// there. Needs a built dist/ (npm ci builds it). npm run test:package; .ci/run runs it.
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
