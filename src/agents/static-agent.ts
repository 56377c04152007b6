import { ConfigError } from '../env/errors.js';
import type { Action, StepInfo } from '../env/types.js';
import { actionForReplicas, type Agent } from './agent.js';
import type { AgentContext } from '../env/types.js';

/**
 * The simplest baseline: hold a fixed replica count whatever happens. Without a target it holds
 * the count the episode starts with. In delta mode it steers toward the target from the
 * observed desired count, then holds (delta 0).
 */
export class StaticAgent implements Agent {
  readonly name = 'static';
  /** The configured replica count (within the env's bounds), or undefined for "hold the start". */
  readonly target: number | undefined;
  private held: number | undefined;

  constructor(
    private readonly ctx: AgentContext,
    replicas?: number,
  ) {
    if (replicas !== undefined) {
      if (!Number.isInteger(replicas) || replicas < 0) {
        throw new ConfigError('target', `expected an integer replica count >= 0, got ${replicas}`, { hint: 'pass --target N (e.g. --target 4)' });
      }
      // Outside the bounds the env would clip every action: the run would hold another count
      // than the one asked for, so it is an error rather than a silent clip.
      if (replicas < ctx.minReplicas || replicas > ctx.maxReplicas) {
        throw new ConfigError('target', `expected a replica count in [${ctx.minReplicas}, ${ctx.maxReplicas}] (minReplicas..maxReplicas), got ${replicas}`, {
          hint: `pass --target within [${ctx.minReplicas}, ${ctx.maxReplicas}], or widen the range with --min-replicas/--max-replicas`,
        });
      }
      this.target = replicas;
    }
    this.held = this.target;
  }

  reset(_seed: number): void {
    this.held = this.target;
  }

  /** Ask for the fixed count (or the delta that reaches it). */
  act(_observation: Float32Array, info: StepInfo): Action {
    const current = Math.round(info.observation.desired);
    if (this.held === undefined) this.held = Math.min(this.ctx.maxReplicas, Math.max(this.ctx.minReplicas, current));
    return actionForReplicas(this.ctx, current, this.held);
  }

  describe(): Record<string, unknown> {
    return { agent: this.name, replicas: this.target ?? 'episode-start' };
  }
}
