import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeRun } from '../../src/runner/execute-run.js';
import { renderHtmlReport } from '../../src/runner/report/html-report.js';
import { loadRun } from '../../src/runner/report/load-run.js';
import { planRun } from '../../src/runner/run-plan.js';
import { DSB_TRACE, tempDir } from './helpers.js';

/**
 * The HTML report in a real headless Chromium (Debian's `chromium` package): it loads from a
 * file:// URL with no console error and no network request, and every chart has drawn data.
 */

const CHROMIUM = process.env.SIMENV_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function makeRun(out: string, id: string, flags: Record<string, unknown>): Promise<string> {
  const silent = { stdout: () => {}, stderr: { isTTY: false, write: () => true }, argv: [], handleSignals: false };
  const code = await executeRun(planRun({ trace: DSB_TRACE, deploy: 'dsb/nginx-thrift', out, runId: id, quiet: true, ...flags }), silent);
  expect(code).toBe(0);
  return join(out, id);
}

describe('HTML report in headless Chromium', () => {
  let browser: Browser;
  let page: string;
  let html: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`expected Chromium at ${CHROMIUM}, got no such file: install it with \`apt-get update && apt-get install -y chromium\` (or set SIMENV_CHROMIUM)`);
    }
    const out = tempDir();
    const dirs = [
      await makeRun(out, 'hpa-multi', { agent: 'hpa', step: '15', episodes: '8' }),
      await makeRun(out, 'static-one-step', { target: '4', episodes: '3' }),
      await makeRun(out, 'random-one-step', { agent: 'random', episodes: '12', seed: '3' }),
    ];
    // A killed run: config and steps, no summary.
    const killed = join(out, 'killed');
    mkdirSync(killed);
    const config = JSON.parse(readFileSync(join(dirs[0]!, 'config.json'), 'utf8')) as { run: string };
    writeFileSync(join(killed, 'config.json'), JSON.stringify({ ...config, run: 'killed' }));
    const lines = readFileSync(join(dirs[0]!, 'step.jsonl'), 'utf8').split('\n').slice(0, 120);
    writeFileSync(join(killed, 'step.jsonl'), `${lines.map((l) => l.replace('"run":"hpa-multi"', '"run":"killed"')).join('\n')}\n`);
    dirs.push(killed);
    html = renderHtmlReport(dirs.map((d) => loadRun(d, { withSteps: true })));
    page = join(out, 'report.html');
    writeFileSync(page, html);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('references nothing outside the file', () => {
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => !r.startsWith('#') && !r.startsWith('data:'))).toEqual([]);
    expect(html).not.toMatch(/<script|@import|url\(/i);
  });

  it('loads offline without console errors or requests, and every chart has drawn data', async () => {
    const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
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
    expect(problems).toEqual([]);
    expect(requests.filter((u) => u !== pathToFileURL(page).href)).toEqual([]);

    // Four run sections, a comparison table with a row per run, and the comparison chart.
    expect(await tab.locator('section.run').count()).toBe(4);
    expect(await tab.locator('table.comparison tbody tr').count()).toBe(4);
    expect(await tab.locator('section.run .status.unfinished').count()).toBe(1);

    // Every visible chart: an SVG with a real size and at least one series with drawn points.
    // Runs in the page; typed structurally because this project compiles without the DOM lib.
    type Box = { width: number; height: number };
    type El = { getAttribute(n: string): string | null; getBoundingClientRect(): Box; getBBox(): Box; querySelectorAll(s: string): ArrayLike<El> };
    const charts = await tab.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
      return Array.from(doc.querySelectorAll('svg.chart'))
        .filter((svg) => svg.getBoundingClientRect().width > 0)
        .map((svg) => {
          const box = svg.getBoundingClientRect();
          const series = Array.from(svg.querySelectorAll('path.series')).map((p) => {
            const b = p.getBBox();
            return { points: Number(p.getAttribute('data-points')), length: (p.getAttribute('d') ?? '').length, w: b.width, h: b.height };
          });
          return { id: svg.getAttribute('data-chart'), width: box.width, height: box.height, series };
        });
    });
    const ids = charts.map((c) => c.id);
    expect(ids.filter((i) => i === 'replicas').length).toBe(4); // one visible episode tab per run
    expect(ids.filter((i) => i === 'reward').length).toBe(4);
    expect(ids.filter((i) => i === 'episode-rewards').length).toBe(4);
    expect(ids).toContain('compare-rewards');
    for (const c of charts) {
      expect(c.width, `${c.id} width`).toBeGreaterThan(300);
      expect(c.height, `${c.id} height`).toBeGreaterThan(100);
      expect(c.series.length, `${c.id} series`).toBeGreaterThan(0);
      expect(c.series.some((s) => s.points >= 1 && s.length > 10), `${c.id} has no drawn series`).toBe(true);
    }
    // The multi-step replicas chart spans the episode: 76 steps of 15 s drawn as one path each.
    const multi = charts.find((c) => c.id === 'replicas')!;
    expect(multi.series.every((s) => s.points === 77)).toBe(true);
    expect(Math.max(...multi.series.map((s) => s.w))).toBeGreaterThan(500);
    await context.close();
  });

  it('episode tabs switch the charts without any script', async () => {
    const tab = await browser.newPage();
    await tab.goto(pathToFileURL(page).href);
    const run = tab.locator('section.run[data-run="hpa-multi"]');
    const panel = (ep: number) => run.locator(`.panel[data-episode="${ep}"]`);
    expect(await panel(0).isVisible()).toBe(true);
    expect(await panel(7).isVisible()).toBe(false);
    await run.locator('label', { hasText: 'episode 7' }).click();
    expect(await panel(7).isVisible()).toBe(true);
    expect(await panel(0).isVisible()).toBe(false);
    // Eight episodes: tabs for the first five and the last, with a note.
    expect(await run.locator('.tabs > label').count()).toBe(6);
    expect(await run.locator('.note').first().textContent()).toMatch(/Showing 6 of 8 episodes/);
    await tab.close();
  });
});
