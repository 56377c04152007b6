import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../../env/errors.js';
import { checkReplaceable, RUN_FILES, writeFileAtomic } from '../run-dir.js';
import { renderHtmlReport } from '../report/html-report.js';
import { loadRun, type LoadedRun } from '../report/load-run.js';
import { formatAgentReport, groupByAgent } from '../report/agent-table.js';
import { formatTable, reportRow, RUN_REPORT_HEADER } from '../report/report-table.js';
import { parseFlags } from './flags.js';

/**
 * `simenv report DIR... [--by run|agent] [--html FILE] [--json]`: compare runs. A DIR that is
 * not itself a run directory but holds run directories (e.g. `runs/` or an eval's output)
 * stands for all of them. `--by agent` pools runs per agent and scenario (report/agent-table.ts).
 */

const GROUPINGS = ['run', 'agent'] as const;

const ReportFlagsSchema = z.strictObject({
  html: z.string().min(1, 'expected a file path').optional(),
  json: z.boolean().default(false),
  by: z
    .enum(GROUPINGS, { error: (iss) => `expected ${GROUPINGS.join(' or ')}, got ${JSON.stringify(iss.input)}` })
    .default('run'),
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
    .description('compare runs: one row per run (default) or per agent (--by agent: mean ± std over seeds, per-seed means, one table per scenario), and an optional HTML page with charts')
    .argument('<dirs...>', 'run directories, or directories that hold run directories')
    .option('--by <grouping>', 'run: one row per run; agent: one row per agent and scenario (trace, deployment, episode shape, env options), figures over seeds', 'run')
    .option('--html <file>', 'also write a self-contained HTML report (charts per run, whatever --by says; opens offline)')
    .option('--json', 'print the table(s) as JSON instead of text')
    .addHelpText(
      'after',
      `
--by agent: runs of one agent description (name and recorded settings, seeds left out, e.g. hpa
targetUtilisation 60 and 80 are two rows) pool into one row per scenario. A seed is a block of
episodes reset from one --seed / --seeds entry (an eval with --seeds 1,2,3 gives 3 seeds); each
seed's complete episodes are averaged first, and the row shows mean ± sample std (n-1) over
seeds, the per-seed means, mean reward components (slo, cost, churn) per episode, SLO violation
rate, CPU-hours and replica changes per episode. Runs on different traces, deployments, episode
shapes or env options get separate tables.

Examples:
  simenv report runs/
  simenv report runs/held-out --by agent
  simenv report runs/held-out --by agent --json`,
    )
    .action((dirs: string[], raw: Record<string, unknown>) => {
      const flags = parseFlags(ReportFlagsSchema, raw);
      const runDirs = expandRunDirs(dirs);
      if (flags.html) {
        const parent = dirname(resolve(flags.html));
        if (!existsSync(parent)) throw new UsageError(`--html: expected a file in an existing directory, got ${flags.html} (no directory ${parent})`);
        checkReplaceable(resolve(flags.html), '--html');
      }
      const runs: LoadedRun[] = runDirs.map((d) => loadRun(d, { withSteps: flags.html !== undefined }));
      const html = flags.html ? resolve(flags.html) : null;
      if (flags.by === 'agent') {
        const report = groupByAgent(runs);
        if (flags.json) process.stdout.write(`${JSON.stringify({ ...report, html }, null, 2)}\n`);
        else process.stdout.write(`${formatAgentReport(report)}\n`);
      } else {
        const rows = runs.map(reportRow);
        if (flags.json) process.stdout.write(`${JSON.stringify({ by: 'run', runs: rows, html }, null, 2)}\n`);
        else process.stdout.write(`${RUN_REPORT_HEADER}\n${formatTable(rows)}\n`);
      }
      if (!flags.json) for (const r of runs) for (const p of r.problems) process.stderr.write(`simenv: warning: ${r.id}: ${p}\n`);
      if (flags.html) {
        writeFileAtomic(resolve(flags.html), renderHtmlReport(runs));
        if (!flags.json) process.stdout.write(`wrote ${flags.html}\n`);
      }
    });
}
