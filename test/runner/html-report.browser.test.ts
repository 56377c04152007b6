import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeEval } from '../../src/runner/execute-eval.js';
import { executeRun } from '../../src/runner/execute-run.js';
import { renderHtmlReport } from '../../src/runner/report/html-report.js';
import { loadStudy } from '../../src/runner/report/study.js';
import { planRun } from '../../src/runner/run-plan.js';
import { trainAgent } from '../../src/runner/train/train-loop.js';
import { DSB_TRACE, tempDir } from './helpers.js';

/**
 * The HTML report as a person sees it, in a real headless Chromium (Debian's `chromium`): a
 * study of 50 runs over 3 scenarios (evals with baselines, one killed run) plus 2 training
 * runs. It loads from a file:// URL with no console error and no network request, every chart
 * has drawn data, and no legend or row label runs out of its chart. Screenshots of the page
 * go to $SIMENV_SCREENSHOTS when set (to look at them).
 */

const CHROMIUM = process.env.SIMENV_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCENARIOS = ['nginx-diurnal', 'text-noisy', 'url-shorten-elb'];
const silent = { stdout: () => {}, stderr: { isTTY: false, write: () => true }, argv: [], handleSignals: false };

/** One eval of `agent` on `scenario`: 2 seeds x 1 short episode (180 s: 12 steps of 15 s). */
async function evalRun(out: string, scenario: string, id: string, flags: Record<string, unknown>): Promise<void> {
  const plan = planRun({ scenario, split: 'heldout', duration: '180', seeds: '1,2', episodes: '1', out, runId: id, quiet: true, ...flags }, { evalMode: true });
  expect(await executeEval(plan, silent)).toBe(0);
}

describe('HTML report of a study in headless Chromium', () => {
  let browser: Browser;
  let page: string;
  let html: string;
  let study: ReturnType<typeof loadStudy>;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`expected Chromium at ${CHROMIUM}, got no such file: install it with \`apt-get update && apt-get install -y chromium\` (or set SIMENV_CHROMIUM)`);
    }
    const root = tempDir();
    // 3 scenarios x (4 HPA targets + 4 static sizes + random + trace) evals = 30 runs, 3 per scenario
    // against an HPA baseline (9 baseline runs: 39), then 10 single runs on the first
    // scenario (in-process `simenv run`), and one run killed after its first episode.
    for (const sc of SCENARIOS) {
      const out = join(root, 'evals', sc);
      for (const t of [50, 60, 70, 80]) await evalRun(out, sc, `hpa-${t}`, { agent: 'hpa', target: String(t), ...(t === 80 ? { baseline: 'hpa' } : {}) });
      for (const n of [2, 3, 4, 6]) await evalRun(out, sc, `static-${n}`, { target: String(n), ...(n === 3 || n === 4 ? { baseline: 'hpa' } : {}) });
      await evalRun(out, sc, 'random', { agent: 'random' });
      await evalRun(out, sc, 'trace', { agent: 'trace' });
    }
    const runs = join(root, 'runs');
    for (let i = 0; i < 10; i++) {
      const plan = planRun({ scenario: SCENARIOS[0], split: 'heldout', duration: '180', episodes: String(1 + (i % 4) * 3), seed: String(100 + i), agent: i % 2 ? 'hpa' : 'random', out: runs, runId: `single-${i}`, quiet: true });
      expect(await executeRun(plan, silent)).toBe(0);
    }
    const killed = join(runs, 'killed');
    mkdirSync(killed);
    const src = join(runs, 'single-3');
    writeFileSync(join(killed, 'config.json'), JSON.stringify({ ...(JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')) as object), run: 'killed' }));
    const lines = readFileSync(join(src, 'step.jsonl'), 'utf8').split('\n').slice(0, 20);
    writeFileSync(join(killed, 'step.jsonl'), `${lines.map((l) => l.replace('"run":"single-3"', '"run":"killed"')).join('\n')}\n`);
    for (const seed of [1, 2]) {
      await trainAgent({ agent: 'ppo', env: { trace: DSB_TRACE, deployment: 'dsb/nginx-thrift', horizon: 8 }, steps: 192, numEnvs: 2, seed, out: join(root, 'train', `ppo-${seed}`), hyper: { numSteps: 16 } });
    }
    study = loadStudy([root], { withSteps: true });
    html = renderHtmlReport(study);
    page = join(root, 'report.html');
    writeFileSync(page, html);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('finds every run and training directory without a problem', () => {
    expect(study.runs.length).toBe(50);
    expect(study.trainings.length).toBe(2);
    expect(study.runs.flatMap((r) => r.problems)).toEqual([]);
    expect(study.trainings.flatMap((t) => t.problems)).toEqual([]);
    expect(study.trainings.every((t) => t.log.length >= 2)).toBe(true);
  });

  it('references nothing outside the file', () => {
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !r.startsWith('#') && !r.startsWith('data:'))).toEqual([]);
    expect(html).not.toMatch(/<script|@import|url\(/i);
  });

  async function open(): Promise<{ tab: Page; problems: string[]; requests: string[]; close: () => Promise<void> }> {
    const context = await browser.newContext({ offline: true, viewport: { width: 1300, height: 900 } });
    const tab = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    tab.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    tab.on('request', (r) => requests.push(r.url()));
    await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
    return { tab, problems, requests, close: () => context.close() };
  }

  it('loads offline with no console error or request; sections per scenario; every chart drawn; legends and labels inside their charts', async () => {
    const { tab, problems, requests, close } = await open();
    expect(problems).toEqual([]);
    expect(requests.filter((u) => u !== pathToFileURL(page).href)).toEqual([]);

    expect(await tab.locator('section.scenario').count()).toBe(3);
    expect(await tab.locator('table.comparison tbody tr').count()).toBe(50);
    expect(await tab.locator('section.training').count()).toBe(1);
    expect(await tab.locator('details.run').count()).toBe(50);
    expect(await tab.locator('details.run > summary .status.unfinished').count()).toBe(1);

    // Runs in the page; typed structurally because this project compiles without the DOM lib.
    type Box = { x: number; y: number; width: number; height: number };
    type El = { getAttribute(n: string): string | null; getBoundingClientRect(): Box; getBBox(): Box; querySelectorAll(s: string): ArrayLike<El> };
    const charts = await tab.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
      return Array.from(doc.querySelectorAll('svg.chart'))
        .filter((svg) => svg.getBoundingClientRect().width > 0)
        .map((svg) => {
          const box = svg.getBoundingClientRect();
          const inside = (el: El): boolean => {
            const b = el.getBoundingClientRect();
            return b.x >= box.x - 0.5 && b.y >= box.y - 0.5 && b.x + b.width <= box.x + box.width + 0.5 && b.y + b.height <= box.y + box.height + 0.5;
          };
          const series = Array.from(svg.querySelectorAll('path.series')).map((p) => {
            const b = p.getBBox();
            return { points: Number(p.getAttribute('data-points')), length: (p.getAttribute('d') ?? '').length, w: b.width, h: b.height };
          });
          const outside = [...Array.from(svg.querySelectorAll('g.legend')), ...Array.from(svg.querySelectorAll('text'))].filter((el) => !inside(el)).length;
          // Legend entries of one row must not overlap each other.
          const legends = Array.from(svg.querySelectorAll('g.legend')).map((g) => g.getBoundingClientRect());
          let overlaps = 0;
          for (let i = 0; i < legends.length; i++) {
            for (let j = i + 1; j < legends.length; j++) {
              const a = legends[i]!;
              const b = legends[j]!;
              if (a.x < b.x + b.width - 1 && b.x < a.x + a.width - 1 && a.y < b.y + b.height - 1 && b.y < a.y + a.height - 1) overlaps++;
            }
          }
          return { id: svg.getAttribute('data-chart'), width: box.width, height: box.height, series, outside, overlaps, legends: legends.length };
        });
    });
    const count = (id: string): number => charts.filter((c) => c.id === id).length;
    expect(count('agent-intervals')).toBe(3);
    expect(count('paired-differences')).toBe(3);
    expect(count('seed-replicas')).toBe(3);
    expect(count('seed-utilisation')).toBe(3);
    expect(count('seed-latency')).toBe(3);
    expect(count('episode-strip')).toBe(3);
    expect(count('train-reward')).toBe(1);
    expect(count('train-loss')).toBe(1);
    for (const c of charts) {
      expect(c.width, `${c.id} width`).toBeGreaterThan(300);
      expect(c.height, `${c.id} height`).toBeGreaterThan(100);
      expect(c.series.some((s) => s.points >= 1 && s.length > 10), `${c.id} has no drawn series`).toBe(true);
      expect(c.outside, `${c.id}: legend entries or labels outside the chart`).toBe(0);
      expect(c.overlaps, `${c.id}: legend entries overlap`).toBe(0);
    }
    // 10 agents on the first scenario's overlay: 10 distinct colours in one wrapped legend.
    const first = charts.find((c) => c.id === 'seed-replicas')!;
    expect(first.legends).toBeGreaterThanOrEqual(11);
    const dir = process.env.SIMENV_SCREENSHOTS;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'report.html'), html);
      await tab.screenshot({ path: join(dir, 'report-top.png') });
      await tab.locator('section.scenario').first().screenshot({ path: join(dir, 'report-scenario-1.png') });
      await tab.locator('section.training').screenshot({ path: join(dir, 'report-training.png') });
    }
    await close();
  });

  it('a folded run opens without any script, and its partial episode is named, not drawn', async () => {
    const { tab, close } = await open();
    const killed = tab.locator('details.run[data-run="killed"]');
    expect(await killed.locator('svg.chart').first().isVisible()).toBe(false);
    await killed.locator('summary').click();
    expect(await killed.locator('svg.chart[data-chart="replicas"]').first().isVisible()).toBe(true);
    expect(await killed.locator('.note.partial').textContent()).toMatch(/Partial episode 1 \(\d+ steps\) not drawn/);
    await close();
  });
});
