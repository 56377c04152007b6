import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { issuePath } from '../../env/parse.js';
import { StepRecordSchema, type StepRecord } from '../records.js';

/**
 * Reading `step.jsonl` line by line with bounded memory: a fixed read buffer and at most one
 * line being assembled, so a file of any size (a 1M-step run writes ~600 MB, more than a
 * JavaScript string can hold) is read in one pass. What does not parse is noted, not fatal,
 * and the notes are bounded too: the first few by line, then a count.
 */

/** Bytes read per `read(2)`. */
const CHUNK = 1 << 20;
/** A longer line is not a step record (they are ~600 bytes): skipped unread. */
export const MAX_STEP_LINE_BYTES = 1 << 20;
/** Problems listed one by one per file before they are only counted. */
const LISTED_PROBLEMS = 20;

/** Counts of what a read skipped, beside the records it delivered. */
export interface StepReadStats {
  lines: number;
  records: number;
  /** Lines that repeat an (episode, step) already read (a log appended twice, a copy). */
  duplicates: number;
}

/** Collects problems: the first LISTED_PROBLEMS verbatim, the rest counted. */
class ProblemList {
  private more = 0;
  constructor(private readonly out: string[]) {}
  add(p: string): void {
    if (this.listed < LISTED_PROBLEMS) {
      this.out.push(p);
      this.listed++;
    } else this.more++;
  }
  private listed = 0;
  close(): void {
    if (this.more > 0) this.out.push(`step.jsonl: ${this.more} more problem line(s) not listed`);
  }
}

/**
 * Call `onRecord` for every valid record of the step log at `path`, in file order, skipping
 * (and noting in `problems`) lines that are not JSON, do not match the schema, repeat an
 * (episode, step) already read, or are cut off at the end. A `path` that is not a regular
 * file (a FIFO, a directory named step.jsonl) is noted and not opened: nothing blocks.
 * `schema` checks each line: a single-deployment run's step record by default, or another
 * line shape with an episode and a step (an application run's, load-application-run.ts).
 */
export function readStepFile(path: string, onRecord: (r: StepRecord) => void, problems?: string[]): StepReadStats;
export function readStepFile<T extends { episode: number; step: number }>(path: string, onRecord: (r: T) => void, problems: string[], schema: z.ZodType<T>): StepReadStats;
export function readStepFile<T extends { episode: number; step: number }>(
  path: string,
  onRecord: (r: T) => void,
  problems: string[] = [],
  schema: z.ZodType<T> = StepRecordSchema as unknown as z.ZodType<T>,
): StepReadStats {
  const stats: StepReadStats = { lines: 0, records: 0, duplicates: 0 };
  const st = statSync(path);
  if (!st.isFile()) {
    problems.push(`step.jsonl: expected a regular file, got ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : 'a special file'}; no steps read`);
    return stats;
  }
  const list = new ProblemList(problems);
  // O_NONBLOCK: should the file be swapped for a FIFO after the stat, open does not wait for a writer.
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) {
      problems.push('step.jsonl: expected a regular file, got something else when opened; no steps read');
      return stats;
    }
    const buf = Buffer.allocUnsafe(CHUNK);
    let partial: Buffer[] = [];
    let partialBytes = 0;
    let overlong = false;
    let current = -1;
    let lastStep = -1;
    const handle = (line: Buffer): void => {
      stats.lines++;
      const n = stats.lines;
      let text = line.toString('utf8');
      if (n === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') return;
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        list.add(`step.jsonl line ${n}: expected JSON, got ${JSON.stringify(text.slice(0, 40))}...`);
        return;
      }
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        list.add(`step.jsonl line ${n}: at ${issuePath(issue)}: ${issue.message}`);
        return;
      }
      const r = parsed.data;
      // Steps advance within an episode and each episode starts once: anything else is a
      // duplicated line (a log appended twice, a copy), never counted twice. Memory: one
      // number per episode.
      if (r.step === 0) {
        if (episodeStarts.has(r.episode)) {
          stats.duplicates++;
          skipEpisode = r.episode;
          return;
        }
        episodeStarts.add(r.episode);
        skipEpisode = -1;
        current = r.episode;
        lastStep = 0;
      } else {
        if (r.episode === skipEpisode || (r.episode === current && r.step <= lastStep)) {
          stats.duplicates++;
          return;
        }
        if (r.episode === current) lastStep = r.step;
      }
      stats.records++;
      onRecord(r);
    };
    const episodeStarts = new Set<number>();
    let skipEpisode = -1;
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, null);
      if (got === 0) break;
      let start = 0;
      for (let nl = buf.indexOf(0x0a, start); nl !== -1 && nl < got; nl = buf.indexOf(0x0a, start)) {
        if (overlong) {
          stats.lines++;
          list.add(`step.jsonl line ${stats.lines}: longer than ${MAX_STEP_LINE_BYTES} bytes, skipped`);
          overlong = false;
        } else if (partialBytes > 0) {
          partial.push(buf.subarray(start, nl));
          handle(Buffer.concat(partial));
        } else handle(buf.subarray(start, nl));
        partial = [];
        partialBytes = 0;
        start = nl + 1;
      }
      if (start < got && !overlong) {
        partialBytes += got - start;
        if (partialBytes > MAX_STEP_LINE_BYTES) {
          overlong = true;
          partial = [];
          partialBytes = 0;
        } else partial.push(Buffer.from(buf.subarray(start, got)));
      }
    }
    if (overlong || partialBytes > 0) {
      const tail = Buffer.concat(partial);
      // A tail of NULs (a file extended but never written, after a crash) is not a line.
      if (overlong || tail.some((b) => b !== 0 && b !== 0x20)) {
        list.add(`step.jsonl: last line has no newline (${overlong ? `over ${MAX_STEP_LINE_BYTES}` : tail.length} bytes), skipped`);
      } else if (tail.length > 0) list.add(`step.jsonl: ${tail.length} NUL byte(s) at the end, skipped`);
    }
    if (stats.duplicates > 0) problems.push(`step.jsonl: ${stats.duplicates} duplicated line(s) (an (episode, step) already read), skipped`);
    return stats;
  } finally {
    closeSync(fd);
    list.close();
  }
}
