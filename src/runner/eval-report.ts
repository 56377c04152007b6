import { z } from 'zod';
import type { EpisodeSummary } from './records.js';
import {
  agentEvalStats,
  DEFAULT_LEVEL,
  DEFAULT_RESAMPLES,
  identicalEpisodeGroups,
  pairedDifference,
  type AgentEvalStats,
  type MeanCi,
  type PairedDifference,
} from './eval-stats.js';

/**
 * `eval.json`: what `simenv eval` concludes from its episodes (eval-stats.ts), written into the
 * evaluated agent's run directory next to summary.json, and the `[eval]` lines it prints.
 */

/** The file name of the eval record inside the evaluated agent's run directory. */
export const EVAL_FILE = 'eval.json';

const MeanCiSchema = z.strictObject({ n: z.int(), mean: z.number().nullable(), lo: z.number().nullable(), hi: z.number().nullable() });
const ComponentsSchema = z.strictObject({ slo: z.number().nullable(), cost: z.number().nullable(), churn: z.number().nullable() });

/** One deployment's part of an application's eval (several deployments). */
const DeploymentEvalSchema = z.strictObject({ name: z.string(), reward: MeanCiSchema, components: ComponentsSchema });
export type DeploymentEval = z.infer<typeof DeploymentEvalSchema>;

const AgentEvalSchema = z.strictObject({
  label: z.string().describe('the agent as given, e.g. hpa, hpa(tuned.yaml), static(4), policy(runs/dqn-1)'),
  run: z.string().describe('its run directory'),
  episodes: z.int(),
  reward: MeanCiSchema.describe('mean episode reward with its bootstrap interval'),
  components: ComponentsSchema.describe('mean episode reward components'),
  sloViolationRate: z.number().nullable(),
  cpuSecondsPerEpisode: z.number().nullable(),
  replicaChangesPerEpisode: z.number().nullable(),
  identicalEpisodes: z.array(z.array(z.int())).describe('groups of seeds whose episodes came out identical'),
  deployments: z.array(DeploymentEvalSchema).optional().describe('several deployments: each one\'s mean episode reward (its part of the sum) and components'),
});

/** eval.json. */
export const EvalRecordSchema = z
  .strictObject({
    format: z.literal(1),
    seeds: z.array(z.int()).describe('episode seeds, every agent the same, in order'),
    bootstrap: z.strictObject({ resamples: z.int(), level: z.number(), seed: z.int() }),
    agent: AgentEvalSchema,
    baseline: AgentEvalSchema.nullable(),
    difference: z
      .strictObject({
        pairs: z.int(),
        reward: MeanCiSchema.describe('mean of (agent - baseline) episode reward; > 0: the agent is better'),
        components: ComponentsSchema,
        wins: z.int(),
        losses: z.int(),
        ties: z.int(),
        deployments: z.array(DeploymentEvalSchema).optional().describe('several deployments: each one\'s paired difference (agent - baseline)'),
      })
      .nullable(),
  })
  .describe('eval.json of a simenv eval run directory');
export type EvalRecord = z.infer<typeof EvalRecordSchema>;

/** One evaluated agent: its label, run directory and episodes. */
export interface EvaluatedAgent {
  label: string;
  run: string;
  episodes: readonly EpisodeSummary[];
}

function agentEval(a: EvaluatedAgent, stats: AgentEvalStats): EvalRecord['agent'] {
  return { label: a.label, run: a.run, ...stats, identicalEpisodes: identicalEpisodeGroups(a.episodes) };
}

/** Build eval.json from the agent's episodes (and the baseline's, paired by seed). Throws UnpairedEpisodesError. */
export function buildEvalRecord(agent: EvaluatedAgent, baseline: EvaluatedAgent | null, seeds: readonly number[], bootstrapSeed: number): EvalRecord {
  const opts = { seed: bootstrapSeed, resamples: DEFAULT_RESAMPLES, level: DEFAULT_LEVEL };
  const difference: PairedDifference | null = baseline ? pairedDifference(agent.episodes, baseline.episodes, opts) : null;
  return {
    format: 1,
    seeds: [...seeds],
    bootstrap: { resamples: opts.resamples, level: opts.level, seed: bootstrapSeed },
    agent: agentEval(agent, agentEvalStats(agent.episodes, opts)),
    baseline: baseline ? agentEval(baseline, agentEvalStats(baseline.episodes, opts)) : null,
    difference,
  };
}

/** A figure to 4 significant digits, '-' for none. */
export function num(x: number | null, digits = 4): string {
  return x === null ? '-' : String(Number(x.toPrecision(digits)));
}

/** A difference with its sign, '-' for none. */
export function signed(x: number | null): string {
  return x === null ? '-' : `${x > 0 ? '+' : ''}${num(x)}`;
}

function ci(m: MeanCi, level: number, show: (x: number | null) => string = num): string {
  return `${show(m.mean)} (${Math.round(level * 100)}% CI ${show(m.lo)}..${show(m.hi)}, n=${m.n})`;
}

function agentLine(a: EvalRecord['agent'], level: number, role: string): string {
  const c = a.components;
  const rate = a.sloViolationRate === null ? '-' : `${(a.sloViolationRate * 100).toFixed(1)}%`;
  return `[eval]    ${role}${a.label}: reward ${ci(a.reward, level)} slo=${num(c.slo)} cost=${num(c.cost)} churn=${num(c.churn)} slo-broken=${rate}`;
}

/** The `[eval]` lines printed after the runs (human mode). */
export function evalLines(r: EvalRecord, evalPath: string): string[] {
  const level = r.bootstrap.level;
  const lines = [agentLine(r.agent, level, '')];
  if (r.baseline) lines.push(agentLine(r.baseline, level, 'baseline '));
  if (r.baseline && r.difference) {
    const d = r.difference;
    const c = d.components;
    lines.push(
      `[eval]    ${r.agent.label} - ${r.baseline.label}: reward ${ci(d.reward, level, signed)} over paired episodes (wins ${d.wins}, losses ${d.losses}, ties ${d.ties}) slo=${signed(c.slo)} cost=${signed(c.cost)} churn=${signed(c.churn)}`,
    );
  }
  for (const a of [r.agent, r.baseline]) {
    if (!a) continue;
    for (const g of a.identicalEpisodes) {
      lines.push(`[eval]    note: ${a.label}: seeds ${g.join(', ')} produced identical episodes, so they count as one observation, not ${g.length} (the interval is too narrow); vary what the seed draws, e.g. the episode start`);
    }
  }
  lines.push(`[eval]    -> ${evalPath}`);
  return lines;
}
