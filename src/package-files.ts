import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './env/errors.js';

/**
 * Files the package ships beside its code (the bundled example traces), found from the
 * package's own location, so they resolve the same from this repository, from `dist/`, and
 * from a project that installed simenv into its node_modules.
 */

/** The example traces in `examples/traces/` (see its README.md for what each one holds). */
export const EXAMPLE_TRACES = ['dsb-scaling.sktrace', 'dsb-large.json', 'nginx-small.json'] as const;
export type ExampleTraceName = (typeof EXAMPLE_TRACES)[number];

/** Absolute path of a bundled example trace (src/ and dist/ both sit one level below the package root), e.g. `exampleTracePath('dsb-scaling.sktrace')`. */
export function exampleTracePath(name: ExampleTraceName): string {
  if (!(EXAMPLE_TRACES as readonly string[]).includes(name)) {
    throw new ConfigError('exampleTracePath', `expected one of ${EXAMPLE_TRACES.join(', ')}, got "${String(name)}"`);
  }
  const path = fileURLToPath(new URL(`../examples/traces/${name}`, import.meta.url));
  if (!existsSync(path)) throw new ConfigError('exampleTracePath', `expected the bundled trace at ${path}, got no such file`, { hint: 'reinstall simenv: the package is incomplete' });
  return path;
}
