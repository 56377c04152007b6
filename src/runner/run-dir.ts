import { randomBytes } from 'node:crypto';
import { accessSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, renameSync, statfsSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SimEnvError, UsageError } from '../env/errors.js';
import type { EpisodeSummary, RunConfigRecord, SummaryRecord } from './records.js';

/**
 * A run directory `<parent>/<run-id>/` holding `config.json`, `step.jsonl` and `summary.json`.
 *
 * Crash safety, and why it holds:
 *  - The directory is created with a plain (non-recursive) mkdir, so an existing run id fails
 *    instead of mixing two runs' records; nothing is ever overwritten.
 *  - `flush: 'step'` (the default): each step is one complete line handed to the kernel in a
 *    single `write(2)` on a file opened with O_APPEND, before the next step starts. The bytes
 *    then live in the page cache, which belongs to the kernel, not the process: a SIGKILL (or
 *    an uncaught error) right after loses nothing. No fsync per step: that guards against a
 *    power loss, not a dead process, and would cost more than the simulation.
 *  - `flush: 'batched'`: complete lines collect in memory and go to the kernel in one
 *    `write(2)` every `batchLines` lines, or when `batchMs` of wall time has passed since the
 *    last write (checked as each line arrives: no timer), and always on `flush()` (the loop
 *    calls it at every episode end), `closeSteps()`, `finish()` and process exit. A SIGKILL
 *    loses the lines not yet written: at most `batchLines - 1` lines or `batchMs` of steps.
 *  - A kill can cut a write short: Linux copies a write into the page cache one 4 KiB page
 *    (or larger folio) at a time and stops between pages when a fatal signal is pending, so
 *    a SIGKILL during a write that crosses a page boundary leaves the part before the
 *    boundary. A one-line write rarely crosses one and the window is a few hundred
 *    nanoseconds; a batch crosses dozens and takes tens of microseconds (a test that
 *    SIGKILLed a process writing 140 KB batches found 83 of 100 files ending mid-line). So
 *    both modes pad a line with spaces before its newline (JSON allows them) whenever the
 *    room left in its page is less than the longest line so far plus a margin: lines then
 *    end exactly at page boundaries, never cross them, and a write cut short ends at the end
 *    of a line, so `pandas.read_json(lines=True)` reads a killed run's file as it is.
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
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off);
    // write(2) of a non-empty buffer returns >= 1 or fails; 0 would loop forever, so it is an error.
    if (n <= 0) throw new Error(`write returned ${n} with ${buf.length - off} bytes left: the file cannot take more`);
    off += n;
  }
}

/** How `step.jsonl` lines reach the kernel (see the top of this file). */
export type LogFlush = 'step' | 'batched';

/** Options of `RunWriter.create`. */
export interface RunWriterOptions {
  /** What is logged (default `steps`); see LogLevel. */
  log?: LogLevel;
  /** `step` (default): one write(2) per line. `batched`: lines are buffered, see below. */
  flush?: LogFlush;
  /** Batched: write once this many lines are buffered (default 256). */
  batchLines?: number;
  /** Batched: write when this many ms of wall time have passed since the last write (default 200). */
  batchMs?: number;
  /** Wall clock in ms for `batchMs` (default performance.now); tests inject one. */
  clock?: () => number;
}

/** Defaults of the batched mode. */
export const BATCH_LINES = 256;
export const BATCH_MS = 200;

/** The unit in which the kernel copies a write into the page cache (the smallest page size in use). */
const PAGE = 4096;
/** Padding slack above the longest line so far: lines of one run differ by a few digits. */
const PAD_MARGIN = 128;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/** Batched writers not yet closed: their buffers are written if the process exits first. */
const openBatched = new Set<RunWriter>();
let exitHookInstalled = false;
function flushAllOnExit(): void {
  // 'exit' runs on process.exit() (e.g. the CLI's second Ctrl-C, an EPIPE on stdout), on an
  // uncaught exception and when the event loop drains; it cannot run on SIGKILL. Only
  // synchronous work is possible here, which is what flush() does.
  for (const w of openBatched) {
    try {
      w.flush();
    } catch {
      // nothing more can be done while exiting
    }
  }
}

/** Writes one run's directory. Create it with `RunWriter.create`. */
export class RunWriter {
  private stepsFd: number | null;
  /** What this writer logs. */
  readonly log: LogLevel;
  /** episode.jsonl (log level `episodes`), else null. */
  private episodesFd: number | null;
  private finished = false;
  private lineBuf: Buffer = Buffer.allocUnsafe(16 * 1024);
  private readonly batched: boolean;
  private readonly batchLines: number;
  private readonly batchMs: number;
  private readonly clock: () => number;
  /** Batched: encoded lines not yet written, `pendingBytes` of `lineBuf`. */
  private pendingBytes = 0;
  private pendingLines = 0;
  private lastWriteMs: number;
  /** Bytes in step.jsonl (written), for the page arithmetic of the padding. */
  private fileBytes = 0;
  private longestLine = 0;

  private constructor(
    /** The run directory. */
    readonly dir: string,
    readonly runId: string,
    stepsFd: number | null,
    episodesFd: number | null,
    options: RunWriterOptions,
  ) {
    this.stepsFd = stepsFd;
    this.episodesFd = episodesFd;
    this.log = options.log ?? 'steps';
    this.batched = options.flush === 'batched';
    this.batchLines = Math.max(1, options.batchLines ?? BATCH_LINES);
    this.batchMs = options.batchMs ?? BATCH_MS;
    this.clock = options.clock ?? (() => performance.now());
    this.lastWriteMs = this.clock();
    if (this.batched && stepsFd !== null) {
      this.lineBuf = Buffer.allocUnsafe(256 * 1024);
      openBatched.add(this);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', flushAllOnExit);
      }
    }
  }

  /** Create `<parent>/<run-id>/` exclusively and write `config.json`; opens `step.jsonl`. */
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
    writeFileAtomic(join(dir, RUN_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
    const log = options.log ?? 'steps';
    const stepsFd = log === 'steps' ? openSync(join(dir, RUN_FILES.steps), 'a', 0o644) : null;
    const episodesFd = log === 'episodes' ? openSync(join(dir, RUN_FILES.episodes), 'a', 0o644) : null;
    return new RunWriter(dir, config.run, stepsFd, episodesFd, options);
  }

  /** Whether step lines are wanted (log level `steps`); the run loop does not encode them otherwise. */
  get logsSteps(): boolean {
    return this.log === 'steps';
  }

  /** Append an episode's record to episode.jsonl (log level `episodes`; a no-op otherwise): one write(2) of one line. */
  appendEpisode(summary: EpisodeSummary): void {
    if (this.episodesFd === null) return;
    writeAll(this.episodesFd, `${JSON.stringify({ run: this.runId, ...summary })}\n`);
  }

  /** How lines are written. */
  get flushMode(): LogFlush {
    return this.batched ? 'batched' : 'step';
  }

  /**
   * Append one complete line (ending in a newline) to `step.jsonl`. Step mode: one write(2),
   * no buffering. Batched mode: buffered, written when the batch is full or old enough.
   */
  appendStepLine(line: string): void {
    if (this.stepsFd === null) throw new Error(`RunWriter: step.jsonl of ${this.runId} is closed`);
    if (this.batched) {
      this.bufferLine(line);
      return;
    }
    // Encoding into a reused buffer is about twice as fast as handing writeSync the string
    // (which allocates a fresh buffer per call). A UTF-8 character takes at most 3 bytes
    // per UTF-16 unit, and padToPage adds less than a page, so the check below guarantees
    // the whole padded line fits.
    const need = line.length * 3 + PAGE;
    if (need > this.lineBuf.length) this.lineBuf = Buffer.allocUnsafe(Math.max(need, this.lineBuf.length * 2));
    const n = this.padToPage(0, this.lineBuf.write(line, 0, 'utf8'));
    const written = writeSync(this.stepsFd, this.lineBuf, 0, n);
    // A short write only happens when the disk is full; finish the line or fail loudly.
    if (written < n) writeAll(this.stepsFd, this.lineBuf.subarray(written, n));
    this.fileBytes += n;
  }

  private bufferLine(line: string): void {
    // Room for the line in UTF-8 (at most 3 bytes per UTF-16 unit) plus a page of padding.
    const need = line.length * 3 + PAGE;
    if (this.pendingBytes + need > this.lineBuf.length) {
      this.flush();
      if (need > this.lineBuf.length) this.lineBuf = Buffer.allocUnsafe(Math.max(need, this.lineBuf.length * 2));
    }
    const start = this.pendingBytes;
    const n = this.lineBuf.write(line, start, 'utf8');
    this.pendingBytes = start + this.padToPage(start, n);
    this.pendingLines++;
    if (this.pendingLines >= this.batchLines || this.clock() - this.lastWriteMs >= this.batchMs) this.flush();
  }

  /**
   * Pad the line of `n` bytes at `lineBuf[start]` with spaces before its newline (JSON allows
   * them) when the room left in its file page is less than the longest line so far plus a
   * margin, so that the NEXT line starts on a fresh page and no line ever crosses a page
   * boundary (why: see the top of this file). Returns the padded length. Only a line that
   * ends in a newline can take the spaces in front of it.
   */
  private padToPage(start: number, n: number): number {
    let end = start + n;
    if (n > this.longestLine) this.longestLine = n;
    const room = PAGE - ((this.fileBytes + end) % PAGE);
    if (room < PAGE && room < this.longestLine + PAD_MARGIN && n > 0 && this.lineBuf[end - 1] === NEWLINE) {
      this.lineBuf.fill(SPACE, end - 1, end - 1 + room);
      end += room;
      this.lineBuf[end - 1] = NEWLINE;
    }
    return end - start;
  }

  /**
   * Hand the buffered lines to the kernel now (batched mode; a no-op in step mode). The
   * runner calls it at every episode end and before the summary.
   */
  flush(): void {
    if (this.pendingBytes === 0 || this.stepsFd === null) return;
    const n = this.pendingBytes;
    // Forget the batch before writing: if the write fails (disk full), the error surfaces
    // once and a later flush does not append the same lines again behind a partial copy.
    this.pendingBytes = 0;
    this.pendingLines = 0;
    writeAll(this.stepsFd, this.lineBuf.subarray(0, n));
    this.fileBytes += n;
    this.lastWriteMs = this.clock();
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
    if (this.episodesFd !== null) {
      closeSync(this.episodesFd);
      this.episodesFd = null;
    }
    if (this.stepsFd !== null) {
      try {
        this.flush();
      } finally {
        closeSync(this.stepsFd);
        this.stepsFd = null;
        openBatched.delete(this);
      }
    }
  }
}
