import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * `npm run bench [-- FILTER...]`: runs every bench/*.bench.ts (each exports `run()`), in name
 * order, or those whose name contains one of the filters. Benchmarks print figures; they
 * assert nothing about time. `npm run bench` runs them compiled by tsc (.bench/build), as a
 * user runs the published package: under tsx the same step loops measured about 20% slower.
 */
const here = dirname(fileURLToPath(import.meta.url));
const ext = import.meta.url.endsWith('.ts') ? '.bench.ts' : '.bench.js';
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(ext))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(', ')}; have: ${readdirSync(here).filter((f) => f.endsWith(ext)).join(', ')}`);
  process.exit(2);
}
for (const f of files) {
  console.log(`\n=== ${f.slice(0, -ext.length)} ===`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { run: () => Promise<void> };
  await mod.run();
}
