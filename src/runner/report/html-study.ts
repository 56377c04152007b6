import type { StepRecord } from '../records.js';
import { fmt, fmtPercent } from '../number-format.js';
import { groupByAgent, type ScenarioTable } from './agent-grouping.js';
import { fmtRewardMeanStd } from './agent-format.js';
import type { AgentRow } from './agent-stats.js';
import type { LoadedRun } from './load-run.js';
import type { LoadedTraining } from './load-training.js';
import { runPlace } from './report-table.js';
import { renderRowChart, type ChartRow } from './row-chart.js';
import { differenceRows, type Study } from './study.js';
import { escapeXml as esc, renderChart, type ChartSeries } from './svg-chart.js';

/**
 * The study part of the HTML report: one section per scenario (per-agent intervals, paired
 * differences, the agents on one episode seed: replicas against demand, utilisation against
 * the target, latency against the SLO; episode rewards per run) and the training curves.
 */

/** Twelve colours told apart at a glance (Tableau 10 plus two); more series are grouped by agent name. */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf', '#393b79', '#ad494a'];

/** Colours for `labels` (one per label); past 12, labels sharing an agent name (the part before `(`) share a colour. */
export function seriesColors(labels: readonly string[]): string[] {
  if (labels.length <= PALETTE.length) return labels.map((_, i) => PALETTE[i]!);
  const groups = [...new Set(labels.map((l) => l.split('(')[0]!))];
  return labels.map((l) => PALETTE[groups.indexOf(l.split('(')[0]!) % PALETTE.length]!);
}

function perReplicaRps(run: LoadedRun): number | undefined {
  const service = run.config?.env.service as { perReplicaRps?: unknown } | undefined;
  return typeof service?.perReplicaRps === 'number' && service.perReplicaRps > 0 ? service.perReplicaRps : undefined;
}

function sloMs(run: LoadedRun): number | undefined {
  const service = run.config?.env.service as { sloLatencyMs?: unknown } | undefined;
  return typeof service?.sloLatencyMs === 'number' ? service.sloLatencyMs : undefined;
}

/** The steps of the episode of `run` reset with `seed`, or null. */
function episodeOnSeed(run: LoadedRun, seed: number): StepRecord[] | null {
  const ep = run.config?.episodeSeeds.indexOf(seed) ?? -1;
  if (ep < 0 || !run.steps) return null;
  const steps = run.steps.filter((r) => r.episode === ep);
  return steps.length > 1 ? steps : null;
}

function agentTable(agents: readonly AgentRow[], colors: readonly string[]): string {
  const head = ['agent', 'runs', 'seeds', 'episodes', 'reward (mean ± std)', '95% interval', 'r.slo', 'r.cost', 'r.churn', 'SLO viol.', 'CPU-h/ep', 'changes/ep'];
  const rows = agents.map((a, i) => {
    const ci = a.rewardCi95 ? `[${fmt(a.rewardCi95.lo, 4)}, ${fmt(a.rewardCi95.hi, 4)}]` : '-';
    const cells = [
      String(a.runs.length),
      String(a.seeds),
      String(a.episodes),
      fmtRewardMeanStd(a.reward.mean, a.reward.std),
      ci,
      fmt(a.rewardComponents?.slo ?? null, 3),
      fmt(a.rewardComponents?.cost ?? null, 3),
      fmt(a.rewardComponents?.churn ?? null, 3),
      fmtPercent(a.sloViolationRate),
      fmt(a.cpuHoursPerEpisode, 3),
      fmt(a.replicaChangesPerEpisode, 3),
    ];
    return `<tr><td><span class="swatch" style="background:${colors[i]}"></span>${esc(a.agent)}</td>${cells.map((c) => `<td class="num">${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<div class="scroll"><table class="agents"><thead><tr>${head.map((h, i) => `<th class="${i === 0 ? '' : 'num'}">${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** The agents of one scenario on one episode seed: replicas vs demand, utilisation vs target, latency vs SLO. */
function seedCharts(table: ScenarioTable, runsById: ReadonlyMap<string, LoadedRun>, colors: readonly string[], index: number): string {
  const first = table.agents.flatMap((a) => a.runDirs).map((d) => runsById.get(d)!).find((r) => r.steps && r.steps.length > 0 && r.config);
  if (!first) return '<p class="note">No step records in this scenario (runs logged with --log episodes or none): no time series.</p>';
  const seed = first.config!.episodeSeeds[0]!;
  const picked: Array<{ agent: AgentRow; color: string; steps: StepRecord[]; run: LoadedRun }> = [];
  table.agents.forEach((a, i) => {
    for (const d of a.runDirs) {
      const run = runsById.get(d)!;
      const steps = episodeOnSeed(run, seed);
      if (steps) {
        picked.push({ agent: a, color: colors[i]!, steps, run });
        break;
      }
    }
  });
  if (picked.length === 0) return '';
  const rps = perReplicaRps(first);
  const demandSteps = picked[0]!.steps;
  const xs = (st: readonly StepRecord[]): number[] => st.map((r) => r.timeS);
  const replicas: ChartSeries[] = picked.map((p) => ({ name: p.agent.agent, color: p.color, xs: xs(p.steps), ys: p.steps.map((r) => r.observation.ready), kind: 'step', width: 2 }));
  replicas.push({ name: 'demand (req/s)', color: '#6b7280', xs: xs(demandSteps), ys: demandSteps.map((r) => r.observation.demand), axis: 'right', dashed: true, width: 1.5 });
  const served = picked.map((p) => ({ ...p, steps: p.steps.filter((r) => r.service !== null) }));
  const target = picked.map((p) => p.agent.params.targetUtilisation).find((t): t is number => typeof t === 'number');
  const slo = sloMs(first);
  const skipped = table.agents.length - picked.length;
  const note = `<p class="note">Episode seed ${seed} (the first episode of ${esc(first.id)}); ready replicas of each agent that ran it${skipped > 0 ? `; ${skipped} agent(s) did not run this seed or logged no steps` : ''}.</p>`;
  return (
    note +
    renderChart({
      id: 'seed-replicas',
      title: `Ready replicas against demand, episode seed ${seed}`,
      xLabel: 'simulated time since trace start (hh:mm)',
      yLabel: 'ready replicas',
      y2Label: rps ? `demand, req/s (= replicas x ${rps})` : 'demand, req/s',
      rightScale: rps,
      xTime: true,
      series: replicas,
    }) +
    renderChart({
      id: 'seed-utilisation',
      title: `CPU utilisation of ready replicas, episode seed ${seed}`,
      xLabel: 'simulated time since trace start (hh:mm)',
      yLabel: 'utilisation, %',
      xTime: true,
      height: 240,
      ...(target !== undefined ? { refLines: [{ y: target, label: `HPA target ${target}%`, color: '#111827' }] } : {}),
      series: served.map((p) => ({ name: p.agent.agent, color: p.color, xs: xs(p.steps), ys: p.steps.map((r) => r.service!.utilisation * 100), width: 1.6 })),
    }) +
    renderChart({
      id: 'seed-latency',
      title: `Latency and SLO breaches, episode seed ${seed}`,
      xLabel: 'simulated time since trace start (hh:mm)',
      yLabel: 'latency, ms',
      xTime: true,
      height: 240,
      ...(slo !== undefined ? { refLines: [{ y: slo, label: `SLO ${slo} ms`, color: '#dc2626' }] } : {}),
      series: served.flatMap((p): ChartSeries[] => {
        const broken = p.steps.filter((r) => r.service!.sloViolated);
        return [
          { name: `${p.agent.agent} (${broken.length} breach${broken.length === 1 ? '' : 'es'})`, color: p.color, xs: xs(p.steps), ys: p.steps.map((r) => r.service!.latencyMs), width: 1.6 },
          { name: `${p.agent.agent} breaches`, color: p.color, xs: xs(broken), ys: broken.map((r) => r.service!.latencyMs), kind: 'points', width: 3.5, noLegend: true },
        ];
      }),
    })
  ).replace(/data-chart="seed-/g, `data-scenario="${index}" data-chart="seed-`);
}

function episodeStrip(table: ScenarioTable, runsById: ReadonlyMap<string, LoadedRun>, colors: readonly string[]): string {
  const rows: ChartRow[] = [];
  table.agents.forEach((a, i) => {
    for (const d of a.runDirs) {
      const run = runsById.get(d)!;
      const complete = run.summary.perEpisode.filter((e) => e.complete);
      const partial = run.summary.perEpisode.length - complete.length;
      rows.push({
        label: `${run.id} · ${a.agent}`,
        color: colors[i]!,
        values: complete.map((e) => e.reward.total),
        mean: run.summary.reward.mean,
        note: `${complete.length} ep${partial > 0 ? `, ${partial} partial (${run.summary.status}) not drawn` : ''}`,
      });
    }
  });
  return renderRowChart({ id: 'episode-strip', title: 'Episode rewards by run: one dot per complete episode, the large dot is the mean', xLabel: 'episode reward (larger is better)', rows });
}

function scenarioSection(table: ScenarioTable, index: number, study: Study, runsById: ReadonlyMap<string, LoadedRun>): string {
  const firstRun = runsById.get(table.agents[0]!.runDirs[0]!)!;
  const place = runPlace(firstRun);
  const colors = seriesColors(table.agents.map((a) => a.agent));
  const agentRows: ChartRow[] = table.agents.map((a, i) => {
    // One seed has no spread over seeds; an eval's own interval (bootstrap over its episodes) stands in, and says so.
    const e = a.rewardCi95 === null && a.runDirs.length === 1 ? study.evals.get(a.runDirs[0]!) : undefined;
    const boot = e && e.agent.reward.lo !== null && e.agent.reward.hi !== null && e.agent.reward.n > 1 ? e.agent.reward : null;
    return {
      label: a.agent,
      color: colors[i]!,
      mean: a.reward.mean,
      lo: a.rewardCi95?.lo ?? boot?.lo ?? null,
      hi: a.rewardCi95?.hi ?? boot?.hi ?? null,
      values: a.perSeed.map((s) => s.rewardMean).filter((x): x is number => x !== null),
      note: `${a.seeds} seed${a.seeds === 1 ? '' : 's'}, ${a.episodes} ep${boot ? ', bootstrap over episodes' : ''}`,
    };
  });
  const dirs = new Set(table.agents.flatMap((a) => a.runDirs));
  const diffs = differenceRows(study).filter((d) => dirs.has(d.dir));
  const diffChart =
    diffs.length === 0
      ? ''
      : renderRowChart({
          id: 'paired-differences',
          title: `Paired difference to the baseline (eval.json): agent minus baseline, same episode seeds, mean and ${Math.round(diffs[0]!.level * 100)}% bootstrap interval`,
          xLabel: 'episode reward difference (> 0: the agent is better)',
          zeroLine: true,
          rows: diffs.map((d, i) => ({ label: `${d.agent} − ${d.baseline}`, color: PALETTE[i % PALETTE.length]!, mean: d.reward.mean, lo: d.reward.lo, hi: d.reward.hi, note: `w/l/t ${d.wins}/${d.losses}/${d.ties} · ${d.run}` })),
        });
  const title = `${place.scenario}${place.split ? ` / ${place.split}` : ''} · ${place.deployment}`;
  return (
    `<section class="card scenario" id="scenario-${index}" data-scenario="${index}">` +
    `<h2>Scenario ${index + 1}: ${esc(title)}</h2><p class="note">${esc(table.label)}${table.differs.length > 0 ? ` · differs: ${esc(table.differs.slice(0, 6).join(', '))}` : ''}</p>` +
    agentTable(table.agents, colors) +
    renderRowChart({ id: 'agent-intervals', title: 'Mean episode reward per agent: dots per seed, bar = 95% interval (t over seeds; one seed: eval bootstrap)', xLabel: 'mean episode reward (larger is better)', rows: agentRows }) +
    diffChart +
    seedCharts(table, runsById, colors, index) +
    episodeStrip(table, runsById, colors) +
    '</section>'
  );
}

/** One section per scenario, in first-appearance order. */
export function scenarioSections(study: Study): string {
  const runsById = new Map(study.runs.map((r) => [r.dir, r]));
  return groupByAgent(study.runs)
    .scenarios.map((t, i) => scenarioSection(t, i, study, runsById))
    .join('\n');
}

/** Values of each training at the union of their logged steps, carried forward (seeds log at different steps). */
function band(trainings: readonly LoadedTraining[], pick: (r: LoadedTraining['log'][number]) => number | null | undefined): { xs: number[]; lo: number[]; hi: number[]; mean: number[] } {
  const xs = [...new Set(trainings.flatMap((t) => t.log.map((r) => r.step)))].sort((a, b) => a - b);
  const out = { xs: [] as number[], lo: [] as number[], hi: [] as number[], mean: [] as number[] };
  const at = trainings.map(() => 0);
  const last: Array<number | null> = trainings.map(() => null);
  for (const x of xs) {
    trainings.forEach((t, k) => {
      while (at[k]! < t.log.length && t.log[at[k]!]!.step <= x) {
        const v = pick(t.log[at[k]!]!);
        if (typeof v === 'number' && Number.isFinite(v)) last[k] = v;
        at[k]!++;
      }
    });
    const vals = last.filter((v): v is number => v !== null);
    if (vals.length === 0) continue;
    out.xs.push(x);
    out.lo.push(Math.min(...vals));
    out.hi.push(Math.max(...vals));
    out.mean.push(vals.reduce((a, b) => a + b, 0) / vals.length);
  }
  return out;
}

/** Learning curves: per agent and scenario, the mean over seeds as a line and their min..max as a band. */
export function trainingSection(trainings: readonly LoadedTraining[]): string {
  if (trainings.length === 0) return '';
  const groups = new Map<string, LoadedTraining[]>();
  for (const t of trainings) {
    const key = `${t.config?.agent ?? t.summary?.agent ?? '?'}${t.scenario ? ` on ${t.scenario}${t.split ? `/${t.split}` : ''}` : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const names = [...groups.keys()];
  const colors = seriesColors(names);
  const chart = (id: string, title: string, yLabel: string, pick: (r: LoadedTraining['log'][number]) => number | null | undefined): string => {
    const series: ChartSeries[] = [];
    names.forEach((name, i) => {
      const ts = groups.get(name)!;
      const b = band(ts, pick);
      if (b.xs.length === 0) return;
      if (ts.length > 1) series.push({ name: `${name} band`, color: colors[i]!, xs: b.xs, ys: b.lo, ys2: b.hi, kind: 'band', noLegend: true });
      series.push({ name: `${name} (${ts.length} seed${ts.length === 1 ? '' : 's'})`, color: colors[i]!, xs: b.xs, ys: b.mean, width: 2 });
    });
    if (series.length === 0) return `<p class="note">${esc(title)}: nothing logged yet.</p>`;
    return renderChart({ id, title, xLabel: 'env steps', yLabel, series, yZero: false, height: 240 });
  };
  const rows = trainings
    .map((t) => {
      const last = t.log[t.log.length - 1];
      return `<tr><td>${esc(t.id)}</td><td>${esc(t.config?.agent ?? '?')}</td><td>${esc(t.scenario ?? '-')}${t.split ? ` / ${esc(t.split)}` : ''}</td><td class="num">${t.config?.seed ?? '-'}</td><td><span class="status ${esc(t.status)}">${esc(t.status)}</span></td><td class="num">${t.summary?.steps ?? last?.step ?? '-'}${t.config ? ` / ${t.config.steps}` : ''}</td><td class="num">${t.log.length}</td><td class="num">${fmt(t.summary?.finalEpisodeReward ?? null, 4)}</td></tr>`;
    })
    .join('');
  return (
    `<section class="card training" id="training"><h2>Training (${trainings.length} run${trainings.length === 1 ? '' : 's'})</h2>` +
    `<div class="scroll"><table class="trainings"><thead><tr><th>training</th><th>agent</th><th>scenario</th><th class="num">seed</th><th>status</th><th class="num">env steps</th><th class="num">log lines</th><th class="num">final ep. reward</th></tr></thead><tbody>${rows}</tbody></table></div>` +
    '<p class="note">Lines: mean over the seeds of a group; shaded band: their min..max (a seed with no value yet at a step is left out).</p>' +
    chart('train-reward', 'Training episode reward against env steps', 'mean episode reward', (r) => r.episodeReward) +
    chart('train-loss', 'Loss against env steps', 'loss', (r) => r.loss) +
    chart('train-speed', 'Env steps per second (learning included)', 'steps/s', (r) => r.stepsPerSecond) +
    '</section>'
  );
}
