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

/** The per-env arrays a batch's step fills (slot i is env i's). */
export interface StepSlots {
  readonly rewards: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly infos: StepInfo[];
}

/** Same-step autoreset's record of the episodes that ended in the last step. */
export interface FinalSlots {
  readonly finalObservations: Float32Array;
  readonly hasFinal: Uint8Array;
  readonly finalInfos: StepInfo[];
}

/** Write env i's step into slot i: reward, flags and info. True when its episode ended. */
export function storeStep(slots: StepSlots, i: number, r: StepResult): boolean {
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
export function storeFinal(slots: FinalSlots, i: number, offset: number, r: StepResult): void {
  slots.finalObservations.set(r.observation, offset);
  copyStepInfo(r.info, slots.finalInfos[i]!);
  slots.hasFinal[i] = 1;
}
