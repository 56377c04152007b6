import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOWN_CHARTS } from '../../../src/runner/report/application-html.js';
import { renderHtmlReport } from '../../../src/runner/report/html-report.js';
import { loadStudy } from '../../../src/runner/report/study.js';
import { cliInProcess, DSB_TRACE, tempDir } from '../helpers.js';

/**
 * The HTML report of an application run of all 27 DeathStarBench deployments, beside an eval
 * with a long run id and a baseline (its paired-difference note was cut at 1280 px), in a real
 * headless Chromium at 1280 px: every chart has drawn data, no text runs out of its chart, the
 * busiest SHOWN_CHARTS small multiples are visible and the rest open from their `<details>`.
 * Screenshots go to $SIMENV_SCREENSHOTS when set.
 */

const CHROMIUM = process.env.SIMENV_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DSB = 'compose-post-service,home-timeline-redis,home-timeline-service,jaeger,media-frontend,media-memcached,media-mongodb,media-service,nginx-thrift,post-storage-memcached,post-storage-mongodb,post-storage-service,social-graph-mongodb,social-graph-redis,social-graph-service,text-service,unique-id-service,url-shorten-memcached,url-shorten-mongodb,url-shorten-service,user-memcached,user-mention-service,user-mongodb,user-service,user-timeline-mongodb,user-timeline-redis,user-timeline-service';
const LONG_ID = 'static-6-against-the-hpa-with-a-long-descriptive-run-id';

type Box = { x: number; y: number; width: number; height: number };
type El = { closest(s: string): El | null; getAttribute(n: string): string | null; getBoundingClientRect(): Box; querySelectorAll(s: string): ArrayLike<El>; textContent: string | null };

/** Per visible chart (one in a closed `<details>` is not): its id, size, drawn series and the texts that leave its box. */
function measure(tab: Page): Promise<Array<{ id: string | null; deployment: string | null; width: number; drawn: number; outside: string[] }>> {
  return tab.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<El> } }).document;
    return Array.from(doc.querySelectorAll('svg.chart'))
      .filter((svg) => svg.getBoundingClientRect().width > 0 && svg.closest('details:not([open])') === null)
      .map((svg) => {
        const box = svg.getBoundingClientRect();
        const inside = (el: El): boolean => {
          const b = el.getBoundingClientRect();
          return b.x >= box.x - 0.5 && b.y >= box.y - 0.5 && b.x + b.width <= box.x + box.width + 0.5 && b.y + b.height <= box.y + box.height + 0.5;
        };
        const drawn = Array.from(svg.querySelectorAll('path.series, circle.mean')).filter((p) => Number(p.getAttribute('data-points') ?? 1) >= 1).length;
        const outside = Array.from(svg.querySelectorAll('text')).filter((t) => !inside(t)).map((t) => t.textContent ?? '');
        return { id: svg.getAttribute('data-chart'), deployment: svg.getAttribute('data-deployment'), width: box.width, drawn, outside };
      });
  });
}

describe('HTML report of a 27-deployment application run in headless Chromium', () => {
  let browser: Browser;
  let page: string;
  let html: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`expected Chromium at ${CHROMIUM}, got no such file: install it with \`apt-get update && apt-get install -y chromium\` (or set SIMENV_CHROMIUM)`);
    const root = tempDir('simenv-app-browser-');
    const app = await cliInProcess(['run', '--trace', DSB_TRACE, '--ns', 'dsb', '--deploy', DSB, '--call-graph', 'dsb-social-network', '--agent', 'hpa', '--step', '15', '--episodes', '2', '--out', join(root, 'application'), '--run-id', 'hpa-27', '--quiet']);
    expect(app.code, app.err).toBe(0);
    const ev = ['eval', '--scenario', 'nginx-diurnal', '--split', 'heldout', '--seeds', '1,2', '--duration', '180', '--out', join(root, 'evals'), '--quiet'];
    expect((await cliInProcess([...ev, '--agent', 'hpa', '--run-id', 'hpa'])).code).toBe(0);
    const long = await cliInProcess([...ev, '--target', '6', '--run-id', LONG_ID, '--baseline', join(root, 'evals', 'hpa')]);
    expect(long.code, long.err).toBe(0);
    html = renderHtmlReport(loadStudy([root], { withSteps: true }));
    page = join(root, 'report.html');
    writeFileSync(page, html);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('at 1280 px: small multiples drawn and readable, nothing outside its chart, the folded ones open', async () => {
    const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 900 } });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });
    expect(errors).toEqual([]);
    const before = await measure(tab);
    const multiples = before.filter((c) => c.id === 'deployment-replicas');
    expect(multiples).toHaveLength(SHOWN_CHARTS);
    expect(multiples[0]!.deployment).toBe('dsb/nginx-thrift');
    for (const c of before) {
      expect(c.drawn, `${c.id} ${c.deployment ?? ''} has no drawn series`).toBeGreaterThan(0);
      expect(c.outside, `${c.id} ${c.deployment ?? ''}: text outside the chart`).toEqual([]);
    }
    // Three to a row at 1280 px, each wide enough for 11 px ticks to stay 11 px or larger.
    for (const c of multiples) expect(c.width).toBeGreaterThanOrEqual(340);
    expect(before.some((c) => c.id === 'paired-differences')).toBe(true);
    // The per-deployment table (12 columns with summary.json's figures) fits without scrolling sideways.
    const table = await tab.evaluate(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { scrollWidth: number; clientWidth: number } | null; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> } }).document;
      const box = doc.querySelector('section.application div.scroll')!;
      return { scroll: box.scrollWidth, client: box.clientWidth, headers: Array.from(doc.querySelectorAll('section.application table.deployments th')).map((h) => h.textContent ?? '') };
    });
    expect(table.headers).toEqual(['deployment', 'demand mean', 'demand peak', 'ready mean', 'ready peak', 'SLO broken', 'CPU-h/ep', 'changes/ep', 'slo/ep', 'cost/ep', 'churn/ep', 'reward/ep']);
    expect(table.scroll).toBeLessThanOrEqual(table.client);
    const dir = process.env.SIMENV_SCREENSHOTS;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      await tab.locator('section.application').screenshot({ path: join(dir, 'report-application.png') });
      await tab.locator('section.scenario').first().screenshot({ path: join(dir, 'report-scenario-long-id.png') });
    }
    await tab.locator('section.application details.more > summary').click();
    const after = (await measure(tab)).filter((c) => c.id === 'deployment-replicas');
    expect(after).toHaveLength(27);
    for (const c of after) expect(c.outside, `${c.deployment}: text outside`).toEqual([]);
    await context.close();
  });
});
