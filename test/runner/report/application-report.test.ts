import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentRows, type DeploymentRow } from '../../../src/runner/report/application-table.js';
import { SHOWN_CHARTS } from '../../../src/runner/report/application-html.js';
import { renderHtmlReport } from '../../../src/runner/report/html-report.js';
import { loadStudy } from '../../../src/runner/report/study.js';
import { cliInProcess, DSB_TRACE, readJsonl, tempDir } from '../helpers.js';

/**
 * `simenv report` of application runs (`simenv run --deploy a,b,c`): every per-deployment
 * figure is recomputed here from the run's own step.jsonl (and checked against the run's
 * summary.json totals, which the report does not read for them), so a wrong column, a wrong
 * episode boundary or a wrong sort fails.
 */

const THREE = ['dsb/nginx-thrift', 'dsb/compose-post-service', 'dsb/text-service'];
type Line = Record<string, number | boolean | string>;

/** The figures of one deployment, straight from the step lines (the test's own arithmetic). */
function expected(lines: readonly Line[], d: string, sloMs: number, stepS: number): Omit<DeploymentRow, 'deployment'> {
  const after = lines.filter((l) => (l.step as number) > 0);
  const col = (l: Line, f: string): number => l[`${d}.${f}`] as number;
  const episodes = new Set(after.map((l) => l.episode)).size;
  let changes = 0;
  lines.forEach((l, i) => {
    if ((l.step as number) > 0) changes += Math.abs(col(l, 'applied') - col(lines[i - 1]!, 'desired'));
  });
  const sum = (f: string): number => after.reduce((s, l) => s + col(l, f), 0);
  return {
    steps: after.length,
    episodes,
    demandMean: sum('demand') / after.length,
    demandPeak: Math.max(...after.map((l) => col(l, 'demand'))),
    readyMean: sum('ready') / after.length,
    readyPeak: Math.max(...after.map((l) => col(l, 'ready'))),
    sloStepRate: after.filter((l) => col(l, 'latencyMs') > sloMs).length / after.length,
    replicaHoursPerEpisode: (sum('ready') * stepS) / 3600 / episodes,
    changesPerEpisode: changes / episodes,
    rewardPerEpisode: sum('reward') / episodes,
  };
}

describe('simenv report of an application run', () => {
  let root: string;
  let app: string;
  let lines: Line[];
  let summary: { meanReturn: number; perEpisode: Array<{ return: number; churn: number }> };
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

  it('computes each deployment figure from the step columns, busiest first, consistent with the run totals', () => {
    const rows = deploymentRows(loadStudy([app]).applications[0]!);
    expect(rows.map((r) => r.deployment).sort()).toEqual([...THREE].sort());
    for (const row of rows) {
      const want = expected(lines, row.deployment, config.env.service.sloLatencyMs, config.env.stepSeconds);
      for (const [k, v] of Object.entries(want)) expect(row[k as keyof DeploymentRow], `${row.deployment} ${k}`).toBeCloseTo(v as number, 9);
    }
    const means = rows.map((r) => r.demandMean!);
    expect(means).toEqual([...means].sort((x, y) => y - x));
    expect(rows[0]!.demandMean).toBeGreaterThan(rows[rows.length - 1]!.demandMean!); // the sort is not vacuous
    // The deployments' shares add up to the run's return, and their replica changes to its churn penalty.
    expect(rows.reduce((s, r) => s + r.rewardPerEpisode!, 0)).toBeCloseTo(summary.meanReturn, 6);
    const churnPerEp = summary.perEpisode.reduce((s, e) => s + e.churn, 0) / summary.perEpisode.length;
    expect(rows.reduce((s, r) => s + r.changesPerEpisode!, 0) * -config.env.reward.churn).toBeCloseTo(churnPerEp, 9);
    expect(rows.some((r) => r.changesPerEpisode! > 0 && r.readyPeak! > 1)).toBe(true); // the HPA scaled something
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
    expect(a.episodes.map((e) => e.return)).toEqual(summary.perEpisode.map((e) => expect.closeTo(e.return, 9) as unknown as number));
    expect(a.problems).toEqual(['step.jsonl: column dsb/text-service.demand missing or not a number on some lines']);
  });
});
