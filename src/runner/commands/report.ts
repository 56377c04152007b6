import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../../env/errors.js';
import { RUN_FILES, writeFileAtomic } from '../run-dir.js';
import { renderHtmlReport } from '../report/html-report.js';
import { loadRun, type LoadedRun } from '../report/load-run.js';
import { formatTable, reportRow } from '../report/report-table.js';
import { parseFlags } from './flags.js';

/**
 * `simenv report DIR... [--html FILE] [--json]`: compare runs. A DIR that is not itself a run
 * directory but holds run directories (e.g. `runs/` or an eval's output) stands for all of them.
 */

const ReportFlagsSchema = z.strictObject({
  html: z.string().min(1, 'expected a file path').optional(),
  json: z.boolean().default(false),
});

function isRunDir(dir: string): boolean {
  return Object.values(RUN_FILES).some((f) => existsSync(join(dir, f)));
}

/** The run directories `dirs` stand for, in order, each once. */
export function expandRunDirs(dirs: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (d: string): void => {
    const abs = resolve(d);
    if (!seen.has(abs)) {
      seen.add(abs);
      out.push(d);
    }
  };
  for (const d of dirs) {
    const abs = resolve(d);
    if (!existsSync(abs)) throw new UsageError(`expected a run directory, got ${d} (no such directory)`, { hint: 'pass directories written by `simenv run`, e.g. runs/<run-id>' });
    if (!statSync(abs).isDirectory()) throw new UsageError(`expected a run directory, got ${d} (not a directory)`);
    if (isRunDir(abs)) {
      add(d);
      continue;
    }
    const children = readdirSync(abs, { withFileTypes: true })
      .filter((e) => e.isDirectory() && isRunDir(join(abs, e.name)))
      .map((e) => join(d, e.name))
      .sort();
    if (children.length === 0) {
      throw new UsageError(`expected a run directory (config.json, step.jsonl, summary.json) or a directory of them, got ${d}`, {
        hint: 'pass directories written by `simenv run`, e.g. runs/<run-id>',
      });
    }
    children.forEach(add);
  }
  return out;
}

/** Register `simenv report`. */
export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description('compare runs: a table (agent, episodes, reward mean ± std, SLO violations, cost, churn, steps/s) and an optional HTML page with charts')
    .argument('<dirs...>', 'run directories, or directories that hold run directories')
    .option('--html <file>', 'also write a self-contained HTML report (charts per run; opens offline)')
    .option('--json', 'print the table as JSON instead of text')
    .action((dirs: string[], raw: Record<string, unknown>) => {
      const flags = parseFlags(ReportFlagsSchema, raw);
      const runDirs = expandRunDirs(dirs);
      if (flags.html) {
        const parent = dirname(resolve(flags.html));
        if (!existsSync(parent)) throw new UsageError(`--html: expected a file in an existing directory, got ${flags.html} (no directory ${parent})`);
      }
      const runs: LoadedRun[] = runDirs.map((d) => loadRun(d, { withSteps: flags.html !== undefined }));
      const rows = runs.map(reportRow);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ runs: rows, html: flags.html ? resolve(flags.html) : null }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatTable(rows)}\n`);
        for (const r of runs) for (const p of r.problems) process.stderr.write(`simenv: warning: ${r.id}: ${p}\n`);
      }
      if (flags.html) {
        writeFileAtomic(resolve(flags.html), renderHtmlReport(runs));
        if (!flags.json) process.stdout.write(`wrote ${flags.html}\n`);
      }
    });
}
