import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../env/errors.js';
import { RUN_FILES } from '../run-dir.js';

/**
 * What `simenv report` (and examples/analysis.ipynb, with the same rules) is pointed at: run
 * directories (`simenv run` / `simenv eval`), training directories (`simenv train --out`), or
 * any directory holding them, nested to any depth. The rules, in order, per directory:
 *
 *  1. `train.json` or `train.jsonl` in it: a training directory (its summary.json is a training
 *     summary, not a run's; its policy/ and checkpoints/ are not searched).
 *  2. `config.json`, `step.jsonl`, `episode.jsonl` or `summary.json` in it: a run directory.
 *  3. Otherwise its subdirectories are searched (sorted by name; hidden ones skipped).
 */

/** Files that make a directory a training directory. */
export const TRAINING_MARKERS = ['train.json', 'train.jsonl'] as const;

/** Search depth below each argument: deep enough for `study/<scenario>/<split>/<run>`, bounded for `/`. */
const MAX_DEPTH = 6;

export type DirKind = 'run' | 'training' | 'other';

/** What kind of directory `dir` is (rules 1 and 2 above). */
export function dirKind(dir: string): DirKind {
  if (TRAINING_MARKERS.some((f) => existsSync(join(dir, f)))) return 'training';
  if (Object.values(RUN_FILES).some((f) => existsSync(join(dir, f)))) return 'run';
  return 'other';
}

/** The run and training directories `dirs` stand for. */
export interface FoundDirs {
  runs: string[];
  trainings: string[];
}

const HINT = 'pass directories written by `simenv run`, `simenv eval` or `simenv train`, or a directory holding them (e.g. runs/)';

/** The run and training directories `dirs` stand for, each once, in argument then name order. */
export function findReportDirs(dirs: readonly string[]): FoundDirs {
  const found: FoundDirs = { runs: [], trainings: [] };
  // Directory -> how many run and training directories it holds (itself included), so a
  // directory named again, or holding only directories already named, still counts as valid.
  const seen = new Map<string, number>();
  const walk = (shown: string, depth: number): number => {
    const abs = resolve(shown);
    const known = seen.get(abs);
    if (known !== undefined) return known;
    seen.set(abs, 0);
    const kind = dirKind(abs);
    let n = 0;
    if (kind === 'run') {
      found.runs.push(shown);
      n = 1;
    } else if (kind === 'training') {
      found.trainings.push(shown);
      n = 1;
    } else if (depth < MAX_DEPTH) {
      let names: string[] = [];
      try {
        names = readdirSync(abs, { withFileTypes: true })
          .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
          .map((e) => e.name)
          .sort();
      } catch {
        // an unreadable subdirectory is not one of ours
      }
      for (const name of names) n += walk(join(shown, name), depth + 1);
    }
    seen.set(abs, n);
    return n;
  };
  for (const d of dirs) {
    const abs = resolve(d);
    if (!existsSync(abs)) throw new UsageError(`expected a run or training directory, got ${d} (no such directory)`, { hint: HINT });
    if (!statSync(abs).isDirectory()) throw new UsageError(`expected a run or training directory, got ${d} (not a directory)`, { hint: HINT });
    if (walk(d, 0) === 0) {
      throw new UsageError(`expected a run directory (config.json, step.jsonl, summary.json), a training directory (train.json) or a directory of them, got ${d} with none below it`, { hint: HINT });
    }
  }
  return found;
}
