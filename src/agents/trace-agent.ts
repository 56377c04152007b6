import type { Action, StepInfo } from '../env/types.js';
import { actionForReplicas, type Agent } from './agent.js';
import type { AgentContext } from '../env/types.js';

/**
 * Replays what production did: asks for the replicas the trace recorded for the controlled
 * deployment at the current time (`info.recordedReplicas`). This is the "production decision"
 * a learned agent should be compared against, alongside the HPA.
 */
export class TraceAgent implements Agent {
  readonly name = 'trace';

  constructor(private readonly ctx: AgentContext) {}

  /** The recorded count (clipped to the env's bounds), or the delta that reaches it. */
  act(_observation: Float32Array, info: StepInfo): Action {
    return actionForReplicas(this.ctx, info.observation.desired, info.recordedReplicas);
  }

  describe(): Record<string, unknown> {
    return { agent: this.name };
  }
}
