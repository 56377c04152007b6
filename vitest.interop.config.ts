import { defineConfig } from 'vitest/config';

// Interop suites: SimKube's own tools (skctl 2.7.0, built by `npm run simkube:build`) read
// what simenv writes, and simenv reads what they write. No cluster. The suites fail (never
// skip) when the tools are missing.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
