import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { ApplicationSummaryRecordSchema, type ApplicationSummaryRecord, type EpisodeSummary } from '../records.js';
import { RUN_FILES } from '../run-dir.js';
import { readJsonNoted, readRegularText } from './read-file.js';
import { readStepFile } from './step-reader.js';

/**
 * Reading back an application run (`simenv run --deploy a,b,c`, runner/application-run.ts):
 * config.json with `env.deployments`, summary.json (ApplicationSummaryRecordSchema in
 * runner/records.ts: per episode the totals and each deployment's exact sums) and step.jsonl
 * whose lines hold the step's totals and, per deployment, columns named
 * `<namespace/name>.<field>`. The report keeps the per-deployment columns it draws and
 * tabulates, one array per deployment and field (application-table.ts reads them).
 */

/** Per-deployment step columns the report keeps (a subset of APPLICATION_STEP_FIELDS). */
export const KEPT_FIELDS = ['applied', 'desired', 'ready', 'demand', 'served', 'latencyMs', 'reward'] as const;
export type KeptField = (typeof KEPT_FIELDS)[number];

/** One step line's fixed part; the per-deployment columns ride along (catchall). */
const ApplicationStepLineSchema = z
  .object({
    episode: z.number().int().nonnegative(),
    step: z.number().int().nonnegative(),
    timeS: z.number(),
    reward: z.number(),
    slo: z.number(),
    cost: z.number(),
    churn: z.number(),
    terminated: z.boolean(),
    truncated: z.boolean(),
  })
  .catchall(z.unknown());
type ApplicationStepLine = z.infer<typeof ApplicationStepLineSchema>;

/** An episode's totals: summary.json's `perEpisode` entry, or summed from step.jsonl (a run killed before its summary). */
export type ApplicationEpisode = Pick<EpisodeSummary, 'episode' | 'seed' | 'steps' | 'complete' | 'reward'>;

/** An application run as the report sees it. */
export interface LoadedApplicationRun {
  dir: string;
  id: string;
  deployments: string[];
  /** config.json as written (null when missing or unreadable). */
  config: Record<string, unknown> | null;
  agent: string;
  status: string;
  /** Whether summary.json was there and read. */
  finished: boolean;
  /** summary.json as parsed (null when missing, unreadable or of another shape: the figures then come from step.jsonl). */
  summary: ApplicationSummaryRecord | null;
  episodesRequested: number | null;
  episodes: ApplicationEpisode[];
  stepSeconds: number | null;
  sloLatencyMs: number | null;
  churnWeight: number | null;
  /** Step lines (reset lines included): their episode, step and time. */
  steps: { episode: number[]; step: number[]; timeS: number[] };
  /** Per deployment, per kept field, one value per step line (NaN where a line lacks it). */
  columns: Map<string, Record<KeptField, number[]>>;
  problems: string[];
}

const record = (x: unknown): Record<string, unknown> | null => (typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null);
const stringList = (x: unknown): string[] | null => (Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === 'string') ? (x as string[]) : null);
const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** The deployments of an application run directory, or null when `dir` holds a single-deployment run (or none). */
export function applicationDeployments(dir: string): string[] | null {
  const read = (file: string): Record<string, unknown> | null => {
    const path = join(dir, file);
    if (!existsSync(path)) return null;
    try {
      return record(JSON.parse(readRegularText(path)));
    } catch {
      // unreadable: not evidence either way; the run loader reports it
      return null;
    }
  };
  const config = read(RUN_FILES.config);
  // A single-deployment run's config.json names its deployment: its summary (the larger file, which loadRun reads) need not be read here too.
  if (typeof config?.deployment === 'string') return null;
  return stringList(read(RUN_FILES.summary)?.deployments) ?? stringList(record(config?.env)?.deployments);
}

/** Load an application run directory (`deployments` from applicationDeployments). */
export function loadApplicationRun(dir: string, deployments: readonly string[]): LoadedApplicationRun {
  const abs = resolve(dir);
  const problems: string[] = [];
  const has = (f: string): boolean => existsSync(join(abs, f));
  const config = has(RUN_FILES.config) ? record(readJsonNoted(join(abs, RUN_FILES.config), problems)) : null;
  const rawSummary = has(RUN_FILES.summary) ? readJsonNoted(join(abs, RUN_FILES.summary), problems) : null;
  const parsedSummary = rawSummary === null ? null : ApplicationSummaryRecordSchema.safeParse(rawSummary);
  if (parsedSummary && !parsedSummary.success) problems.push(`summary.json: at ${parsedSummary.error.issues[0]!.path.join('.') || '(root)'}: ${parsedSummary.error.issues[0]!.message}`);
  const summary = parsedSummary?.success ? parsedSummary.data : null;
  const env = record(config?.env);
  const agentRec = record(config?.agent);
  const columns = new Map<string, Record<KeptField, number[]>>();
  for (const d of deployments) columns.set(d, Object.fromEntries(KEPT_FIELDS.map((f) => [f, [] as number[]])) as unknown as Record<KeptField, number[]>);
  // Each column's key `<deployment>.<field>`, built once rather than per line.
  const keyed = [...columns].map(([d, cols]) => ({ cols, keys: KEPT_FIELDS.map((f) => `${d}.${f}`) }));
  const steps = { episode: [] as number[], step: [] as number[], timeS: [] as number[] };
  // Episodes summed from the step lines: the figures of a run killed before its summary.
  const summed = new Map<number, ApplicationEpisode>();
  const missing = new Set<string>();
  if (has(RUN_FILES.steps)) {
    try {
      readStepFile<ApplicationStepLine>(
        join(abs, RUN_FILES.steps),
        (r) => {
          steps.episode.push(r.episode);
          steps.step.push(r.step);
          steps.timeS.push(r.timeS);
          for (const { cols, keys } of keyed) {
            KEPT_FIELDS.forEach((f, i) => {
              const v = num(r[keys[i]!]);
              if (v === null) missing.add(keys[i]!);
              cols[f].push(v ?? Number.NaN);
            });
          }
          let e = summed.get(r.episode);
          if (!e) summed.set(r.episode, (e = { episode: r.episode, seed: 0, steps: 0, complete: false, reward: { total: 0, slo: 0, cost: 0, churn: 0 } }));
          if (r.step > 0) {
            e.steps++;
            e.reward.total += r.reward;
            e.reward.slo += r.slo;
            e.reward.cost += r.cost;
            e.reward.churn += r.churn;
          }
          if (r.terminated || r.truncated) e.complete = true;
        },
        problems,
        ApplicationStepLineSchema,
      );
    } catch (err) {
      problems.push(`step.jsonl: could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  if (missing.size > 0) problems.push(`step.jsonl: column${missing.size === 1 ? '' : 's'} ${[...missing].slice(0, 4).join(', ')}${missing.size > 4 ? ` and ${missing.size - 4} more` : ''} missing or not a number on some lines`);
  const seeds = Array.isArray(config?.seeds) ? (config.seeds as unknown[]) : [];
  const episodes: ApplicationEpisode[] = summary
    ? summary.perEpisode.map(({ episode, seed, steps, complete, reward }) => ({ episode, seed, steps, complete, reward }))
    : [...summed.values()].map((e) => ({ ...e, seed: num(seeds[e.episode]) ?? 0 }));
  return {
    dir: abs,
    id: summary?.run ?? (typeof config?.run === 'string' ? config.run : basename(abs)),
    deployments: [...deployments],
    config,
    agent: typeof agentRec?.agent === 'string' ? agentRec.agent : typeof agentRec?.name === 'string' ? agentRec.name : '?',
    status: summary?.status ?? 'unfinished',
    finished: summary !== null,
    summary,
    episodesRequested: Array.isArray(config?.seeds) ? config.seeds.length : null,
    episodes,
    stepSeconds: num(env?.stepSeconds),
    sloLatencyMs: num(record(env?.service)?.sloLatencyMs),
    churnWeight: num(record(env?.reward)?.churn),
    steps,
    columns,
    problems,
  };
}
