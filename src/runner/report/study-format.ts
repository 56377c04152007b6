import { fmt } from '../number-format.js';
import { alignedTable, fmtRewardMeanStd } from './agent-format.js';
import type { DifferenceRow, TrainingRow } from './study.js';

/** The text of the study tables that follow the run or agent table: paired differences and trainings. */

function fmtCi(m: { mean: number | null; lo: number | null; hi: number | null }): string {
  if (m.mean === null) return '-';
  const d = fmtRewardMeanStd(m.mean, null).replace(/ ± -$/, '');
  return m.lo === null || m.hi === null ? d : `${d} [${fmt(m.lo, 4)}, ${fmt(m.hi, 4)}]`;
}

/** The paired differences of the evals (eval.json), one line each. */
export function formatDifferences(rows: readonly DifferenceRow[]): string {
  if (rows.length === 0) return '';
  const level = Math.round((rows[0]!.level ?? 0.95) * 100);
  const cells = rows.map((r) => ({
    run: r.run,
    scenario: r.split ? `${r.scenario}/${r.split}` : r.scenario,
    agent: r.agent,
    baseline: r.baseline,
    pairs: String(r.pairs),
    [`agent - baseline [${level}% CI]`]: fmtCi(r.reward),
    'w/l/t': `${r.wins}/${r.losses}/${r.ties}`,
  }));
  return [`paired differences (eval.json): episode reward of the agent minus its baseline's on the same seeds; > 0: the agent is better`, alignedTable(cells, new Set(['run', 'scenario', 'agent', 'baseline']))].join('\n');
}

/** The training directories, one line each. */
export function formatTrainings(rows: readonly TrainingRow[]): string {
  if (rows.length === 0) return '';
  const cells = rows.map((r) => ({
    training: r.training,
    agent: r.agent,
    scenario: r.scenario ? `${r.scenario}${r.split ? `/${r.split}` : ''}` : '-',
    seed: r.seed === null ? '-' : String(r.seed),
    status: r.status,
    steps: r.steps === null ? '-' : `${r.steps}${r.stepsPlanned !== null ? `/${r.stepsPlanned}` : ''}`,
    episodes: r.episodes === null ? '-' : String(r.episodes),
    'final ep. reward': fmt(r.finalEpisodeReward, 4),
    'steps/s': r.stepsPerSecond === null ? '-' : r.stepsPerSecond.toFixed(0),
    policy: r.policyDir ?? '-',
  }));
  return ['training runs (train.json, train.jsonl): final ep. reward = mean return of the last 20 training episodes', alignedTable(cells, new Set(['training', 'agent', 'scenario', 'status', 'policy']))].join('\n');
}
