import type { OBSERVATION_FIELDS, StepInfo } from '../env/types.js';

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
 *          `"traceProgress":`                                               when one changes
 *   [traceProgress: time / trace duration, new every step]                  every line
 *   tail   reward, service, terminated, truncated                           when one changes
 *
 * The text is byte for byte what the uncached template produced; only the work differs. What
 * is left per line (measured on a 1 s-step HPA run): about half is `String(traceProgress)`, a
 * 17-digit double; the rest is the two times, the comparisons and joining the pieces.
 */

/**
 * `s` with its characters in one piece. A string built by `+` is a tree of pieces, and every
 * line made from a cached segment would copy that tree out again (tens of pieces, about as
 * costly as the rest of the line). Converting a string to a number makes V8 flatten it in
 * place, once; the number itself is thrown away.
 */
function flat(s: string): string {
  void Number(s);
  return s;
}

/** A number as JSON: non-finite values (a bug upstream) become null so the line stays parseable. */
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : 'null';
}

/**
 * The observation fields in the order the encoder writes them: OBSERVATION_FIELDS, spelled
 * out because the encoder reads each by name (see `mid`). A test holds the two equal.
 */
export const ENCODED_OBSERVATION_FIELDS = [
  'desired',
  'ready',
  'pending',
  'terminating',
  'utilisation',
  'demand',
  'demandTrend',
  'freeCpu',
  'traceProgress',
] as const satisfies readonly (typeof OBSERVATION_FIELDS)[number][];

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
  private readonly midVals = new Float64Array(4 + 8);
  private midKind: Kind = KIND_NONE;
  private midText = '';
  private readonly tailVals = new Float64Array(4 + 10 + 2);
  private tailKind: Kind = KIND_NONE;
  private tailText = '';

  /** `actor`: who set the replicas when not the agent (records.ts `actor`), written on every line. */
  constructor(runId: string, actor?: string) {
    this.head = `{"run":${JSON.stringify(runId)},${actor !== undefined ? `"actor":${JSON.stringify(actor)},` : ''}"episode":`;
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
      num(info.observation.traceProgress) +
      this.tail(info, action === null, terminated, truncated)
    );
  }

  /** `,"action":...,"observation":{...,"<last field>":` from cache when its numbers are unchanged. */
  private mid(info: StepInfo, action: number | null): string {
    const v = this.midVals;
    const o = info.observation;
    const kind = action === null ? KIND_RESET : KIND_STEP;
    // Field by field, not through OBSERVATION_FIELDS: a property read by a name taken from an
    // array goes megamorphic over nine names and costs more than the rest of the check.
    // ENCODED_OBSERVATION_FIELDS lists them in the same order; a test holds it equal to
    // OBSERVATION_FIELDS.
    if (
      this.midKind === kind &&
      v[3] === info.recordedReplicas &&
      (action === null || (v[0] === action && v[1] === info.action.requested && v[2] === info.action.applied)) &&
      v[4] === o.desired &&
      v[5] === o.ready &&
      v[6] === o.pending &&
      v[7] === o.terminating &&
      v[8] === o.utilisation &&
      v[9] === o.demand &&
      v[10] === o.demandTrend &&
      v[11] === o.freeCpu
    ) {
      return this.midText;
    }
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
    v[4] = o.desired;
    v[5] = o.ready;
    v[6] = o.pending;
    v[7] = o.terminating;
    v[8] = o.utilisation;
    v[9] = o.demand;
    v[10] = o.demandTrend;
    v[11] = o.freeCpu;
    text +=
      `"desired":${num(o.desired)},"ready":${num(o.ready)},"pending":${num(o.pending)},"terminating":${num(o.terminating)},` +
      `"utilisation":${num(o.utilisation)},"demand":${num(o.demand)},"demandTrend":${num(o.demandTrend)},"freeCpu":${num(o.freeCpu)},"traceProgress":`;
    this.midKind = kind;
    this.midText = flat(text);
    return this.midText;
  }

  /** `},"reward":...,"service":...,"terminated":..,"truncated":..}\n` from cache when unchanged. */
  private tail(info: StepInfo, reset: boolean, terminated: boolean, truncated: boolean): string {
    const v = this.tailVals;
    const kind = reset ? KIND_RESET : KIND_STEP;
    const te = terminated ? 1 : 0;
    const tr = truncated ? 1 : 0;
    if (reset) {
      if (this.tailKind === kind && v[14] === te && v[15] === tr) return this.tailText;
      this.tailText = flat(`},"reward":null,"service":null,"terminated":${terminated},"truncated":${truncated}}\n`);
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
      this.tailText = flat(
        `},"reward":{"total":${num(r.total)},"slo":${num(r.slo)},"cost":${num(r.cost)},"churn":${num(r.churn)}},` +
        `"service":{"demand":${num(s.demand)},"served":${num(s.served)},"unmet":${num(s.unmet)},` +
        `"utilisation":${num(s.utilisation)},"latencyMs":${num(s.latencyMs)},"sloViolated":${s.sloViolated ? 'true' : 'false'},` +
        `"cpuSeconds":${num(s.cpuSeconds)},"windowS":${num(s.windowS)},"sloPenaltyS":${num(s.sloPenaltyS)},"violationS":${num(s.violationS)}},` +
        `"terminated":${terminated},"truncated":${truncated}}\n`,
      );
    }
    v[14] = te;
    v[15] = tr;
    this.tailKind = kind;
    return this.tailText;
  }
}
