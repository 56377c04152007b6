import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { z } from 'zod';
import { SimEnvError, UsageError } from '../../env/errors.js';
import { issuePath, parse, type SchemaIssue } from '../../env/parse.js';
import { RUN_RECORD_FORMAT, RunConfigRecordSchema, StepRecordSchema, SummaryRecordSchema, type RunConfigRecord, type StepRecord, type SummaryRecord } from '../records.js';
import { RUN_FILES } from '../run-dir.js';
import { RunStats } from '../run-stats.js';
import { readStepFile } from './step-reader.js';
import { readRegularText } from './read-file.js';

/**
 * Reading run directories back, for `simenv report`. A run killed before its summary still
 * loads: its figures are recomputed from `step.jsonl` with the same accumulator the runner
 * uses, and its status reads `unfinished`.
 */

/** A run as the report sees it. */
export interface LoadedRun {
  dir: string;
  id: string;
  config: RunConfigRecord | null;
  /** The written summary, or one derived from `step.jsonl` (status `unfinished`). */
  summary: SummaryRecord | ReportSummary;
  /** Whether `summary.json` was there. */
  finished: boolean;
  /** Step records, when loaded (`withSteps`). */
  steps: StepRecord[] | null;
  /** Lines or files that did not parse (the report shows them, it does not fail on them). */
  problems: string[];
}

/** A summary derived from steps for a run without `summary.json`. */
export type ReportSummary = Omit<SummaryRecord, 'status'> & { status: 'unfinished' };

function parseJsonFile<T>(path: string, schema: z.ZodType<T>, problems: string[]): T | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readRegularText(path));
  } catch (err) {
    problems.push(`${basename(path)}: could not be read as JSON (${(err as Error).message})`);
    return null;
  }
  return parseNoted(schema, raw, (i) => `${basename(path)}: at ${issuePath(i, '(root)')}: ${i.message}`, problems);
}

/** `schema`'s value for `raw`, or null with the first issue, as `describe` words it, noted in `problems`. */
function parseNoted<T>(schema: z.ZodType<T>, raw: unknown, describe: (issue: SchemaIssue) => string, problems: string[]): T | null {
  try {
    return parse(schema, raw, (issue) => new SimEnvError('RUN_RECORD', describe(issue)));
  } catch (err) {
    if (!(err instanceof SimEnvError)) throw err;
    problems.push(err.message);
    return null;
  }
}

/**
 * Parse `step.jsonl` text: one record per complete line. A last line without its newline (a
 * writer that died mid-write, which simenv's writer cannot do) is reported and skipped.
 */
export function parseStepLines(text: string, problems: string[] = []): StepRecord[] {
  const out: StepRecord[] = [];
  const lines = text.split('\n');
  const last = lines.pop();
  if (last !== undefined && last !== '') problems.push(`step.jsonl: last line has no newline (${last.length} bytes), skipped`);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      problems.push(`step.jsonl line ${i + 1}: expected JSON, got ${line.slice(0, 40)}...`);
      continue;
    }
    const record = parseNoted(StepRecordSchema, raw, (iss) => `step.jsonl line ${i + 1}: at ${issuePath(iss)}: ${iss.message}`, problems);
    if (record) out.push(record);
  }
  return out;
}

/** The summary of a run without one, fed record by record (no step kept). */
export class StepSummarizer {
  private readonly stats = new RunStats();
  private episode = -1;
  private readonly seeds: readonly number[];

  constructor(private readonly config: RunConfigRecord | null) {
    this.seeds = config?.episodeSeeds ?? [];
  }

  /** Add the next record of step.jsonl. */
  add(r: StepRecord): void {
    const stats = this.stats;
    if (r.step === 0) {
      if (stats.inEpisode) stats.endEpisode(false);
      this.episode = r.episode;
      stats.beginEpisode(r.episode, this.seeds[r.episode] ?? 0, r.timeS, r.observation.desired);
      return;
    }
    if (r.episode !== this.episode || !r.reward || !r.service || !stats.inEpisode) return;
    stats.addStep(
      {
        timeS: r.timeS,
        applied: r.applied ?? r.observation.desired,
        reward: r.reward,
        sloViolated: r.service.sloViolated,
        violationS: r.service.violationS,
        windowS: r.service.windowS,
        cpuSeconds: r.service.cpuSeconds,
        ready: r.observation.ready,
        demand: r.service.demand,
        desired: r.observation.desired,
      },
      r.terminated,
      r.truncated,
    );
    if (r.terminated || r.truncated) stats.endEpisode(true);
  }

  /** The summary of what was added (status `unfinished`). */
  summary(id: string): ReportSummary {
    const stats = this.stats;
    const config = this.config;
    if (stats.inEpisode) stats.endEpisode(false);
    const t = stats.totals();
    return {
      format: RUN_RECORD_FORMAT,
      run: id,
      status: 'unfinished',
      error: null,
      signal: null,
      agent: config?.agent ?? { name: '?', params: {} },
      seed: config?.seed ?? 0,
      backend: config?.backend ?? 'memory',
      deployment: config?.deployment ?? '?',
      trace: config?.trace.path ?? null,
      mode: config?.mode ?? 'multi-step',
      episodesRequested: config?.episodes ?? t.perEpisode.length,
      episodes: t.episodes,
      steps: t.steps,
      reward: t.reward,
      slo: t.slo,
      cost: t.cost,
      churn: t.churn,
      wallTimeS: 0,
      stepsPerSecond: null,
      startedAt: config?.createdAt ?? '',
      endedAt: '',
      perEpisode: t.perEpisode,
    };
  }
}

/** Load one run directory; UsageError when `dir` is not a run directory at all. */
export function loadRun(dir: string, opts: { withSteps?: boolean } = {}): LoadedRun {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new UsageError(`expected a run directory, got ${dir} (${existsSync(abs) ? 'not a directory' : 'no such directory'})`, {
      hint: 'pass directories written by `simenv run` or `simenv eval`, e.g. runs/<run-id>',
    });
  }
  const has = (f: string): boolean => existsSync(join(abs, f));
  if (!has(RUN_FILES.config) && !has(RUN_FILES.steps) && !has(RUN_FILES.summary)) {
    throw new UsageError(`expected a run directory with config.json, step.jsonl or summary.json, got ${dir} with none of them`, {
      hint: 'pass directories written by `simenv run` or `simenv eval`, e.g. runs/<run-id>',
    });
  }
  const problems: string[] = [];
  const config = has(RUN_FILES.config) ? parseJsonFile(join(abs, RUN_FILES.config), RunConfigRecordSchema, problems) : null;
  const written = has(RUN_FILES.summary) ? parseJsonFile(join(abs, RUN_FILES.summary), SummaryRecordSchema, problems) : null;
  const id = config?.run ?? written?.run ?? basename(abs);
  // step.jsonl is read line by line: only the records asked for (withSteps) are kept; the
  // summary of an unfinished run is accumulated on the way.
  const steps: StepRecord[] | null = opts.withSteps === true ? [] : null;
  const summarizer = written === null ? new StepSummarizer(config) : null;
  if ((steps !== null || summarizer !== null) && has(RUN_FILES.steps)) {
    try {
      readStepFile(join(abs, RUN_FILES.steps), (r) => {
        steps?.push(r);
        summarizer?.add(r);
      }, problems);
    } catch (err) {
      problems.push(`step.jsonl: could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return {
    dir: abs,
    id,
    config,
    summary: written ?? summarizer!.summary(id),
    finished: written !== null,
    steps,
    problems,
  };
}
