import { describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';

/**
 * Usage errors of the kube commands name the flag the user typed, not the option it maps to.
 * These fail in flag validation, before any cluster is contacted, so no cluster is needed.
 */
describe('simenv preflight/setup/teardown flag errors', () => {
  it.each([
    { args: ['teardown', '--run', 'bad id!'], flag: '--run' },
    { args: ['preflight', '--secret', 'BAD!'], flag: '--secret' },
    { args: ['preflight', '--ns', 'Not_A_Namespace'], flag: '--ns' },
  ])('$args.0 $args.1 names $flag and exits 2', async ({ args, flag }) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^simenv: ${flag}: expected `));
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
