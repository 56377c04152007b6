import { existsSync } from 'node:fs';
import { readRegularText } from './read-file.js';
import { join } from 'node:path';
import { EVAL_FILE, EvalRecordSchema, type EvalRecord } from '../eval-report.js';
import type { LoadedRun } from './load-run.js';

/** eval.json of a run directory (written by `simenv eval`), or null; a damaged one goes to the run's problems. */
export function loadEvalRecord(run: LoadedRun): EvalRecord | null {
  const path = join(run.dir, EVAL_FILE);
  if (!existsSync(path)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readRegularText(path));
  } catch (err) {
    run.problems.push(`${EVAL_FILE}: could not be read as JSON (${(err as Error).message})`);
    return null;
  }
  const r = EvalRecordSchema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  run.problems.push(`${EVAL_FILE}: at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return null;
}
