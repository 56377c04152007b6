import { emptyNamedObservation } from './observation.js';
import { emptyReward } from './reward.js';
import { emptyServiceReport } from './service-model.js';
import type { StepInfo, StepResult } from './types.js';

/**
 * StepInfo buffers, and what one env's step writes into its slot of a lockstep batch
 * (VectorEnv). A leaf module: it needs no SimEnv, so anything handling StepInfo can use it.
 */

/** A zeroed StepInfo, to allocate once and fill with copyStepInfo. */
export function emptyStepInfo(): StepInfo {
  return {
    episode: 0,
    step: 0,
    timeS: 0,
    traceTs: 0,
    action: { requested: 0, applied: 0 },
    recordedReplicas: 0,
    observation: emptyNamedObservation(),
    reward: emptyReward(),
    service: emptyServiceReport(),
  };
}

/** Copy every field of `from` into `to` (no allocation). */
export function copyStepInfo(from: Readonly<StepInfo>, to: StepInfo): StepInfo {
  to.episode = from.episode;
  to.step = from.step;
  to.timeS = from.timeS;
  to.traceTs = from.traceTs;
  to.action.requested = from.action.requested;
  to.action.applied = from.action.applied;
  to.recordedReplicas = from.recordedReplicas;
  Object.assign(to.observation, from.observation);
  Object.assign(to.reward, from.reward);
  Object.assign(to.service, from.service);
  return to;
}

/**
 * Copy an info of any env (StepInfo, an application's info, a toy env's) into `to`, reusing
 * its nested objects and arrays where they have the same shape: no allocation once `to` has
 * the shape of `from` (allocation only where it lacks a part, e.g. the first copy, or a
 * `null` becoming an object). Infos are plain data: numbers, strings, booleans, null, plain
 * objects and arrays of them. Returns the copy (`to`, or a new object when `to` is absent).
 */
export function copyInfo<I>(from: Readonly<I>, to?: I): I {
  return copyValue(from, to) as I;
}

function copyValue(from: unknown, to: unknown): unknown {
  if (from === null || typeof from !== 'object') return from;
  if (Array.isArray(from)) {
    const out = Array.isArray(to) ? to : [];
    out.length = from.length;
    for (let i = 0; i < from.length; i++) out[i] = copyValue(from[i], out[i]);
    return out;
  }
  const out = (to !== null && typeof to === 'object' && !Array.isArray(to) ? to : {}) as Record<string, unknown>;
  const src = from as Record<string, unknown>;
  for (const k in src) out[k] = copyValue(src[k], out[k]);
  return out;
}

/** The per-env arrays a batch's step fills (slot i is env i's). */
export interface StepSlots<I = StepInfo> {
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly infos: I[];
}

/** Same-step autoreset's record of the episodes that ended in the last step. */
export interface FinalSlots<I = StepInfo> {
  readonly finalObservations: Float32Array;
  readonly hasFinal: Uint8Array;
  readonly finalInfos: I[];
}

/** Write env i's step into slot i: reward, flags and info. True when its episode ended. */
export function storeStep<I>(slots: StepSlots<I>, i: number, r: StepResult<I>): boolean {
  slots.rewards[i] = r.reward;
  slots.terminated[i] = r.terminated ? 1 : 0;
  slots.truncated[i] = r.truncated ? 1 : 0;
  slots.infos[i] = r.info;
  return r.terminated || r.truncated;
}

/**
 * Keep the final observation (at `offset`) and a copy of the final info of env i's ended
 * episode, with hasFinal[i] = 1; call it before the reset, which reuses the env's info object.
 */
export function storeFinal<I>(slots: FinalSlots<I>, i: number, offset: number, r: StepResult<I>): void {
  slots.finalObservations.set(r.observation, offset);
  slots.finalInfos[i] = copyInfo(r.info, slots.finalInfos[i]);
  slots.hasFinal[i] = 1;
}
