import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SimEnvError, UsageError } from '../env/errors.js';
import type { RunConfigRecord, SummaryRecord } from './records.js';

/**
 * A run directory `<parent>/<run-id>/` holding `config.json`, `step.jsonl` and `summary.json`.
 *
 * Crash safety, and why it holds:
 *  - The directory is created with a plain (non-recursive) mkdir, so an existing run id fails
 *    instead of mixing two runs' records; nothing is ever overwritten.
 *  - Each step is one complete line handed to the kernel in a single `write(2)` on a file
 *    opened with O_APPEND. The bytes then live in the page cache, which belongs to the
 *    kernel, not the process: a SIGKILL (or an uncaught error) right after loses nothing, and
 *    a kill can only land between two writes, never inside one, so the file never ends in
 *    half a line. No fsync per step: that guards against a power loss, not a dead process,
 *    and would cost more than the simulation.
 *  - `config.json` and `summary.json` are written to a temporary file, fsynced and renamed
 *    over, so a reader sees either no file or a whole one.
 */

/** File names inside a run directory. */
export const RUN_FILES = { config: 'config.json', steps: 'step.jsonl', summary: 'summary.json' } as const;

/** A run id: UTC time to the second, the agent's name and 4 random hex digits (ids sort by time). */
export function newRunId(agentName: string, now: Date = new Date()): string {
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

function writeAll(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

/** Writes one run's directory. Create it with `RunWriter.create`. */
export class RunWriter {
  private stepsFd: number | null;
  private finished = false;
  private lineBuf: Buffer = Buffer.allocUnsafe(16 * 1024);

  private constructor(
    /** The run directory. */
    readonly dir: string,
    readonly runId: string,
    stepsFd: number,
  ) {
    this.stepsFd = stepsFd;
  }

  /** Create `<parent>/<run-id>/` exclusively and write `config.json`; opens `step.jsonl`. */
  static create(parent: string, config: RunConfigRecord): RunWriter {
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
    const fd = openSync(join(dir, RUN_FILES.steps), 'a', 0o644);
    return new RunWriter(dir, config.run, fd);
  }

  /** Append one complete line (ending in a newline) to `step.jsonl`: one write(2), no buffering. */
  appendStepLine(line: string): void {
    if (this.stepsFd === null) throw new Error(`RunWriter: step.jsonl of ${this.runId} is closed`);
    // Encoding into a reused buffer is about twice as fast as handing writeSync the string
    // (which allocates a fresh buffer per call). A UTF-8 character takes at most 3 bytes
    // per UTF-16 unit, so the check below guarantees the whole line fits.
    if (line.length * 3 > this.lineBuf.length) this.lineBuf = Buffer.allocUnsafe(Math.max(line.length * 3, this.lineBuf.length * 2));
    const n = this.lineBuf.write(line, 0, 'utf8');
    const written = writeSync(this.stepsFd, this.lineBuf, 0, n);
    // A short write only happens when the disk is full; finish the line or fail loudly.
    if (written < n) writeAll(this.stepsFd, this.lineBuf.subarray(written, n));
  }

  /** Write `summary.json` atomically and close `step.jsonl`. Only the first call writes. */
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

  /** Close `step.jsonl` without a summary (a reader then sees an unfinished run). */
  closeSteps(): void {
    if (this.stepsFd !== null) {
      closeSync(this.stepsFd);
      this.stepsFd = null;
    }
  }
}
