import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SimEnvError, UsageError } from '../env/errors.js';
import { JsonlLog, writeAll, type JsonlLogOptions, type LogFlush } from './jsonl-log.js';
import type { RunConfigRecord, SummaryRecord } from './records.js';

export { BATCH_LINES, BATCH_MS, type LogFlush } from './jsonl-log.js';

/**
 * A run directory `<parent>/<run-id>/` holding `config.json`, `step.jsonl` and `summary.json`.
 *
 * Crash safety, and why it holds:
 *  - The directory is created with a plain (non-recursive) mkdir, so an existing run id fails
 *    instead of mixing two runs' records; nothing is ever overwritten.
 *  - `step.jsonl` is a JsonlLog (jsonl-log.ts): a step's line is on its way to disk, safe from a
 *    killed process, when the step returns (batched mode: when its batch is written), and no
 *    line is ever cut in half by a SIGKILL. The same writer and rule serve train.jsonl.
 *  - `config.json` and `summary.json` are written to a temporary file, fsynced and renamed
 *    over, so a reader sees either no file or a whole one.
 */

/** File names inside a run directory. */
export const RUN_FILES = { config: 'config.json', steps: 'step.jsonl', summary: 'summary.json' } as const;

/** A run directory name (the run id of config.json and step.jsonl; not the cluster label, `newClusterRunLabel`): UTC time to the second, the agent's name and 4 random hex digits (ids sort by time). */
export function newRunDirName(agentName: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const agent = agentName.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 32) || 'run';
  return `${stamp}-${agent}-${randomBytes(2).toString('hex')}`;
}

const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Throw a UsageError unless `runId` is a safe directory name. */
export function checkRunId(runId: string): void {
  if (!RUN_ID_RE.test(runId)) {
    throw new UsageError(`--run-id: expected letters, digits, '.', '_' or '-' (at most 128, not starting with a symbol), got "${runId}"`);
  }
}

/**
 * Check, before anything is created, that runs can be written under `parent` and that
 * `runId` is free there. Creates nothing: a missing `parent` is fine when its nearest
 * existing ancestor is a writable directory (RunWriter.create makes it, as `mkdir -p`).
 */
export function checkRunTarget(parent: string, runId: string): void {
  checkRunId(runId);
  const abs = resolve(parent);
  let probe = abs;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  try {
    if (!statSync(probe).isDirectory()) {
      throw new UsageError(`--out: expected a directory, got a file at ${probe === abs ? parent : probe}`, { hint: 'choose another --out' });
    }
    accessSync(probe, constants.W_OK | constants.X_OK);
  } catch (err) {
    if (err instanceof SimEnvError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(`--out: expected a writable directory, got ${parent} (${code})`, { hint: 'choose a directory you can write, or fix its permissions' });
  }
  if (existsSync(join(abs, runId))) {
    throw new UsageError(`--run-id: expected a new run id, got "${runId}", which already exists in ${parent}`, {
      hint: 'choose another --run-id or leave it out for a fresh one; runs are never overwritten',
    });
  }
}

/** Write `data` to `path` atomically: temporary file in the same directory, fsync, rename. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}


/** Options of `RunWriter.create`: how step.jsonl is written (see jsonl-log.ts). */
export type RunWriterOptions = JsonlLogOptions;

/** Writes one run's directory. Create it with `RunWriter.create`. */
export class RunWriter {
  private readonly steps: JsonlLog;
  private finished = false;

  private constructor(
    /** The run directory. */
    readonly dir: string,
    readonly runId: string,
    steps: JsonlLog,
  ) {
    this.steps = steps;
  }

  /** Create `<parent>/<run-id>/` exclusively and write `config.json`; opens `step.jsonl`. */
  static create(parent: string, config: RunConfigRecord, options: RunWriterOptions = {}): RunWriter {
    checkRunTarget(parent, config.run);
    const dir = join(resolve(parent), config.run);
    mkdirSync(resolve(parent), { recursive: true });
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new UsageError(`--run-id: expected a new run id, got "${config.run}", which already exists in ${parent}`);
      }
      throw err;
    }
    writeFileAtomic(join(dir, RUN_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
    return new RunWriter(dir, config.run, JsonlLog.open(join(dir, RUN_FILES.steps), options));
  }

  /** How lines are written. */
  get flushMode(): LogFlush {
    return this.steps.flushMode;
  }

  /** Append one complete line (ending in a newline) to `step.jsonl` (see JsonlLog.appendLine). */
  appendStepLine(line: string): void {
    if (this.steps.isClosed) throw new Error(`RunWriter: step.jsonl of ${this.runId} is closed`);
    this.steps.appendLine(line);
  }

  /** Hand buffered lines to the kernel now (batched mode). The runner calls it at every episode end and before the summary. */
  flush(): void {
    this.steps.flush();
  }

  /** Write `summary.json` atomically and close `step.jsonl` (buffered lines first). Only the first call writes. */
  finish(summary: SummaryRecord): void {
    if (this.finished) return;
    this.finished = true;
    this.closeSteps();
    writeFileAtomic(join(this.dir, RUN_FILES.summary), `${JSON.stringify(summary, null, 2)}\n`);
  }

  /** Whether `finish` has run. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** Write any buffered lines and close `step.jsonl` without a summary (a reader then sees an unfinished run). */
  closeSteps(): void {
    this.steps.close();
  }
}
