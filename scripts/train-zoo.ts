import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainZooEntry, ZOO, zooName } from '../src/runner/zoo/policy-zoo.js';

/**
 * `npm run train:zoo [-- NAME...]`: train the shipped policies (src/runner/zoo/policy-zoo.ts)
 * into examples/policies/, one after another (never two trainings at once). With names
 * (`compose-post-bursty-dqn`), only those.
 */
const root = fileURLToPath(new URL('../', import.meta.url));
const only = process.argv.slice(2);
const entries = ZOO.filter((e) => only.length === 0 || only.includes(zooName(e)));
if (entries.length === 0) {
  console.error(`train:zoo: expected names among ${ZOO.map(zooName).join(', ')}, got ${only.join(' ')}`);
  process.exit(2);
}
const dir = join(root, 'examples', 'policies');
mkdirSync(dir, { recursive: true });
for (const e of entries) await trainZooEntry(e, dir, root, (l) => console.log(l));
