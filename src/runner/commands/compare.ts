import type { Command } from 'commander';
import { z } from 'zod';
import { SimEnvError } from '../../env/errors.js';
import { compareRuns, formatComparison } from '../compare.js';
import { loadRun } from '../report/load-run.js';
import { readTimeline } from '../timeline.js';
import { compareTimelines, formatTimelineComparison, type TimelineComparison } from '../timeline-compare.js';
import { intFlag, parseFlags, positiveNumberFlag } from './flags.js';

/**
 * `simenv compare RUN_A RUN_B`: the sim-to-real check. Aligns two runs of the same policy and
 * trace (memory vs kube) step by step and prints how far ready replicas and reward diverge;
 * with `--max-ready-diff` / `--max-reward-diff` it exits 1 when they diverge more (for CI).
 */

const CompareFlagsSchema = z.strictObject({
  json: z.boolean().default(false),
  steps: z.union([z.literal('all'), intFlag(0)]).prefault('20'),
  maxReadyDiff: z.string().transform(Number).pipe(z.number().nonnegative('expected a number >= 0')).optional(),
  maxRewardDiff: z.string().transform(Number).pipe(z.number().nonnegative('expected a number >= 0')).optional(),
  grid: positiveNumberFlag().prefault('2'),
  targetReplicas: intFlag(1).optional(),
});

/** The runs diverged beyond the tolerance the user set (exit 1, like any runtime failure). */
function divergenceError(message: string): SimEnvError {
  return new SimEnvError('DIVERGENCE', message, { hint: 'see docs/kube.md (sim-to-real check) for what makes the backends differ' });
}

/** Register `simenv compare`. */
export function registerCompareCommands(program: Command): void {
  program
    .command('compare')
    .description('sim-to-real check: align two runs of the same policy and trace (e.g. memory vs kube) step by step and report how far ready replicas and reward diverge')
    .argument('<runA>', 'run directory (e.g. the memory run)')
    .argument('<runB>', 'run directory (e.g. the kube run)')
    .option('--steps <n>', 'per-step rows to print ("all" for every step)', '20')
    .option('--json', 'print the comparison (aggregates and every aligned step) as JSON')
    .option('--max-ready-diff <x>', 'exit 1 when the mean |ready A - ready B| exceeds x replicas')
    .option('--max-reward-diff <x>', 'exit 1 when the mean |reward A - reward B| exceeds x')
    .option('--grid <seconds>', 'when both runs have timeline.jsonl (run --timeline): sample ready, desired and pending every SECONDS of simulated time', '2')
    .option('--target-replicas <n>', 'scale-up target for the time-to-reach figures (default: the highest level both runs reach)')
    .action((runA: string, runB: string, raw: Record<string, unknown>) => {
      const flags = parseFlags(CompareFlagsSchema, raw);
      const load = (dir: string) => {
        const r = loadRun(dir, { withSteps: true });
        for (const p of r.problems) process.stderr.write(`simenv: warning: ${r.id}: ${p}\n`);
        return { id: r.id, config: r.config, steps: r.steps ?? [] };
      };
      const c = compareRuns(load(runA), load(runB));
      const timelines = timelineComparisons(runA, runB, flags.grid, flags.targetReplicas);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...c, timelines }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatComparison(c, flags.steps === 'all' ? undefined : flags.steps)}\n`);
        for (const t of timelines) process.stdout.write(`\n${formatTimelineComparison(t)}\n`);
      }
      // A gate over no data proves nothing: it fails (a null difference never exceeds anything).
      for (const [flag, set, d] of [['--max-ready-diff', flags.maxReadyDiff, c.ready], ['--max-reward-diff', flags.maxRewardDiff, c.reward]] as const) {
        if (set !== undefined && d.n === 0) {
          throw new SimEnvError('DIVERGENCE', `${flag}: expected aligned steps with values to check, got none (A has ${c.onlyA + c.pairs.length} steps, B ${c.onlyB + c.pairs.length})`, {
            hint: 'compare two run directories of the same trace and episodes, both with step.jsonl (--log steps)',
          });
        }
      }
      if (flags.maxReadyDiff !== undefined && c.ready.meanAbsDiff > flags.maxReadyDiff) {
        throw divergenceError(`expected a mean |ready diff| <= ${flags.maxReadyDiff}, got ${c.ready.meanAbsDiff.toFixed(3)}`);
      }
      if (flags.maxRewardDiff !== undefined && c.reward.meanAbsDiff > flags.maxRewardDiff) {
        throw divergenceError(`expected a mean |reward diff| <= ${flags.maxRewardDiff}, got ${c.reward.meanAbsDiff.toFixed(3)}`);
      }
    });
}

/** Per-episode grid comparisons when both runs wrote timeline.jsonl (none otherwise). */
function timelineComparisons(dirA: string, dirB: string, gridS: number, target: number | undefined): TimelineComparison[] {
  const problems: string[] = [];
  const a = readTimeline(dirA, problems);
  const b = readTimeline(dirB, problems);
  for (const p of problems) process.stderr.write(`simenv: warning: ${p}\n`);
  if (!a || !b) return [];
  const inB = new Set(b.map((r) => r.episode));
  const episodes = [...new Set(a.map((r) => r.episode))].filter((e) => inB.has(e)).sort((x, y) => x - y);
  return episodes.map((episode) => compareTimelines(a, b, { gridS, episode, ...(target !== undefined ? { target } : {}) }));
}
