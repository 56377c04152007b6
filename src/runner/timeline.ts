import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { JsonlLog } from './jsonl-log.js';

/**
 * `timeline.jsonl` (`simenv run --timeline`): every interval over which the controlled
 * deployment's ready, desired, held and pending counts were constant, with the exact simulated
 * times the backend reports (the memory backend's event times; on a cluster, when the watch saw
 * each change). Step records only show the state at step ends; the timeline shows what happened
 * in between, which is what `simenv compare` samples on a fine grid.
 */

/** The file in a run directory. */
export const TIMELINE_FILE = 'timeline.jsonl';

/** One line of `timeline.jsonl`. */
export const TimelineRecordSchema = z
  .strictObject({
    episode: z.number().int().nonnegative(),
    t0: z.number().describe('start, simulated seconds since the trace first event'),
    t1: z.number().describe('end (exclusive)'),
    ready: z.number().int().nonnegative(),
    desired: z.number().int().nonnegative(),
    held: z.number().int().nonnegative().describe('pods holding CPU on a node (starting, ready, terminating)'),
    pending: z.number().int().nonnegative().describe('pods not yet scheduled'),
  })
  .describe('one line of timeline.jsonl');
export type TimelineRecord = z.infer<typeof TimelineRecordSchema>;

/** Lines per write: a timeline has a line per change of state, many more than steps. */
const BATCH_LINES = 512;

/** Appends timeline lines to `<run dir>/timeline.jsonl` through the one JSONL writer, batched. */
export class TimelineWriter {
  private readonly log: JsonlLog;
  /** The episode segments are tagged with (set after each reset). */
  episode = 0;

  constructor(readonly dir: string) {
    this.log = JsonlLog.open(join(dir, TIMELINE_FILE), { flush: 'batched', batchLines: BATCH_LINES });
  }

  /** One segment (the SimEnv.onSegment signature). */
  readonly add = (t0: number, t1: number, ready: number, desired: number, held: number, pending: number): void => {
    this.log.appendLine(`{"episode":${this.episode},"t0":${t0},"t1":${t1},"ready":${ready},"desired":${desired},"held":${held},"pending":${pending}}\n`);
  };

  /** Write what is buffered and close the file. */
  close(): void {
    this.log.close();
  }
}

/** A run's timeline, or null when it has none; lines that do not parse go to `problems`. */
export function readTimeline(dir: string, problems: string[] = []): TimelineRecord[] | null {
  const path = join(dir, TIMELINE_FILE);
  if (!existsSync(path)) return null;
  const out: TimelineRecord[] = [];
  const lines = readFileSync(path, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    try {
      const r = TimelineRecordSchema.safeParse(JSON.parse(line));
      if (r.success) out.push(r.data);
      else problems.push(`${TIMELINE_FILE}:${i + 1}: ${r.error.issues[0]!.message}`);
    } catch {
      problems.push(`${TIMELINE_FILE}:${i + 1}: expected JSON`);
    }
  }
  return out;
}
