import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { writeError } from './write-error.js';

/**
 * The one JSONL writer of every run log (`step.jsonl`, `train.jsonl`), with one durability
 * rule: a record is durable against the death of the process as soon as `append` returns,
 * not against the loss of the machine (no fsync). Why that holds:
 *  - `flush: 'step'` (the default): each record is one complete line handed to the kernel in a
 *    single `write(2)` on a file opened with O_APPEND, before `append` returns. The bytes
 *    then live in the page cache, which belongs to the kernel, not the process: a SIGKILL (or
 *    an uncaught error) right after loses nothing. No fsync per record: that guards against a
 *    power loss, not a dead process, and would cost more than the simulation.
 *  - `flush: 'batched'` (step.jsonl's `--log-flush batched`): complete lines collect in memory
 *    and go to the kernel in one `write(2)` every `batchLines` lines, or when `batchMs` of
 *    wall time has passed since the last write (checked as each line arrives: no timer), and
 *    always on `flush()`, `close()` and process exit. A SIGKILL loses the lines not yet
 *    written: at most `batchLines - 1` lines or `batchMs` of records.
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
 */

/** How lines reach the kernel: one write per line, or batched (see above). */
export type LogFlush = 'step' | 'batched';

/** Options of `JsonlLog.open`. */
export interface JsonlLogOptions {
  /** `step` (default): one write(2) per line. `batched`: lines are buffered, see above. */
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
/** Padding slack above the longest line so far: lines of one log differ by a few digits. */
const PAD_MARGIN = 128;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/** Batched logs not yet closed: their buffers are written if the process exits first. */
const openBatched = new Set<JsonlLog>();
let exitHookInstalled = false;
function flushAllOnExit(): void {
  // 'exit' runs on process.exit() (e.g. the CLI's second Ctrl-C, an EPIPE on stdout), on an
  // uncaught exception and when the event loop drains; it cannot run on SIGKILL. Only
  // synchronous work is possible here, which is what flush() does.
  for (const log of openBatched) {
    try {
      log.flush();
    } catch {
      // nothing more can be done while exiting
    }
  }
}

/** Write all of `buf` to `fd` (a short write only happens when the disk is full). */
export function writeAll(fd: number, data: string | Buffer): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off);
    // write(2) of a non-empty buffer returns >= 1 or fails; 0 would loop forever, so it is an error.
    if (n <= 0) throw new Error(`write returned ${n} with ${buf.length - off} bytes left: the file cannot take more`);
    off += n;
  }
}

/** An append-only JSONL file. Open it with `JsonlLog.open`. */
export class JsonlLog {
  private fd: number | null;
  private lineBuf: Buffer = Buffer.allocUnsafe(16 * 1024);
  private readonly batched: boolean;
  private readonly batchLines: number;
  private readonly batchMs: number;
  private readonly clock: () => number;
  /** Batched: encoded lines not yet written, `pendingBytes` of `lineBuf`. */
  private pendingBytes = 0;
  private pendingLines = 0;
  private lastWriteMs: number;
  /** Bytes in the file (written), for the page arithmetic of the padding. */
  private fileBytes = 0;
  private longestLine = 0;
  /** Lines handed to `appendLine` whose bytes never reached the file (a failed batch write). */
  private lostLines = 0;

  private constructor(
    /** The file. */
    readonly path: string,
    fd: number,
    options: JsonlLogOptions,
  ) {
    this.fd = fd;
    // Appending to an existing file: the page arithmetic and the cut-back start at its end.
    this.fileBytes = fstatSync(fd).size;
    this.batched = options.flush === 'batched';
    this.batchLines = Math.max(1, options.batchLines ?? BATCH_LINES);
    this.batchMs = options.batchMs ?? BATCH_MS;
    this.clock = options.clock ?? (() => performance.now());
    this.lastWriteMs = this.clock();
    if (this.batched) {
      this.lineBuf = Buffer.allocUnsafe(256 * 1024);
      openBatched.add(this);
      if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on('exit', flushAllOnExit);
      }
    }
  }

  /** Open (create or append to) `path`. */
  static open(path: string, options: JsonlLogOptions = {}): JsonlLog {
    let fd: number;
    try {
      fd = openSync(path, 'a', 0o644);
    } catch (err) {
      throw writeError(path, err);
    }
    return new JsonlLog(path, fd, options);
  }

  /** How lines are written. */
  get flushMode(): LogFlush {
    return this.batched ? 'batched' : 'step';
  }

  /** Whether `close` has run. */
  get isClosed(): boolean {
    return this.fd === null;
  }

  /** Append one record as a JSON line. */
  append(record: unknown): void {
    this.appendLine(`${JSON.stringify(record)}\n`);
  }

  /**
   * Append one complete line (ending in a newline). Step mode: one write(2), no buffering.
   * Batched mode: buffered, written when the batch is full or old enough.
   */
  appendLine(line: string): void {
    if (this.fd === null) throw new Error(`JsonlLog: ${this.path} is closed`);
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
    try {
      const written = writeSync(this.fd, this.lineBuf, 0, n);
      // A short write only happens when the disk is full; finish the line or fail loudly.
      if (written < n) writeAll(this.fd, this.lineBuf.subarray(written, n));
    } catch (err) {
      this.cutBackAfterFailedWrite(1);
      throw writeError(this.path, err);
    }
    this.fileBytes += n;
  }

  /**
   * After a failed write: cut the file back to its last whole line (a short write may have
   * left part of the line or batch) and count the lines lost, so nothing reads a torn line
   * and a summary can leave out what is not on disk.
   */
  private cutBackAfterFailedWrite(lines: number): void {
    this.lostLines += lines;
    try {
      if (this.fd !== null) ftruncateSync(this.fd, this.fileBytes);
    } catch {
      // the file keeps a torn tail; readers skip a last line without a newline
    }
  }

  /** Lines appended that are not in the file: buffered (batched mode) or lost to a failed write. */
  get unwrittenLines(): number {
    return this.pendingLines + this.lostLines;
  }

  /** The most lines this log can hold unwritten at a time (0 in step mode). */
  get maxUnwrittenLines(): number {
    return this.batched ? this.batchLines : 0;
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
   * Pad the line of `n` bytes at `lineBuf[start]` with spaces before its newline when the
   * room left in its file page is less than the longest line so far plus a margin, so that
   * the NEXT line starts on a fresh page and no line ever crosses a page boundary (why: see
   * the top of this file). Returns the padded length. Only a line that ends in a newline can
   * take the spaces in front of it.
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

  /** Hand the buffered lines to the kernel now (batched mode; a no-op in step mode). */
  flush(): void {
    if (this.pendingBytes === 0 || this.fd === null) return;
    const n = this.pendingBytes;
    const lines = this.pendingLines;
    // Forget the batch before writing: if the write fails (disk full), the error surfaces
    // once and a later flush does not append the same lines again behind a partial copy;
    // the file is cut back to its last whole line and the batch's lines counted as lost.
    this.pendingBytes = 0;
    this.pendingLines = 0;
    try {
      writeAll(this.fd, this.lineBuf.subarray(0, n));
    } catch (err) {
      this.cutBackAfterFailedWrite(lines);
      throw writeError(this.path, err);
    }
    this.fileBytes += n;
    this.lastWriteMs = this.clock();
  }

  /** Write any buffered lines and close the file. Only the first call does anything. */
  close(): void {
    if (this.fd === null) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = null;
      openBatched.delete(this);
    }
  }
}
