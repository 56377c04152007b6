import { OBSERVATION_FIELDS } from '../env/types.js';
import type { StepInfo } from '../env/types.js';

/**
 * Serialises one `StepRecord` (src/runner/records.ts) as a JSON line, by hand. Logging sits
 * in the hot loop of every run, and `JSON.stringify` of a fresh nested object per step costs
 * more than the memory backend's step itself; concatenating numbers into a template is
 * several times cheaper. Tests parse these lines with `StepRecordSchema` and compare them with
 * `JSON.stringify` of the same record, so the two cannot drift apart silently.
 *
 * Most of a line does not change from one step to the next: replicas, demand, the reward and
 * the service figures hold for many steps (a trace changes a deployment every few minutes),
 * and turning a double into its shortest decimal text is the expensive part of encoding. So
 * the line is built from three cached segments, each rebuilt only when one of the numbers it
 * was built from changes (a comparison of numbers is far cheaper than a conversion):
 *
 *   head   `{"run":...,"episode":`                                          once per run
 *   [episode, step, timeS, traceTs]                                         every line
 *   mid    action, requested, applied, recorded, the observation up to
 *          its last field's key                                             when one changes
 *   [the last observation field, traceProgress: moves every step]           every line
 *   tail   reward, service, terminated, truncated                           when one changes
 *
 * The text is byte for byte what the uncached template produced; only the work differs.
 */

/** A number as JSON: non-finite values (a bug upstream) become null so the line stays parseable. */
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

const OBS_N = OBSERVATION_FIELDS.length;
/** Observation fields in the cached `mid` segment: all but the last (traceProgress changes every step). */
const OBS_CACHED = OBS_N - 1;
const OBS_KEYS = OBSERVATION_FIELDS.map((f, i) => `${i === 0 ? '' : ','}"${f}":`);
const LAST_OBS = OBSERVATION_FIELDS[OBS_N - 1]!;

/** Which kind of line a cached segment was built for (a reset line has nulls where a step has numbers). */
const KIND_NONE = 0;
const KIND_RESET = 1;
const KIND_STEP = 2;
type Kind = typeof KIND_NONE | typeof KIND_RESET | typeof KIND_STEP;

/** Builds the lines of one run (the run id is encoded once). */
export class StepLineEncoder {
  private readonly head: string;

  // The numbers each cached segment was built from. NaN never equals itself, so a non-finite
  // value simply rebuilds its segment every time (and is written as null). -0 and 0 compare
  // equal and both print as "0", so that shortcut cannot change the text either.
  private readonly midVals = new Float64Array(4 + OBS_CACHED);
  private midKind: Kind = KIND_NONE;
  private midText = '';
  private readonly tailVals = new Float64Array(4 + 10 + 2);
  private tailKind: Kind = KIND_NONE;
  private tailText = '';

  constructor(runId: string) {
    this.head = `{"run":${JSON.stringify(runId)},"episode":`;
  }

  /**
   * The line (with its trailing newline) for `info` after reset (`action` null, step 0) or
   * after a step. Episode and step are the runner's counts. Reads `info` without keeping
   * it, so the env's reused buffer is safe.
   */
  encode(episode: number, step: number, info: StepInfo, action: number | null, terminated: boolean, truncated: boolean): string {
    return (
      `${this.head}${episode},"step":${step},"timeS":${num(info.timeS)},"traceTs":${num(info.traceTs)}` +
      this.mid(info, action) +
      num(info.observation[LAST_OBS]) +
      this.tail(info, action === null, terminated, truncated)
    );
  }

  /** `,"action":...,"observation":{...,"<last field>":` from cache when its numbers are unchanged. */
  private mid(info: StepInfo, action: number | null): string {
    const v = this.midVals;
    const o = info.observation;
    const kind = action === null ? KIND_RESET : KIND_STEP;
    let same = this.midKind === kind && v[3] === info.recordedReplicas;
    if (same && action !== null) same = v[0] === action && v[1] === info.action.requested && v[2] === info.action.applied;
    for (let i = 0; same && i < OBS_CACHED; i++) same = v[4 + i] === o[OBSERVATION_FIELDS[i]!];
    if (same) return this.midText;

    let text: string;
    if (action === null) {
      text = `,"action":null,"requested":null,"applied":null,"recorded":${num(info.recordedReplicas)},"observation":{`;
    } else {
      v[0] = action;
      v[1] = info.action.requested;
      v[2] = info.action.applied;
      text = `,"action":${num(action)},"requested":${num(v[1])},"applied":${num(v[2])},"recorded":${num(info.recordedReplicas)},"observation":{`;
    }
    v[3] = info.recordedReplicas;
    for (let i = 0; i < OBS_CACHED; i++) {
      const x = o[OBSERVATION_FIELDS[i]!];
      v[4 + i] = x;
      text += OBS_KEYS[i]! + num(x);
    }
    text += OBS_KEYS[OBS_N - 1]!;
    this.midKind = kind;
    this.midText = text;
    return text;
  }

  /** `},"reward":...,"service":...,"terminated":..,"truncated":..}\n` from cache when unchanged. */
  private tail(info: StepInfo, reset: boolean, terminated: boolean, truncated: boolean): string {
    const v = this.tailVals;
    const kind = reset ? KIND_RESET : KIND_STEP;
    const te = terminated ? 1 : 0;
    const tr = truncated ? 1 : 0;
    if (reset) {
      if (this.tailKind === kind && v[14] === te && v[15] === tr) return this.tailText;
      this.tailText = `},"reward":null,"service":null,"terminated":${terminated},"truncated":${truncated}}\n`;
    } else {
      const r = info.reward;
      const s = info.service;
      const viol = s.sloViolated ? 1 : 0;
      if (
        this.tailKind === kind &&
        v[0] === r.total &&
        v[1] === r.slo &&
        v[2] === r.cost &&
        v[3] === r.churn &&
        v[4] === s.demand &&
        v[5] === s.served &&
        v[6] === s.unmet &&
        v[7] === s.utilisation &&
        v[8] === s.latencyMs &&
        v[9] === viol &&
        v[10] === s.cpuSeconds &&
        v[11] === s.windowS &&
        v[12] === s.sloPenaltyS &&
        v[13] === s.violationS &&
        v[14] === te &&
        v[15] === tr
      ) {
        return this.tailText;
      }
      v[0] = r.total;
      v[1] = r.slo;
      v[2] = r.cost;
      v[3] = r.churn;
      v[4] = s.demand;
      v[5] = s.served;
      v[6] = s.unmet;
      v[7] = s.utilisation;
      v[8] = s.latencyMs;
      v[9] = viol;
      v[10] = s.cpuSeconds;
      v[11] = s.windowS;
      v[12] = s.sloPenaltyS;
      v[13] = s.violationS;
      this.tailText =
        `},"reward":{"total":${num(r.total)},"slo":${num(r.slo)},"cost":${num(r.cost)},"churn":${num(r.churn)}},` +
        `"service":{"demand":${num(s.demand)},"served":${num(s.served)},"unmet":${num(s.unmet)},` +
        `"utilisation":${num(s.utilisation)},"latencyMs":${num(s.latencyMs)},"sloViolated":${s.sloViolated ? 'true' : 'false'},` +
        `"cpuSeconds":${num(s.cpuSeconds)},"windowS":${num(s.windowS)},"sloPenaltyS":${num(s.sloPenaltyS)},"violationS":${num(s.violationS)}},` +
        `"terminated":${terminated},"truncated":${truncated}}\n`;
    }
    v[14] = te;
    v[15] = tr;
    this.tailKind = kind;
    return this.tailText;
  }
}
