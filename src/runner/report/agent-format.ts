import { fmt, fmtMeanStd, fmtPercent } from '../number-format.js';
import type { ActionInterface, AgentReport, ScenarioDescription } from './agent-grouping.js';
import { canonicalJson } from './canonical-json.js';
import type { AgentRow, SeedFigures } from './agent-stats.js';

/** The text of `simenv report --by agent`: labels, cells and the aligned tables. */

/** `absolute 1..20`, `delta ±4 1..20`, `-` when the run has no config.json. */
export function fmtActions(a: ActionInterface | null): string {
  if (!a) return '-';
  const range = a.minReplicas !== null && a.maxReplicas !== null ? ` ${a.minReplicas}..${a.maxReplicas}` : '';
  return a.mode === 'delta' ? `delta ±${a.maxDelta ?? '?'}${range}` : `absolute${range}`;
}

/** `training.seed=1,seed=3`: the seed-like settings that tell two units of one seed apart. */
export function fmtAgentSeeds(s: Record<string, unknown>): string {
  return Object.entries(s)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : canonicalJson(v)}`)
    .join(',');
}

function fmtSeconds(s: number): string {
  return `${fmt(s, 6)} s`;
}

/** One line naming a scenario: trace, deployment, backend, episode shape. */
export function scenarioLabel(d: ScenarioDescription): string {
  const trace = d.traceSha256 ? `${d.trace ?? '(decoded trace)'} (sha256:${d.traceSha256.slice(0, 12)})` : `${d.trace ?? '(decoded trace)'} (not hashed)`;
  let shape: string;
  if (d.stepSeconds === null) shape = d.mode;
  else if (d.mode === 'one-step') shape = `one-step of ${fmtSeconds(d.stepSeconds)}`;
  else if (d.durationSeconds === null) shape = `${fmtSeconds(d.stepSeconds)} steps to the trace end`;
  else shape = `${fmtSeconds(d.stepSeconds)} steps x ${Math.floor(d.durationSeconds / d.stepSeconds)} (${fmtSeconds(d.durationSeconds)})`;
  return `trace ${trace}, deployment ${d.deployment}, ${d.backend} backend, ${shape}${d.env === null ? ', no config.json (env options unknown)' : ''}`;
}

const MAX_DIFFERS = 6;

const MAX_SEEDS_SHOWN = 6;

/** `s1=-6.84 s2=-7.02 ...`: at most a handful, the rest counted (all of them are in --json). */
export function fmtPerSeed(perSeed: readonly SeedFigures[]): string {
  // One number of decimals for the whole cell (3 significant digits of the largest), so the
  // seeds read as a column of figures: -7.50 next to -7.03, not -7.5.
  const values = perSeed.map((s) => s.rewardMean).filter((x): x is number => x !== null && Number.isFinite(x) && x !== 0);
  const top = values.length > 0 ? Math.max(...values.map(Math.abs)) : 1;
  const decimals = Math.min(6, Math.max(0, 2 - Math.floor(Math.log10(top))));
  const value = (x: number | null): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(decimals));
  const cell = (s: SeedFigures): string => `${s.label}${s.episodes < s.episodesPlanned ? '*' : ''}=${value(s.rewardMean)}`;
  if (perSeed.length <= MAX_SEEDS_SHOWN) return perSeed.map(cell).join(' ');
  const shown = perSeed.slice(0, MAX_SEEDS_SHOWN - 1).map(cell);
  return `${shown.join(' ')} ... (+${perSeed.length - shown.length} more)`;
}

/**
 * `mean ± std` with both to the mean's 4 significant digits: the spread over seeds is the point
 * of this table, so it keeps its digits (`-4.875 ± 1.049`, not `± 1`).
 */
export function fmtRewardMeanStd(mean: number | null, std: number | null): string {
  if (mean === null || !Number.isFinite(mean)) return '-';
  if (mean === 0 || Math.abs(mean) >= 1e6 || Math.abs(mean) < 1e-3) return fmtMeanStd(mean, std);
  const decimals = Math.min(6, Math.max(0, 3 - Math.floor(Math.log10(Math.abs(mean)))));
  return `${mean.toFixed(decimals)} ± ${std === null ? '-' : std.toFixed(decimals)}`;
}

/** Column headers and cell text of an agent row, in table order. */
export function agentCells(r: AgentRow): Record<string, string> {
  return {
    agent: r.agent,
    actions: r.actions,
    runs: String(r.runs.length),
    seeds: String(r.seeds),
    episodes: String(r.episodes),
    'reward (mean ± std)': fmtRewardMeanStd(r.reward.mean, r.reward.std),
    'r.slo': fmt(r.rewardComponents?.slo ?? null, 3),
    'r.cost': fmt(r.rewardComponents?.cost ?? null, 3),
    'r.churn': fmt(r.rewardComponents?.churn ?? null, 3),
    'SLO viol.': fmtPercent(r.sloViolationRate),
    'CPU-h/ep': fmt(r.cpuHoursPerEpisode, 3),
    'changes/ep': fmt(r.replicaChangesPerEpisode, 3),
    'per-seed mean reward': fmtPerSeed(r.perSeed),
  };
}

const AGENT_TEXT_COLUMNS = new Set(['agent', 'actions', 'per-seed mean reward']);

/** Align `cells` as a plain-text table (columns in `text` left-aligned, the rest right-aligned). */
export function alignedTable(cells: ReadonlyArray<Record<string, string>>, text: ReadonlySet<string>): string {
  const headers = Object.keys(cells[0]!);
  const widths = headers.map((h) => Math.max(h.length, ...cells.map((c) => c[h]!.length)));
  const pad = (s: string, i: number): string => (text.has(headers[i]!) ? s.padEnd(widths[i]!) : s.padStart(widths[i]!));
  return [headers.map(pad).join('  '), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map((c) => headers.map((h, i) => pad(c[h]!, i)).join('  '))]
    .map((l) => l.trimEnd())
    .join('\n');
}

/** The first line of `--by agent` text: which grouping, and what the ± means. */
export const AGENT_REPORT_HEADER = [
  'grouped by agent (--by agent): one row per agent and scenario',
  "reward: mean ± sample std (n-1) over seeds of each seed's mean episode reward; r.slo, r.cost, r.churn: mean reward components per episode",
].join('\n');

/** The text of `simenv report --by agent`. */
export function formatAgentReport(report: AgentReport): string {
  if (report.scenarios.length === 0) return `${AGENT_REPORT_HEADER}\n(no runs)`;
  const out: string[] = [AGENT_REPORT_HEADER];
  const n = report.scenarios.length;
  report.scenarios.forEach((s, i) => {
    out.push('');
    out.push(`scenario ${i + 1} of ${n}: ${s.label}`);
    if (s.differs.length > 0) {
      const shown = s.differs.slice(0, MAX_DIFFERS).join(', ');
      out.push(`  env differs from the other scenarios: ${shown}${s.differs.length > MAX_DIFFERS ? `, +${s.differs.length - MAX_DIFFERS} more (see --json)` : ''}`);
    }
    out.push(alignedTable(s.agents.map(agentCells), AGENT_TEXT_COLUMNS));
    if (s.agents.some((a) => a.perSeed.some((p) => p.episodes < p.episodesPlanned))) {
      out.push('* fewer complete episodes than planned for that seed (the mean is over those that completed)');
    }
    const unfinished = s.agents.flatMap((a) => a.notCompleted);
    if (unfinished.length > 0) out.push(`not completed: ${unfinished.join(', ')}`);
  });
  if (n > 1) out.push('', `${n} scenarios: rewards are not comparable across them, so each has its own table`);
  return out.join('\n');
}
