import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statfsSync, statSync, unlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { SimEnvError, UsageError } from '../env/errors.js';
import { JsonlLog, writeAll, type JsonlLogOptions, type LogFlush } from './jsonl-log.js';
import { writeError } from './write-error.js';
import type { EpisodeSummary, RunConfigRecord, SummaryRecord } from './records.js';

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
export const RUN_FILES = { config: 'config.json', steps: 'step.jsonl', episodes: 'episode.jsonl', summary: 'summary.json' } as const;

/**
 * What a run logs besides config.json and summary.json: `steps` (default) one step.jsonl line
 * per step; `episodes` one episode.jsonl line per finished episode (its summary figures, as in
 * summary.json's perEpisode) and no step.jsonl; `none` neither.
 */
export type LogLevel = 'steps' | 'episodes' | 'none';

/**
 * A run directory name (the run id of config.json and step.jsonl; not the cluster label,
 * `newClusterRunLabel`): UTC time to the second, the agent's name and 8 random hex digits (ids
 * sort by time; 32 random bits, so runs started in the same second by a sweep do not collide:
 * 16 bits gave even odds of a collision at ~300 runs per second).
 */
export function newRunDirName(agentName: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const agent = agentName.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 32) || 'run';
  return `${stamp}-${agent}-${randomBytes(4).toString('hex')}`;
}

const RUN_ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Throw a UsageError unless `runId` is a safe directory name. */
export function checkRunId(runId: string): void {
  if (!RUN_ID_RE.test(runId)) {
    throw new UsageError(`--run-id: expected letters, digits, '.', '_' or '-' (at most 128, not starting with a symbol), got "${runId}"`);
  }
}

/** A path as the user would type it: relative to the working directory when shorter. */
export function shownPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && rel.length < path.length ? rel : path;
}

/** A run id short and plain enough to label the kube backend's objects with (a label value), else null. */
export function kubeRunLabel(runId: string): string | null {
  return /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(runId) ? runId : null;
}

/**
 * Kernel pseudo-filesystems (statfs f_type) that hold no user files. Root passes access(W_OK)
 * on them, and mkdir there fails in ways (ENOENT on /proc) that Node's recursive mkdir retries
 * forever, so they are refused up front by name.
 */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
]);

/** The pseudo-filesystem `path` (which exists) lives on, or null. */
function pseudoFsOf(path: string): string | null {
  try {
    return PSEUDO_FS.get(Number(statfsSync(path).type)) ?? null;
  } catch {
    return null;
  }
}

/**
 * `mkdir -p` with a bound: creates the missing ancestors of `dir` top down, one plain mkdir
 * each (at most one per path component), so a filesystem that answers ENOENT forever fails
 * once instead of looping as `mkdirSync(.., { recursive: true })` does on /proc.
 * UsageError naming `shown` (the --out as typed) when a level cannot be made.
 */
export function mkdirParents(dir: string, shown: string = dir): void {
  const missing: string[] = [];
  let p = resolve(dir);
  while (!existsSync(p) && dirname(p) !== p) {
    missing.push(p);
    p = dirname(p);
  }
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'EEXIST' && statSync(level).isDirectory()) continue;
      throw new UsageError(`--out: expected a directory that can be created, got ${shown} (mkdir ${level}: ${code})`, { hint: 'choose another --out' });
    }
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
    const pseudo = pseudoFsOf(probe);
    if (pseudo !== null) {
      throw new UsageError(`--out: expected a directory on a disk filesystem, got ${parent} (${probe} is the kernel's ${pseudo} pseudo-filesystem)`, {
        hint: 'choose another --out, e.g. runs',
      });
    }
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

/**
 * Throw a UsageError unless `path` is free or a regular file: writeFileAtomic replaces only
 * those. `flag` (e.g. `--html`) prefixes the message when the path came from one.
 */
export function checkReplaceable(path: string, flag?: string): void {
  let existing;
  try {
    existing = lstatSync(path);
  } catch {
    return;
  }
  if (existing.isFile()) return;
  const kind = existing.isSymbolicLink() ? 'a symbolic link' : existing.isDirectory() ? 'a directory' : existing.isFIFO() ? 'a FIFO' : existing.isSocket() ? 'a socket' : 'a device';
  throw new UsageError(`${flag ? `${flag}: ` : ''}expected a regular file (or none) to write, got ${kind} at ${path}`, {
    hint: 'choose another path: simenv only replaces regular files',
  });
}

/**
 * Write `data` to `path` atomically: temporary file in the same directory, fsync, rename. The
 * rule for every file simenv writes whole (config, summary, eval.json, train.json, the HTML
 * report): a reader sees the old file or the new one, never half of one; a failed write
 * removes its temporary file and throws a one-line error naming the path (writeError). Only a
 * regular file (or nothing) is replaced: a device, FIFO, directory or symlink at `path` is
 * refused (UsageError), so `--html /dev/null` cannot replace /dev/null.
 */
export function writeFileAtomic(path: string, data: string): void {
  checkReplaceable(path);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    const fd = openSync(tmp, 'wx', 0o644);
    try {
      writeAll(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw writeError(path, err);
  }
}


/** Options of `RunWriter.create`: what is logged, and how step.jsonl is written (see jsonl-log.ts). */
export interface RunWriterOptions extends JsonlLogOptions {
  /** What is logged (default `steps`); see LogLevel. */
  log?: LogLevel;
}

/** Writes one run's directory. Create it with `RunWriter.create`. */
export class RunWriter {
  /** step.jsonl (log level `steps`), else null. */
  private readonly steps: JsonlLog | null;
  /** episode.jsonl (log level `episodes`), else null. */
  private readonly episodes: JsonlLog | null;
  /** What this writer logs. */
  readonly log: LogLevel;
  private readonly flushChoice: LogFlush;
  private finished = false;

  private constructor(
    /** The run directory. */
    readonly dir: string,
    readonly runId: string,
    steps: JsonlLog | null,
    episodes: JsonlLog | null,
    options: RunWriterOptions,
  ) {
    this.steps = steps;
    this.episodes = episodes;
    this.log = options.log ?? 'steps';
    this.flushChoice = options.flush ?? 'step';
  }

  /** Create `<parent>/<run-id>/` exclusively and write `config.json`; opens the log its level asks for. */
  static create(parent: string, config: RunConfigRecord, options: RunWriterOptions = {}): RunWriter {
    checkRunTarget(parent, config.run);
    const dir = join(resolve(parent), config.run);
    mkdirParents(parent);
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new UsageError(`--run-id: expected a new run id, got "${config.run}", which already exists in ${parent}`);
      }
      throw err;
    }
    const log = options.log ?? 'steps';
    try {
      writeFileAtomic(join(dir, RUN_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
      const steps = log === 'steps' ? JsonlLog.open(join(dir, RUN_FILES.steps), options) : null;
      // Episode lines are few: one write per line, the step mode of the same writer.
      const episodes = log === 'episodes' ? JsonlLog.open(join(dir, RUN_FILES.episodes), { flush: 'step' }) : null;
      return new RunWriter(dir, config.run, steps, episodes, options);
    } catch (err) {
      // Nothing ran yet: leave no empty or config-only run directory behind (a full disk, EROFS).
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Whether step lines are wanted (log level `steps`); the run loop does not encode them otherwise. */
  get logsSteps(): boolean {
    return this.log === 'steps';
  }

  /** Append an episode's record to episode.jsonl (log level `episodes`; a no-op otherwise). */
  appendEpisode(summary: EpisodeSummary): void {
    if (this.episodes === null) return;
    this.episodes.appendLine(`${JSON.stringify({ run: this.runId, ...summary })}\n`);
  }

  /** How lines are written. */
  get flushMode(): LogFlush {
    return this.steps?.flushMode ?? this.flushChoice;
  }

  /** Append one complete line (ending in a newline) to `step.jsonl` (see JsonlLog.appendLine). */
  appendStepLine(line: string): void {
    if (this.steps === null || this.steps.isClosed) throw new Error(`RunWriter: step.jsonl of ${this.runId} is closed`);
    this.steps.appendLine(line);
  }

  /** step.jsonl lines appended but not in the file (buffered, or lost to a failed write). */
  get unwrittenStepLines(): number {
    return this.steps?.unwrittenLines ?? 0;
  }

  /** The most step.jsonl lines that can be unwritten at a time (0 when each line is written at once). */
  get maxUnwrittenStepLines(): number {
    return this.steps?.maxUnwrittenLines ?? 0;
  }

  /** Hand buffered lines to the kernel now (batched mode). The runner calls it at every episode end and before the summary. */
  flush(): void {
    this.steps?.flush();
  }

  /** Write `summary.json` atomically and close the logs (buffered lines first). Only the first call writes. */
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

  /** Write any buffered lines and close the logs without a summary (a reader then sees an unfinished run). */
  closeSteps(): void {
    this.episodes?.close();
    this.steps?.close();
  }
}
