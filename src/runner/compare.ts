import type { RunConfigRecord, StepRecord } from './records.js';

/**
 * The sim-to-real check: two runs of the same policy on the same trace (typically memory vs
 * kube) aligned step by step, with how far their ready replicas, desired replicas and reward
 * drift apart. Pure: the CLI (`simenv compare`) and the cluster suite feed it loaded runs.
 */

/** One run as compare needs it. */
export interface RunSteps {
  id: string;
  config: RunConfigRecord | null;
  steps: StepRecord[];
}

/** One aligned step: the same (episode, step) in both runs. */
export interface StepPair {
  episode: number;
  step: number;
  timeS: number;
  readyA: number;
  readyB: number;
  desiredA: number;
  desiredB: number;
  /** Null at step 0 (the state after reset has no reward). */
  rewardA: number | null;
  rewardB: number | null;
}

/** Divergence of one series between the runs. */
export interface SeriesDivergence {
  /** Pairs compared (steps where both runs have a value). */
  n: number;
  meanA: number;
  meanB: number;
  /** Mean of |a - b|. */
  meanAbsDiff: number;
  /** Largest |a - b|, and where. */
  maxAbsDiff: number;
  maxAt: { episode: number; step: number } | null;
  /** Root mean square of a - b. */
  rmse: number;
  /** Pearson correlation, null when either series is constant (undefined). */
  correlation: number | null;
  /** Fraction of pairs with |a - b| <= 1e-9. */
  equalFraction: number;
}

export interface RunComparison {
  a: { id: string; backend: string | null; steps: number };
  b: { id: string; backend: string | null; steps: number };
  /** Aligned pairs, in (episode, step) order. */
  pairs: StepPair[];
  /** Steps present in one run only (a run cut short, a different horizon). */
  onlyA: number;
  onlyB: number;
  ready: SeriesDivergence;
  desired: SeriesDivergence;
  reward: SeriesDivergence;
  /** Why the comparison may not mean what it seems (different trace, agent, seed, step length...). */
  warnings: string[];
}

function key(episode: number, step: number): string {
  return `${episode}:${step}`;
}

/** Divergence statistics of paired values. */
export function divergence(pairs: ReadonlyArray<{ a: number; b: number; episode: number; step: number }>): SeriesDivergence {
  const n = pairs.length;
  if (n === 0) return { n: 0, meanA: 0, meanB: 0, meanAbsDiff: 0, maxAbsDiff: 0, maxAt: null, rmse: 0, correlation: null, equalFraction: 0 };
  let sa = 0;
  let sb = 0;
  let sad = 0;
  let ssd = 0;
  let max = -1;
  let maxAt: { episode: number; step: number } | null = null;
  let equal = 0;
  for (const p of pairs) {
    sa += p.a;
    sb += p.b;
    const d = Math.abs(p.a - p.b);
    sad += d;
    ssd += d * d;
    if (d > max) {
      max = d;
      maxAt = { episode: p.episode, step: p.step };
    }
    if (d <= 1e-9) equal++;
  }
  const meanA = sa / n;
  const meanB = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (const p of pairs) {
    cov += (p.a - meanA) * (p.b - meanB);
    va += (p.a - meanA) ** 2;
    vb += (p.b - meanB) ** 2;
  }
  const correlation = va > 1e-12 && vb > 1e-12 ? cov / Math.sqrt(va * vb) : null;
  return { n, meanA, meanB, meanAbsDiff: sad / n, maxAbsDiff: max, maxAt, rmse: Math.sqrt(ssd / n), correlation, equalFraction: equal / n };
}

function sameRunWarnings(a: RunSteps, b: RunSteps): string[] {
  const out: string[] = [];
  const ca = a.config;
  const cb = b.config;
  if (!ca || !cb) {
    out.push(`${!ca ? a.id : b.id} has no config.json: cannot check that both runs used the same trace, agent and seed`);
    return out;
  }
  if (ca.trace.sha256 && cb.trace.sha256 && ca.trace.sha256 !== cb.trace.sha256) out.push(`different traces (sha256 ${ca.trace.sha256.slice(0, 12)} vs ${cb.trace.sha256.slice(0, 12)})`);
  if (ca.deployment !== cb.deployment) out.push(`different deployments (${ca.deployment} vs ${cb.deployment})`);
  if (ca.agent.name !== cb.agent.name || JSON.stringify(ca.agent.params) !== JSON.stringify(cb.agent.params)) {
    out.push(`different agents (${ca.agent.name} vs ${cb.agent.name}, or different parameters)`);
  }
  if (ca.seed !== cb.seed) out.push(`different seeds (${ca.seed} vs ${cb.seed})`);
  if (ca.stepSeconds !== cb.stepSeconds) out.push(`different step lengths (${ca.stepSeconds}s vs ${cb.stepSeconds}s)`);
  if (ca.mode !== cb.mode) out.push(`different modes (${ca.mode} vs ${cb.mode})`);
  return out;
}

/** Align `a` and `b` by (episode, step) and measure how far they diverge. */
export function compareRuns(a: RunSteps, b: RunSteps): RunComparison {
  const warnings = sameRunWarnings(a, b);
  const byKey = new Map<string, StepRecord>();
  for (const s of b.steps) byKey.set(key(s.episode, s.step), s);
  const pairs: StepPair[] = [];
  const matched = new Set<string>();
  let timeMismatch = 0;
  for (const sa of a.steps) {
    const k = key(sa.episode, sa.step);
    const sb = byKey.get(k);
    if (!sb || matched.has(k)) continue;
    matched.add(k);
    if (Math.abs(sa.timeS - sb.timeS) > 1e-6) timeMismatch++;
    pairs.push({
      episode: sa.episode,
      step: sa.step,
      timeS: sa.timeS,
      readyA: sa.observation.ready,
      readyB: sb.observation.ready,
      desiredA: sa.observation.desired,
      desiredB: sb.observation.desired,
      rewardA: sa.reward?.total ?? null,
      rewardB: sb.reward?.total ?? null,
    });
  }
  pairs.sort((x, y) => x.episode - y.episode || x.step - y.step);
  if (timeMismatch > 0) warnings.push(`${timeMismatch} aligned steps have different simulated times (different episode starts or step lengths)`);
  if (pairs.length === 0) warnings.push('no step of one run has a counterpart in the other (same episode and step index)');
  const at = (p: StepPair, x: number, y: number) => ({ a: x, b: y, episode: p.episode, step: p.step });
  const backendOf = (r: RunSteps): string | null => r.config?.backend ?? null;
  return {
    a: { id: a.id, backend: backendOf(a), steps: a.steps.length },
    b: { id: b.id, backend: backendOf(b), steps: b.steps.length },
    pairs,
    onlyA: a.steps.length - matched.size,
    onlyB: b.steps.length - matched.size,
    ready: divergence(pairs.map((p) => at(p, p.readyA, p.readyB))),
    desired: divergence(pairs.map((p) => at(p, p.desiredA, p.desiredB))),
    reward: divergence(pairs.filter((p) => p.rewardA !== null && p.rewardB !== null).map((p) => at(p, p.rewardA!, p.rewardB!))),
    warnings,
  };
}

function num(x: number, digits = 3): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(digits);
}

function statLine(name: string, d: SeriesDivergence): string {
  if (d.n === 0) return `${name.padEnd(8)} no aligned values`;
  const corr = d.correlation === null ? 'n/a (constant)' : d.correlation.toFixed(3);
  const where = d.maxAt ? ` at episode ${d.maxAt.episode} step ${d.maxAt.step}` : '';
  return `${name.padEnd(8)} mean ${num(d.meanA)} vs ${num(d.meanB)}  mean |diff| ${num(d.meanAbsDiff)}  max |diff| ${num(d.maxAbsDiff)}${where}  rmse ${num(d.rmse)}  corr ${corr}  equal ${(d.equalFraction * 100).toFixed(1)}%`;
}

/** The comparison as text: a per-step table (the first `maxRows` rows, all when undefined) and the aggregate figures. */
export function formatComparison(c: RunComparison, maxRows?: number): string {
  const lines: string[] = [];
  lines.push(`A: ${c.a.id} (${c.a.backend ?? '?'} backend, ${c.a.steps} steps)`);
  lines.push(`B: ${c.b.id} (${c.b.backend ?? '?'} backend, ${c.b.steps} steps)`);
  for (const w of c.warnings) lines.push(`warning: ${w}`);
  const rows = maxRows === undefined ? c.pairs : c.pairs.slice(0, maxRows);
  if (rows.length > 0) {
    lines.push('');
    lines.push(`${'ep'.padStart(3)} ${'step'.padStart(5)} ${'timeS'.padStart(8)} ${'ready A'.padStart(8)} ${'ready B'.padStart(8)} ${'desired A'.padStart(10)} ${'desired B'.padStart(10)} ${'reward A'.padStart(10)} ${'reward B'.padStart(10)}`);
    for (const p of rows) {
      const r = (x: number | null): string => (x === null ? '-' : x.toFixed(3));
      lines.push(
        `${String(p.episode).padStart(3)} ${String(p.step).padStart(5)} ${p.timeS.toFixed(1).padStart(8)} ${num(p.readyA).padStart(8)} ${num(p.readyB).padStart(8)} ${num(p.desiredA).padStart(10)} ${num(p.desiredB).padStart(10)} ${r(p.rewardA).padStart(10)} ${r(p.rewardB).padStart(10)}`,
      );
    }
    if (rows.length < c.pairs.length) lines.push(`... ${c.pairs.length - rows.length} more steps (--steps all to print them)`);
  }
  lines.push('');
  lines.push(`aligned steps: ${c.pairs.length}${c.onlyA || c.onlyB ? ` (only in A: ${c.onlyA}, only in B: ${c.onlyB})` : ''}`);
  lines.push(statLine('ready', c.ready));
  lines.push(statLine('desired', c.desired));
  lines.push(statLine('reward', c.reward));
  return lines.join('\n');
}
