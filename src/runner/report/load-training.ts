import { existsSync } from 'node:fs';
import { readJsonNoted, readRegularText } from './read-file.js';
import { basename, dirname, join, resolve } from 'node:path';
import { TrainConfigRecordSchema, TrainLogRecordSchema, TrainSummaryRecordSchema, type TrainConfigRecord, type TrainLogRecord, type TrainSummaryRecord } from '../train/train-records.js';

/**
 * Reading a training directory (`simenv train --out DIR`) back for the report and its learning
 * curves: train.json, every train.jsonl line, and summary.json when training ended (a training
 * still running or killed has none: its status reads `unfinished`).
 */

/** A training directory as the report sees it. */
export interface LoadedTraining {
  dir: string;
  /** The directory name (`ppo-1`). */
  id: string;
  config: TrainConfigRecord | null;
  summary: TrainSummaryRecord | null;
  status: 'completed' | 'interrupted' | 'failed' | 'unfinished';
  log: TrainLogRecord[];
  /** Scenario name and split, when trained with --scenario. */
  scenario: string | null;
  split: string | null;
  problems: string[];
}

/** Load one training directory (found by find-dirs.ts). Damaged lines and files are noted in `problems`. */
export function loadTraining(dir: string): LoadedTraining {
  const abs = resolve(dir);
  const problems: string[] = [];
  const parsed = <T>(file: string, schema: { safeParse(x: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } }): T | null => {
    const path = join(abs, file);
    if (!existsSync(path)) return null;
    const raw = readJsonNoted(path, problems);
    if (raw === null) return null;
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    const issue = r.error.issues[0]!;
    problems.push(`${file}: at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return null;
  };
  const config = parsed('train.json', TrainConfigRecordSchema);
  const summary = parsed('summary.json', TrainSummaryRecordSchema);
  const log: TrainLogRecord[] = [];
  const logPath = join(abs, 'train.jsonl');
  if (existsSync(logPath)) {
    let text = '';
    try {
      text = readRegularText(logPath);
    } catch (err) {
      problems.push(`train.jsonl: not read (${(err as Error).message})`);
    }
    const lines = text === '' ? [] : text.split('\n');
    const last = lines.pop();
    if (last) problems.push(`train.jsonl: last line has no newline (${last.length} bytes), skipped`);
    lines.forEach((line, i) => {
      if (line === '') return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        problems.push(`train.jsonl line ${i + 1}: expected JSON, got ${line.slice(0, 40)}...`);
        return;
      }
      const r = TrainLogRecordSchema.safeParse(raw);
      if (r.success) log.push(r.data);
      else problems.push(`train.jsonl line ${i + 1}: at ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`);
    });
  }
  const sc = config?.envOptions.scenario as { name?: unknown; split?: unknown } | undefined;
  return {
    dir: abs,
    id: trainingId(abs),
    config,
    summary,
    status: summary?.status ?? 'unfinished',
    log,
    scenario: typeof sc?.name === 'string' ? sc.name : null,
    split: typeof sc?.split === 'string' ? sc.split : null,
    problems,
  };
}

/** A training directory's name; `policy` / `step-N` name the training directory they sit in. */
export function trainingId(dir: string): string {
  return basename(dir);
}

/**
 * The short name of a policy directory: `ppo-1` for `runs/train/ppo-1/policy`,
 * `ppo-1@step-000002000` for a checkpoint, the directory name otherwise.
 */
export function policyName(policyDir: string): string {
  const abs = resolve(policyDir);
  const name = basename(abs);
  if (name === 'policy') return basename(dirname(abs));
  if (basename(dirname(abs)) === 'checkpoints') return `${basename(dirname(dirname(abs)))}@${name}`;
  return name;
}
