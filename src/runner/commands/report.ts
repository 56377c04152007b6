import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { UsageError } from '../../env/errors.js';
import { checkReplaceable, writeFileAtomic } from '../run-dir.js';
import { renderHtmlReport } from '../report/html-report.js';
import { formatAgentReport, groupByAgent } from '../report/agent-table.js';
import { formatApplicationReport } from '../report/application-table.js';
import { formatTable, reportRows, RUN_REPORT_HEADER } from '../report/report-table.js';
import { differenceRows, loadStudy, studyJson, trainingRows } from '../report/study.js';
import { formatDifferences, formatTrainings } from '../report/study-format.js';
import { parseFlags } from './flags.js';

/**
 * `simenv report DIR... [--by run|agent] [--html FILE] [--json]`: compare runs and training
 * runs; an application run (`simenv run --deploy a,b,c`) gets a table per deployment. A DIR that is neither holds them, at any depth, and stands for all of them
 * (report/find-dirs.ts). `--by agent` pools runs per agent and scenario (report/agent-table.ts).
 */

const GROUPINGS = ['run', 'agent'] as const;

const ReportFlagsSchema = z.strictObject({
  html: z.string().min(1, 'expected a file path').optional(),
  json: z.boolean().default(false),
  by: z
    .enum(GROUPINGS, { error: (iss) => `expected ${GROUPINGS.join(' or ')}, got ${JSON.stringify(iss.input)}` })
    .default('run'),
});

/** Register `simenv report`. */
export function registerReportCommands(program: Command): void {
  program
    .command('report')
    .description('compare run, eval and training directories: one row per run (default) or per agent (--by agent: mean ± std over seeds, per-seed means, one table per scenario), the paired differences of evals, the training runs, a table per deployment for application runs (simenv run --deploy a,b,c), and an optional HTML page with charts')
    .argument('<dirs...>', 'run, eval or training directories, or directories that hold them (nested to any depth)')
    .option('--by <grouping>', 'run: one row per run; agent: one row per agent and scenario (trace, deployment, episode shape, env options), figures over seeds', 'run')
    .option('--html <file>', 'also write a self-contained HTML report organised by scenario, with learning curves (opens offline)')
    .option('--json', 'print every table (runs, agents per scenario, paired differences, trainings) as JSON instead of text')
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

Application runs (simenv run --deploy a,b,c): a headline and one row per deployment, busiest
first: mean and peak demand, mean and peak ready replicas, share of steps with mean latency above
the SLO, ready replica-hours, replica changes and the deployment's reward per episode; the HTML
page adds per-deployment charts of ready replicas against demand.

Directories: run, eval and training directories, or any directory holding them at any depth.

Examples:
  simenv report runs/
  simenv report study/ --html report.html
  simenv report runs/held-out --by agent
  simenv report runs/held-out --by agent --json`,
    )
    .action((dirs: string[], raw: Record<string, unknown>) => {
      const flags = parseFlags(ReportFlagsSchema, raw);
      if (flags.html) {
        const parent = dirname(resolve(flags.html));
        if (!existsSync(parent)) throw new UsageError(`--html: expected a file in an existing directory, got ${flags.html} (no directory ${parent})`);
        checkReplaceable(resolve(flags.html), '--html');
      }
      const study = loadStudy(dirs, { withSteps: flags.html !== undefined });
      const html = flags.html ? resolve(flags.html) : null;
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(studyJson(study, flags.by, html), null, 2)}\n`);
      } else {
        const parts: string[] = [];
        if (study.runs.length > 0 || (study.trainings.length === 0 && study.applications.length === 0)) {
          parts.push(flags.by === 'agent' ? formatAgentReport(groupByAgent(study.runs)) : `${RUN_REPORT_HEADER}\n${formatTable(reportRows(study.runs))}`);
        }
        const diffs = formatDifferences(differenceRows(study));
        if (diffs) parts.push(diffs);
        const trainings = formatTrainings(trainingRows(study));
        if (trainings) parts.push(trainings);
        if (study.applications.length > 0) parts.push(formatApplicationReport(study.applications));
        process.stdout.write(`${parts.join('\n\n')}\n`);
        for (const r of study.runs) for (const p of r.problems) process.stderr.write(`simenv: warning: ${r.id}: ${p}\n`);
        for (const t of study.trainings) for (const p of t.problems) process.stderr.write(`simenv: warning: ${t.id}: ${p}\n`);
        for (const a of study.applications) for (const p of a.problems) process.stderr.write(`simenv: warning: ${a.id}: ${p}\n`);
      }
      if (flags.html) {
        writeFileAtomic(resolve(flags.html), renderHtmlReport(study));
        if (!flags.json) process.stdout.write(`wrote ${flags.html}\n`);
      }
    });
}
