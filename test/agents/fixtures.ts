import type { AgentContext } from '../../src/agents/agent.js';
import { Box, Discrete } from '../../src/env/spaces.js';
import { OBSERVATION_FIELDS, type NamedObservation, type StepInfo } from '../../src/env/types.js';

/** An AgentContext like SimEnv's, without an env. */
export function makeContext(mode: 'absolute' | 'delta', min = 1, max = 10, maxDelta = 2, stepSeconds = 15): AgentContext {
  const n = OBSERVATION_FIELDS.length;
  return {
    observationSpace: new Box(new Array(n).fill(-1e6), new Array(n).fill(1e6)),
    actionSpace: mode === 'absolute' ? new Discrete(max - min + 1, min) : new Discrete(2 * maxDelta + 1, -maxDelta),
    actionMode: mode,
    minReplicas: min,
    maxReplicas: max,
    stepSeconds,
  };
}

/** A StepInfo with the given named observation fields (others zero). */
export function makeInfo(obs: Partial<NamedObservation>, extra: Partial<StepInfo> = {}): StepInfo {
  const observation = Object.fromEntries(OBSERVATION_FIELDS.map((f) => [f, obs[f] ?? 0])) as NamedObservation;
  return {
    episode: 0,
    step: 0,
    timeS: 0,
    traceTs: 0,
    action: { requested: 0, applied: 0 },
    recordedReplicas: 0,
    observation,
    reward: { total: 0, slo: 0, cost: 0, churn: 0 },
    service: { demand: 0, served: 0, unmet: 0, utilisation: 0, latencyMs: 0, sloViolated: false, cpuSeconds: 0, windowS: 15, sloPenaltyS: 0, violationS: 0 },
    ...extra,
  };
}

/** The observation vector matching a StepInfo's named view. */
export function obsVector(info: StepInfo): Float32Array {
  return Float32Array.from(OBSERVATION_FIELDS.map((f) => info.observation[f]));
}
