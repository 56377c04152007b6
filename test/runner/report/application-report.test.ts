import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentRows, formatApplicationReport, type DeploymentRow } from '../../../src/runner/report/application-table.js';
import { SHOWN_CHARTS } from '../../../src/runner/report/application-html.js';
import { renderHtmlReport } from '../../../src/runner/report/html-report.js';
import { loadStudy } from '../../../src/runner/report/study.js';
import { cliInProcess, DSB_TRACE, readJsonl, tempDir } from '../helpers.js';

/**
 * `simenv report` of application runs (`simenv run --deploy a,b,c`): every per-deployment
 * figure is recomputed here from the run's own files: demand, ready and changes from
 * step.jsonl, the SLO, CPU and reward figures from summary.json's `perEpisode[].deployments`
 * (and, for a run killed before its summary, the step.jsonl approximations), so a wrong column,
 * a wrong episode boundary, a wrong source or a wrong sort fails.
 */

const THREE = ['dsb/nginx-thrift', 'dsb/compose-post-service', 'dsb/text-service'];
type Line = Record<string, number | boolean | string>;
type Part = { name: string; reward: { total: number; slo: number; cost: number; churn: number }; cpuSeconds: number; violationSeconds: number };
type Summary = { meanReturn: number; perEpisode: Array<{ steps: number; simSeconds: number; complete: boolean; reward: { total: number; slo: number; cost: number; churn: number }; deployments: Part[] }> };

/** The step.jsonl figures of one deployment (the test's own arithmetic). */
function fromSteps(lines: readonly Line[], d: string) {
  const after = lines.filter((l) => (l.step as number) > 0);
  const col = (l: Line, f: string): number => l[`${d}.${f}`] as number;
  const episodes = new Set(after.map((l) => l.episode)).size;
  let changes = 0;
  lines.forEach((l, i) => {
    if ((l.step as number) > 0) changes += Math.abs(col(l, 'applied') - col(lines[i - 1]!, 'desired'));
  });
  const sum = (f: string): number => after.reduce((s, l) => s + col(l, f), 0);
  return {
    after,
    col,
    sum,
    row: {
      steps: after.length,
      episodes,
      demandMean: sum('demand') / after.length,
      demandPeak: Math.max(...after.map((l) => col(l, 'demand'))),
      readyMean: sum('ready') / after.length,
      readyPeak: Math.max(...after.map((l) => col(l, 'ready'))),
      changesPerEpisode: changes / episodes,
    },
  };
}

/** A row as the report should give it with summary.json present: exact figures from the summary. */
function expectedFromSummary(lines: readonly Line[], summary: Summary, d: string): Omit<DeploymentRow, 'deployment' | 'source'> {
  const eps = summary.perEpisode;
  const parts = eps.map((e) => e.deployments.find((p) => p.name === d)!);
  const total = (f: (p: Part) => number): number => parts.reduce((s, p) => s + f(p), 0);
  return {
    ...fromSteps(lines, d).row,
    sloBrokenShare: total((p) => p.violationSeconds) / eps.reduce((s, e) => s + e.simSeconds, 0),
    violationSecondsPerEpisode: total((p) => p.violationSeconds) / eps.length,
    cpuHoursPerEpisode: total((p) => p.cpuSeconds) / 3600 / eps.length,
    sloStepRate: null,
    replicaHoursPerEpisode: null,
    sloPerEpisode: total((p) => p.reward.slo) / eps.length,
    costPerEpisode: total((p) => p.reward.cost) / eps.length,
    churnPerEpisode: total((p) => p.reward.churn) / eps.length,
    rewardPerEpisode: total((p) => p.reward.total) / eps.length,
  };
}

/** A row as the report should give it from step.jsonl alone (a run killed before its summary). */
function expectedFromSteps(lines: readonly Line[], d: string, sloMs: number, stepS: number): Omit<DeploymentRow, 'deployment' | 'source'> {
  const { after, col, sum, row } = fromSteps(lines, d);
  return {
    ...row,
    sloBrokenShare: null,
    violationSecondsPerEpisode: null,
    cpuHoursPerEpisode: null,
    sloStepRate: after.filter((l) => col(l, 'latencyMs') > sloMs).length / after.length,
    replicaHoursPerEpisode: (sum('ready') * stepS) / 3600 / row.episodes,
    sloPerEpisode: null,
    costPerEpisode: null,
    churnPerEpisode: null,
    rewardPerEpisode: sum('reward') / row.episodes,
  };
}

/** Compare a report row with the expected figures (null where the source gives none). */
function expectRow(row: DeploymentRow, want: Record<string, number | null>): void {
  for (const [k, v] of Object.entries(want)) {
    const got = row[k as keyof DeploymentRow];
    if (v === null) expect(got, `${row.deployment} ${k}`).toBeNull();
    else expect(got, `${row.deployment} ${k}`).toBeCloseTo(v, 9);
  }
}

describe('simenv report of an application run', () => {
  let root: string;
  let app: string;
  let lines: Line[];
  let summary: Summary;
  let config: { env: { service: { sloLatencyMs: number }; stepSeconds: number; reward: { churn: number } } };

  beforeAll(async () => {
    root = tempDir('simenv-app-report-');
    const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', THREE.join(','), '--agent', 'hpa', '--step', '5', '--episodes', '2', '--out', join(root, 'app'), '--run-id', 'hpa-3', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const single = await cliInProcess(['run', '--trace', DSB_TRACE, '--deploy', 'dsb/nginx-thrift', '--agent', 'hpa', '--step', '15', '--duration', '300', '--out', join(root, 'single'), '--run-id', 'one', '--quiet']);
    expect(single.code, single.err).toBe(0);
    app = join(root, 'app', 'hpa-3');
    lines = readJsonl(join(app, 'step.jsonl')) as Line[];
    summary = JSON.parse(readFileSync(join(app, 'summary.json'), 'utf8')) as typeof summary;
    config = JSON.parse(readFileSync(join(app, 'config.json'), 'utf8')) as typeof config;
  }, 120_000);

  it('loads it apart from single-deployment runs, with no problem', () => {
    const study = loadStudy([root]);
    expect(study.runs.map((r) => r.id)).toEqual(['one']);
    expect(study.applications.map((a) => a.id)).toEqual(['hpa-3']);
    const a = study.applications[0]!;
    expect(a.problems).toEqual([]);
    expect(a.deployments).toEqual(THREE);
    expect(a.agent).toBe('hpa');
    expect(a.status).toBe('completed');
  });

  it('per deployment: SLO, CPU and reward from summary.json, demand, ready and changes from step.jsonl, busiest first', () => {
    const run = loadStudy([app]).applications[0]!;
    expect(run.summary).not.toBeNull();
    const rows = deploymentRows(run);
    expect(rows.map((r) => r.deployment).sort()).toEqual([...THREE].sort());
    for (const row of rows) {
      expect(row.source).toBe('summary');
      expectRow(row, expectedFromSummary(lines, summary, row.deployment));
    }
    const means = rows.map((r) => r.demandMean!);
    expect(means).toEqual([...means].sort((x, y) => y - x));
    expect(rows[0]!.demandMean).toBeGreaterThan(rows[rows.length - 1]!.demandMean!); // the sort is not vacuous
    // The two files agree: each deployment's summed reward column is its summary reward, and the
    // deployments' replica changes times the churn weight are their churn penalties.
    for (const row of rows) {
      const { sum, row: s } = fromSteps(lines, row.deployment);
      expect(sum('reward') / s.episodes).toBeCloseTo(row.rewardPerEpisode!, 9);
      expect(row.changesPerEpisode! * config.env.reward.churn).toBeCloseTo(-row.churnPerEpisode!, 9);
    }
    expect(rows.reduce((s, r) => s + r.rewardPerEpisode!, 0)).toBeCloseTo(summary.meanReturn, 6);
    // The components add up to each deployment's reward, and the deployments' to the run's.
    for (const r of rows) expect(r.sloPerEpisode! + r.costPerEpisode! + r.churnPerEpisode!).toBeCloseTo(r.rewardPerEpisode!, 9);
    const sloPerEp = summary.perEpisode.reduce((s, e) => s + e.reward.slo, 0) / summary.perEpisode.length;
    expect(rows.reduce((s, r) => s + r.sloPerEpisode!, 0)).toBeCloseTo(sloPerEp, 9);
    expect(rows.some((r) => r.changesPerEpisode! > 0 && r.readyPeak! > 1)).toBe(true); // the HPA scaled something
    expect(rows.some((r) => r.sloBrokenShare! > 0)).toBe(true); // some deployment broke its SLO: the share is not vacuous
    expect(rows.every((r) => r.cpuHoursPerEpisode! > 0)).toBe(true);
  });

  it('CLI text and --json: a table per deployment, no warning; the single-deployment table is unchanged', async () => {
    const text = await cliInProcess(['report', root]);
    expect(text.code).toBe(0);
    expect(text.err).toBe('');
    expect(text.out).toMatch(/^grouped by run/); // the single run's table first, as before
    expect(text.out).toMatch(/application run hpa-3 \(completed\): agent hpa, 3 deployments, 2\/2 episodes/);
    const rows = deploymentRows(loadStudy([app]).applications[0]!);
    const tableLines = text.out.split('\n').filter((l) => THREE.some((d) => l.startsWith(`${d} `)));
    expect(tableLines.map((l) => l.split(/\s+/)[0])).toEqual(rows.map((r) => r.deployment));
    const json = await cliInProcess(['report', root, '--json']);
    const parsed = JSON.parse(json.out) as { runs: Array<{ run: string }>; applications: Array<{ run: string; perDeployment: DeploymentRow[]; totals: { rewardMean: number } }> };
    expect(parsed.runs.map((r) => r.run)).toEqual(['one']);
    expect(parsed.applications[0]!.perDeployment).toEqual(JSON.parse(JSON.stringify(rows)));
    expect(parsed.applications[0]!.totals.rewardMean).toBeCloseTo(summary.meanReturn, 9);
    // A study of single-deployment runs only prints exactly what it printed before: no application part.
    const one = await cliInProcess(['report', join(root, 'single')]);
    expect(one.out).not.toMatch(/application/);
    expect(renderHtmlReport(loadStudy([join(root, 'single')], { withSteps: true }))).not.toMatch(/application|class="multiples"/);
  });

  it('HTML: the table, and one small multiple per deployment drawing the first episode', () => {
    const html = renderHtmlReport(loadStudy([root], { withSteps: true }));
    expect(html).toContain('<section class="card application" id="application-0" data-run="hpa-3">');
    expect(html).toContain('href="#application-0"');
    const rows = deploymentRows(loadStudy([app]).applications[0]!);
    const tableOrder = [...html.matchAll(/<tr data-deployment="([^"]+)">/g)].map((m) => m[1]);
    expect(tableOrder).toEqual(rows.map((r) => r.deployment));
    const firstEpisode = lines.filter((l) => l.episode === 0).length;
    for (const d of THREE) {
      const svg = html.match(new RegExp(`<svg class="chart multiple" data-deployment="${d}"[\\s\\S]*?</svg>`))?.[0];
      expect(svg, d).toBeDefined();
      for (const s of ['ready', 'applied']) expect(svg).toContain(`data-series="${s}" data-points="${firstEpisode}"`);
      expect(svg).toContain(`data-series="demand (req/s)" data-points="${firstEpisode}"`);
    }
    expect(html).toContain('data-chart="deployment-rewards"');
  });

  it('27 deployments: the busiest charts open, the rest folded; every deployment in the table', async () => {
    const all = loadStudy([app]).applications[0]!.config!.env as { trace: string };
    expect(all.trace).toBeTruthy();
    const out = join(root, 'app27');
    const names = 'compose-post-service,home-timeline-redis,home-timeline-service,jaeger,media-frontend,media-memcached,media-mongodb,media-service,nginx-thrift,post-storage-memcached,post-storage-mongodb,post-storage-service,social-graph-mongodb,social-graph-redis,social-graph-service,text-service,unique-id-service,url-shorten-memcached,url-shorten-mongodb,url-shorten-service,user-memcached,user-mention-service,user-mongodb,user-service,user-timeline-mongodb,user-timeline-redis,user-timeline-service';
    const r = await cliInProcess(['run', '--trace', DSB_TRACE, '--ns', 'dsb', '--deploy', names, '--call-graph', 'dsb-social-network', '--agent', 'hpa', '--step', '15', '--duration', '600', '--out', out, '--run-id', 'all', '--quiet']);
    expect(r.code, r.err).toBe(0);
    const html = renderHtmlReport(loadStudy([out], { withSteps: true }));
    expect([...html.matchAll(/<tr data-deployment=/g)]).toHaveLength(27);
    const [open, folded] = html.split('<details class="more">');
    expect([...open!.matchAll(/<svg class="chart multiple"/g)]).toHaveLength(SHOWN_CHARTS);
    expect([...folded!.matchAll(/<svg class="chart multiple"/g)]).toHaveLength(27 - SHOWN_CHARTS);
    expect(open).toContain(`Showing ${SHOWN_CHARTS} of 27 deployments; the other ${27 - SHOWN_CHARTS} are folded below.`);
    expect(open).toContain('data-deployment="dsb/nginx-thrift"'); // the entry point carries the most load
  }, 60_000);

  it('an application run killed before its summary: totals summed from step.jsonl, a damaged line named', () => {
    const dir = join(root, 'killed');
    cpSync(app, dir, { recursive: true });
    rmSync(join(dir, 'summary.json'));
    const text = readFileSync(join(dir, 'step.jsonl'), 'utf8').split('\n');
    text[3] = text[3]!.replace('"dsb/text-service.demand":', '"dsb/text-service.demand-gone":');
    writeFileSync(join(dir, 'step.jsonl'), `${text.slice(0, -1).join('\n')}\n`);
    const a = loadStudy([dir]).applications[0]!;
    expect(a.status).toBe('unfinished');
    expect(a.summary).toBeNull();
    expect(a.episodes.map((e) => e.reward.total)).toEqual(summary.perEpisode.map((e) => expect.closeTo(e.reward.total, 9) as unknown as number));
    expect(a.problems).toEqual(['step.jsonl: column dsb/text-service.demand missing or not a number on some lines']);
    // The per-deployment table falls back to step.jsonl's approximations, and says so.
    const rows = deploymentRows(a);
    const intact = readJsonl(join(app, 'step.jsonl')) as Line[];
    for (const row of rows.filter((r) => r.deployment !== 'dsb/text-service')) {
      expect(row.source).toBe('steps');
      expectRow(row, expectedFromSteps(intact, row.deployment, config.env.service.sloLatencyMs, config.env.stepSeconds));
    }
    const report = formatApplicationReport([a]);
    expect(report).toContain('SLO steps*');
    expect(report).toContain('from step.jsonl (no summary.json with per-deployment figures');
    expect(report).not.toContain('CPU-h/ep');
  });

  it('a summary of the shape before per-deployment figures: named, and the table falls back to step.jsonl', () => {
    const dir = join(root, 'old-summary');
    cpSync(app, dir, { recursive: true });
    const old = { ...summary, perEpisode: summary.perEpisode.map((e) => ({ episode: 0, seed: 1, steps: e.steps, return: e.reward.total, slo: e.reward.slo, cost: e.reward.cost, churn: e.reward.churn })) };
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(old));
    const a = loadStudy([dir]).applications[0]!;
    expect(a.summary).toBeNull();
    expect(a.problems).toEqual([expect.stringMatching(/^summary\.json: at perEpisode\.0\./)]);
    expect(deploymentRows(a).every((r) => r.source === 'steps' && r.cpuHoursPerEpisode === null && r.sloStepRate !== null)).toBe(true);
  });
});
