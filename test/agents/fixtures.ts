import type { AgentContext } from '../../src/env/types.js';
import { Box, Discrete } from '../../src/env/spaces.js';
import { emptyStepInfo } from '../../src/env/step-info.js';
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

/** A StepInfo with the given named observation fields (others zero) over a 15 s window. */
export function makeInfo(obs: Partial<NamedObservation>, extra: Partial<StepInfo> = {}): StepInfo {
  const info = emptyStepInfo();
  for (const f of OBSERVATION_FIELDS) info.observation[f] = obs[f] ?? 0;
  info.service.windowS = 15;
  return { ...info, ...extra };
}

/** The observation vector matching a StepInfo's named view. */
export function obsVector(info: StepInfo): Float32Array {
  return Float32Array.from(OBSERVATION_FIELDS.map((f) => info.observation[f]));
}
