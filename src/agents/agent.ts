import type { Action, AgentContext, StepInfo } from '../env/types.js';

/**
 * The contract every agent meets. Agents depend on env types only (spaces, observation,
 * info), never on a backend or the runner.
 */

/** One transition, given to learners after each step. */
export interface Transition {
  observation: Float32Array;
  action: Action;
  reward: number;
  nextObservation: Float32Array;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

export interface Agent {
  /** Registry name, e.g. `hpa`, `static`, `dqn`. */
  readonly name: string;
  /** Set when something other than the agent sets the replicas (the cluster's HPA controller); step records carry it. */
  readonly actor?: 'hpa-controller';
  /** Called at the start of every episode (agents with memory, e.g. HPA's stabilisation window, clear it). */
  reset?(seed: number): void;
  /** Choose an action. `observation` and `info` are the env's reused buffers: copy what you keep. */
  act(observation: Float32Array, info: StepInfo): Action;
  /** Learners receive each transition (copied by the caller where it must outlive the step). */
  observe?(transition: Transition): void;
  /** Save to a directory (learned agents). */
  save?(dir: string): Promise<void>;
  /** Settings worth recording in a run's config (agent parameters). */
  describe?(): Record<string, unknown>;
  /** Release resources (tensors). */
  dispose?(): void;
}

/** Convert a desired replica count into the env's action, respecting the action mode and space. */
export function actionForReplicas(ctx: AgentContext, current: number, desired: number): Action {
  const target = Math.min(ctx.maxReplicas, Math.max(ctx.minReplicas, Math.round(desired)));
  if (ctx.actionMode === 'absolute') return Math.min(ctx.actionSpace.end, Math.max(ctx.actionSpace.start, target));
  const delta = target - current;
  return Math.min(ctx.actionSpace.end, Math.max(ctx.actionSpace.start, delta));
}
