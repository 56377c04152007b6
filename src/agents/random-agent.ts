import { Rng } from '../env/rng.js';
import type { Action, StepInfo } from '../env/types.js';
import type { Agent } from './agent.js';
import type { AgentContext } from '../env/types.js';

/**
 * Uniformly random actions from the env's action space, from a seeded stream, so a random run
 * is reproducible. `reset(seed)` restarts the stream from a per-episode seed derived from both
 * the agent's seed and the episode's, so episodes differ but repeat across runs.
 */
export class RandomAgent implements Agent {
  readonly name = 'random';
  private readonly rng: Rng;

  constructor(
    private readonly ctx: AgentContext,
    private readonly seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  reset(seed: number): void {
    // Mix both seeds so two agents with different seeds differ on the same episode seed.
    this.rng.reseed((Math.imul(this.seed >>> 0, 0x9e3779b1) ^ (seed >>> 0)) >>> 0);
  }

  /** A uniform draw from the action space. */
  act(_observation: Float32Array, _info: StepInfo): Action {
    return this.ctx.actionSpace.sample(this.rng);
  }

  describe(): Record<string, unknown> {
    return { agent: this.name, seed: this.seed };
  }
}
