import type { ApplicationStepInfo } from './application/application-types.js';
import { copyNamedObservation, emptyNamedObservation } from './observation.js';
import { copyReward, emptyReward } from './reward.js';
import { copyServiceReport, emptyServiceReport } from './service-model.js';
import type { StepInfo, StepResult } from './types.js';

/**
 * StepInfo buffers, and what one env's step writes into its slot of a lockstep batch
 * (VectorEnv). A leaf module: it needs no SimEnv, so anything handling StepInfo can use it.
 * A batch keeps copies of infos (final infos, `copy` mode) with the copier of their shape:
 * StepInfo (one deployment), ApplicationStepInfo (several), or any other plain-data info.
 * The first two copy field by field into a reused object, allocating nothing (a generic
 * copy would box every double it moves).
 */

/** Copies `from` into `to` (allocation-free once `to` has from's shape), or into a new object without `to`. */
export type InfoCopier<I> = (from: Readonly<I>, to?: I) => I;

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

/** Copy every field of `from` into `to` (no allocation), or into a new StepInfo without `to`. */
export function copyStepInfo(from: Readonly<StepInfo>, to: StepInfo = emptyStepInfo()): StepInfo {
  to.episode = from.episode;
  to.step = from.step;
  to.timeS = from.timeS;
  to.traceTs = from.traceTs;
  copyDeploymentParts(from, to);
  return to;
}

/** What a single deployment's StepInfo and an application's per-deployment entry share. */
type DeploymentParts = Pick<StepInfo, 'action' | 'recordedReplicas' | 'observation' | 'reward' | 'service'>;

/** Copy one deployment's action, recorded replicas, observation, reward and service report (no allocation). */
function copyDeploymentParts(from: Readonly<DeploymentParts>, to: DeploymentParts): void {
  to.action.requested = from.action.requested;
  to.action.applied = from.action.applied;
  to.recordedReplicas = from.recordedReplicas;
  copyNamedObservation(from.observation, to.observation);
  copyReward(from.reward, to.reward);
  copyServiceReport(from.service, to.service);
}

/** Copy an application's info into `to` (allocation-free when `to` has as many deployments and the same call-graph presence). */
function copyApplicationStepInfo(from: Readonly<ApplicationStepInfo>, to?: ApplicationStepInfo): ApplicationStepInfo {
  const out: ApplicationStepInfo = to ?? { episode: 0, step: 0, timeS: 0, traceTs: 0, reward: emptyReward(), deployments: [], endToEnd: null };
  out.episode = from.episode;
  out.step = from.step;
  out.timeS = from.timeS;
  out.traceTs = from.traceTs;
  copyReward(from.reward, out.reward);
  const n = from.deployments.length;
  if (out.deployments.length !== n || (n > 0 && out.deployments[0]!.name !== from.deployments[0]!.name)) {
    out.deployments = from.deployments.map((d) => ({
      name: d.name,
      action: { requested: 0, applied: 0 },
      recordedReplicas: 0,
      observation: emptyNamedObservation(),
      reward: emptyReward(),
      service: emptyServiceReport(),
    }));
  }
  for (let d = 0; d < n; d++) copyDeploymentParts(from.deployments[d]!, out.deployments[d]!);
  if (from.endToEnd === null) out.endToEnd = null;
  else {
    const e = (out.endToEnd ??= { demand: 0, completed: 0, latencyMs: 0, violationS: 0 });
    e.demand = from.endToEnd.demand;
    e.completed = from.endToEnd.completed;
    e.latencyMs = from.endToEnd.latencyMs;
    e.violationS = from.endToEnd.violationS;
  }
  return out;
}

/** A deep copy of any other plain-data info (a toy env's): allocates; reuses nothing. */
function plainCopier<I>(from: Readonly<I>): I {
  return structuredClone(from) as I;
}

/** The copier for infos shaped like `sample` (an info the env returned): StepInfo, ApplicationStepInfo, or plain data. */
export function infoCopierFor<I>(sample: I): InfoCopier<I> {
  const o = sample as unknown as Record<string, unknown>;
  if (typeof o === 'object' && o !== null) {
    if (Array.isArray(o.deployments) && 'endToEnd' in o) return copyApplicationStepInfo as unknown as InfoCopier<I>;
    if (typeof o.service === 'object' && typeof o.action === 'object' && typeof o.observation === 'object') return copyStepInfo as unknown as InfoCopier<I>;
  }
  return plainCopier;
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
 * The copy's result is stored: a copier that cannot reuse `to` (plain data) returns a new object.
 */
export function storeFinal<I>(slots: FinalSlots<I>, i: number, offset: number, r: StepResult<I>, copy: InfoCopier<I>): void {
  slots.finalObservations.set(r.observation, offset);
  slots.finalInfos[i] = copy(r.info, slots.finalInfos[i]);
  slots.hasFinal[i] = 1;
}
