import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { main } from '../cli.js';

/**
 * The policy zoo: small trained policies shipped in `examples/policies/<scenario>-<agent>/`,
 * produced by one command (`npm run train:zoo`), each recording the exact `simenv train`
 * arguments and seed that made it in its policy.json (`zoo`). They load with
 * `simenv eval --policy examples/policies/<scenario>-<agent> --scenario <scenario> --split heldout`.
 *
 * The settings are those chosen on the training split (docs/agents.md, "The policy zoo"): a
 * DQN correcting the scenario's tuned HPA (`--hpa-residual examples/hpa/tuned/S.yaml`, at most
 * 2 replicas either way) in an env of absolute actions over the scenario's replica range (the
 * HPA's action space, so a paired comparison with an HPA baseline does not slow the HPA down).
 * Every DQN hyper-parameter is spelled out, so a change of the learner's defaults does not
 * change what the zoo trains.
 */

/** One shipped policy. */
export interface ZooEntry {
  scenario: string;
  agent: 'dqn' | 'ppo';
  steps: number;
  seed: number;
  hyper: Record<string, unknown>;
  /** Largest correction to the scenario's tuned HPA (`--hpa-residual`); absent: absolute actions. */
  residualDelta?: number;
}

/** The training settings of the zoo's DQN (chosen on the train split only). */
export const ZOO_DQN_HYPER: Record<string, unknown> = {
  gamma: 0.9,
  learningRate: 0.001,
  hidden: [64, 64],
  batchSize: 64,
  trainFrequency: 4,
  bufferSize: 50_000,
  learningStarts: 2_000,
  targetUpdateInterval: 1_000,
  explorationFraction: 0.4,
  startEpsilon: 1,
  endEpsilon: 0.05,
  doubleQ: true,
};

/** Env steps of the zoo's DQN (chosen with the hyper-parameters). */
export const ZOO_DQN_STEPS = 60_000;

/** Largest correction per step to the tuned HPA (chosen on the train split). */
export const ZOO_RESIDUAL_DELTA = 2;

export const ZOO: readonly ZooEntry[] = [
  { scenario: 'compose-post-bursty', agent: 'dqn', steps: ZOO_DQN_STEPS, seed: 1, hyper: ZOO_DQN_HYPER, residualDelta: ZOO_RESIDUAL_DELTA },
  { scenario: 'nginx-diurnal', agent: 'dqn', steps: ZOO_DQN_STEPS, seed: 1, hyper: ZOO_DQN_HYPER, residualDelta: ZOO_RESIDUAL_DELTA },
  { scenario: 'post-storage-diurnal2', agent: 'dqn', steps: ZOO_DQN_STEPS, seed: 1, hyper: ZOO_DQN_HYPER, residualDelta: ZOO_RESIDUAL_DELTA },
];

/** Largest policy directory the zoo ships. */
export const ZOO_MAX_BYTES = 1_000_000;

/** `simenv train` arguments of an entry (without --out; paths relative to the repository, where `npm run train:zoo` runs). */
export function zooTrainArgs(e: ZooEntry): string[] {
  const residual = e.residualDelta !== undefined ? ['--hpa-residual', `examples/hpa/tuned/${e.scenario}.yaml`, '--residual-delta', String(e.residualDelta)] : [];
  return ['train', '--agent', e.agent, '--scenario', e.scenario, '--action-mode', 'absolute', ...residual, '--steps', String(e.steps), '--seed', String(e.seed), '--hyper', JSON.stringify(e.hyper)];
}

/** The directory name of an entry under examples/policies/. */
export function zooName(e: ZooEntry): string {
  return `${e.scenario}-${e.agent}`;
}

function bytesUnder(dir: string): number {
  let n = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const s = statSync(p);
    n += s.isDirectory() ? bytesUnder(p) : s.size;
  }
  return n;
}

/** Paths under `root` (the repository) made relative to it, so policy.json names no machine's directories. */
function relativePaths(x: unknown, root: string): unknown {
  if (typeof x === 'string') return isAbsolute(x) && !relative(root, x).startsWith('..') ? relative(root, x) : x;
  if (Array.isArray(x)) return x.map((v) => relativePaths(v, root));
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, relativePaths(v, root)]));
  return x;
}

/** Train one entry into `<policiesDir>/<scenario>-<agent>/` (replacing it); resolves to the directory. */
export async function trainZooEntry(e: ZooEntry, policiesDir: string, root: string, log: (line: string) => void): Promise<string> {
  const work = mkdtempSync(join(tmpdir(), 'simenv-zoo-'));
  try {
    const args = zooTrainArgs(e);
    const t0 = performance.now();
    const code = await main(['node', 'simenv', ...args, '--out', join(work, 'run'), '--quiet']);
    if (code !== 0) throw new Error(`simenv ${args.join(' ')} exited ${code}`);
    const wallS = (performance.now() - t0) / 1000;
    const dest = join(policiesDir, zooName(e));
    rmSync(dest, { recursive: true, force: true });
    cpSync(join(work, 'run', 'policy'), dest, { recursive: true });
    const metaPath = join(dest, 'policy.json');
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
    meta.envOptions = relativePaths(meta.envOptions, root);
    meta.zoo = {
      command: `simenv ${args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a}'`)).join(' ')} --out DIR`,
      args,
      scenario: e.scenario,
      seed: e.seed,
      steps: e.steps,
      wallS: Math.round(wallS),
      by: 'npm run train:zoo',
    };
    writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
    const bytes = bytesUnder(dest);
    if (bytes > ZOO_MAX_BYTES) throw new Error(`${dest}: expected under ${ZOO_MAX_BYTES} bytes, got ${bytes}`);
    log(`[zoo] ${zooName(e)}: ${e.steps} steps, seed ${e.seed}, ${wallS.toFixed(0)} s, ${(bytes / 1024).toFixed(0)} KiB -> ${relative(root, dest)}`);
    return dest;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
