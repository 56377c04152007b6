import { OBSERVATION_FIELDS } from '../env/types.js';
import type { StepInfo } from '../env/types.js';

/**
 * Serialises one `StepRecord` (src/runner/records.ts) as a JSON line, by hand. Logging sits
 * in the hot loop of every run, and `JSON.stringify` of a fresh nested object per step costs
 * more than the memory backend's step itself; concatenating numbers into a template is
 * several times cheaper. Tests parse these lines with `StepRecordSchema`, so the two cannot
 * drift apart silently.
 */

/** A number as JSON: non-finite values (a bug upstream) become null so the line stays parseable. */
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

const OBS_KEYS = OBSERVATION_FIELDS.map((f, i) => `${i === 0 ? '' : ','}"${f}":`);

/** Builds the lines of one run (the run id is encoded once). */
export class StepLineEncoder {
  private readonly head: string;

  constructor(runId: string) {
    this.head = `{"run":${JSON.stringify(runId)},"episode":`;
  }

  /**
   * The line (with its trailing newline) for `info` after reset (`action` null, step 0) or
   * after a step. Episode and step are the runner's counts. Reads `info` without keeping
   * it, so the env's reused buffer is safe.
   */
  encode(episode: number, step: number, info: StepInfo, action: number | null, terminated: boolean, truncated: boolean): string {
    const o = info.observation;
    let obs = '{';
    for (let i = 0; i < OBSERVATION_FIELDS.length; i++) obs += OBS_KEYS[i]! + num(o[OBSERVATION_FIELDS[i]!]);
    obs += '}';
    let tail: string;
    if (action === null) {
      tail = `"action":null,"requested":null,"applied":null,"recorded":${num(info.recordedReplicas)},"observation":${obs},"reward":null,"service":null`;
    } else {
      const r = info.reward;
      const s = info.service;
      tail =
        `"action":${num(action)},"requested":${num(info.action.requested)},"applied":${num(info.action.applied)},` +
        `"recorded":${num(info.recordedReplicas)},"observation":${obs},` +
        `"reward":{"total":${num(r.total)},"slo":${num(r.slo)},"cost":${num(r.cost)},"churn":${num(r.churn)}},` +
        `"service":{"demand":${num(s.demand)},"served":${num(s.served)},"unmet":${num(s.unmet)},` +
        `"utilisation":${num(s.utilisation)},"latencyMs":${num(s.latencyMs)},"sloViolated":${s.sloViolated ? 'true' : 'false'},` +
        `"cpuSeconds":${num(s.cpuSeconds)},"windowS":${num(s.windowS)},"sloPenaltyS":${num(s.sloPenaltyS)},"violationS":${num(s.violationS)}}`;
    }
    return (
      `${this.head}${episode},"step":${step},"timeS":${num(info.timeS)},"traceTs":${num(info.traceTs)},` +
      `${tail},"terminated":${terminated ? 'true' : 'false'},"truncated":${truncated ? 'true' : 'false'}}\n`
    );
  }
}
