import type { ActionSpace, Box, Discrete, MultiDiscrete } from './spaces.js';

/**
 * Shared vocabulary of the Gym surface: the env protocol (SyncEnv, AsyncEnv), what reset and
 * step return, the named observation, the reward breakdown and the agent's view of an env.
 * Agents and the runner depend on these types only.
 */

/** Names of the observation's components, in the order of the `Float32Array`. */
export const OBSERVATION_FIELDS = [
  'desired',
  'ready',
  'pending',
  'terminating',
  'utilisation',
  'demand',
  'demandTrend',
  'freeCpu',
  'traceProgress',
] as const;
export type ObservationField = (typeof OBSERVATION_FIELDS)[number];

/** The observation in physical units (replicas, requests/s, cores, 0..1), for logs and rules. */
export type NamedObservation = Record<ObservationField, number>;

/** Reward components, already weighted; `total` is their sum. Larger is better. */
export interface RewardBreakdown {
  total: number;
  /** Penalty for unmet demand / SLO violation (<= 0). */
  slo: number;
  /** Penalty for CPU cost of the replicas held (<= 0). */
  cost: number;
  /** Penalty for replica changes (<= 0). */
  churn: number;
}

/** What the service model says about the step's window. */
export interface ServiceReport {
  /** Mean demand over the window, requests/s. */
  demand: number;
  /** Mean served requests/s. */
  served: number;
  /** Mean unmet requests/s. */
  unmet: number;
  /** Mean utilisation of ready replicas, 0..1 (1 when saturated). */
  utilisation: number;
  /** Latency estimate from the queueing model, milliseconds (mean over the window). */
  latencyMs: number;
  /** Whether the window broke the SLO. */
  sloViolated: boolean;
  /** CPU-seconds held by the controlled deployment's pods during the window. */
  cpuSeconds: number;
  /** Length of the window, simulated seconds. */
  windowS: number;
  /** Integral of the SLO penalty rate (unmet fraction + latency excess) over the window, seconds. */
  sloPenaltyS: number;
  /** Seconds of the window in which the SLO was broken (unmet demand or latency above the SLO). */
  violationS: number;
}

/**
 * Extra facts about a step. The env reuses one info object per env: copy what you keep
 * beyond the next call to step/reset (the runner does).
 */
export interface StepInfo {
  /** Episode index since create (0-based). */
  episode: number;
  /** Steps taken in this episode (1 after the first step, 0 after reset). */
  step: number;
  /** Simulated seconds since the trace's first event. */
  timeS: number;
  /** The trace's Unix timestamp at the current simulated time. */
  traceTs: number;
  /** Replicas the agent asked for and the replicas applied (after clipping to bounds). */
  action: { requested: number; applied: number };
  /** The replicas production recorded for the controlled deployment at this time. */
  recordedReplicas: number;
  observation: NamedObservation;
  reward: RewardBreakdown;
  service: ServiceReport;
}

/** What reset returns; `I` is the env's info type (StepInfo for one deployment). */
export interface ResetResult<I = StepInfo> {
  observation: Float32Array;
  info: I;
}

/** What step returns; `I` is the env's info type (StepInfo for one deployment). */
export interface StepResult<I = StepInfo> {
  observation: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: I;
}

/**
 * An action: an integer of the env's `Discrete` action space (which has a `start`, as in
 * Gymnasium): a replica count in absolute mode, a replica delta in delta mode.
 */
export type Action = number;

/** An action of a `MultiDiscrete` space: one integer per controlled deployment, in order. */
export type MultiAction = Int32Array | readonly number[];

/** The action type of an action space: a number for `Discrete`, a vector for `MultiDiscrete`. */
export type ActionOf<S extends ActionSpace> = S extends MultiDiscrete ? MultiAction : Action;

/**
 * What an agent knows about the env it acts in (fixed for the env's lifetime). It lives with
 * the env types so the env can describe itself without knowing any agent.
 */
export interface AgentContext {
  observationSpace: Box;
  actionSpace: Discrete;
  /** `absolute`: actions are replica counts; `delta`: actions are replica changes. */
  actionMode: 'absolute' | 'delta';
  minReplicas: number;
  maxReplicas: number;
  /** Simulated seconds between decisions. */
  stepSeconds: number;
}

/**
 * The env protocol, synchronous (Gymnasium's `Env`): `reset({seed})` starts an episode,
 * `step(action)` advances one step, `observe()` and `reward()` repeat the last observation
 * and reward without advancing. Results may be reused buffers: copy what you keep. SimEnv
 * on the memory backend is one; so is any wrapper or toy env with this shape.
 */
export interface SyncEnv<S extends ActionSpace = Discrete, I = StepInfo> {
  readonly observationSpace: Box;
  readonly actionSpace: S;
  reset(opts?: { seed?: number }): ResetResult<I>;
  step(action: ActionOf<S>): StepResult<I>;
  /** The current observation (the env's buffer), without advancing. */
  observe(): Float32Array;
  /** The last step's reward (0 right after reset). */
  reward(): number;
  /** Release resources. Idempotent; reset/step afterwards throw. */
  close(): Promise<void>;
}

/** The info type of an env (what its reset and step return as `info`). */
export type InfoOf<E> = E extends SyncEnv<ActionSpace, infer I> ? I : never;

/** The env protocol for envs that do IO on reset and step (the kube backend): SyncEnv's contract, awaited. */
export interface AsyncEnv<S extends ActionSpace = Discrete, I = StepInfo> {
  readonly observationSpace: Box;
  readonly actionSpace: S;
  resetAsync(opts?: { seed?: number }): Promise<ResetResult<I>>;
  stepAsync(action: ActionOf<S>): Promise<StepResult<I>>;
  observe(): Float32Array;
  reward(): number;
  close(): Promise<void>;
}

/**
 * An env with both surfaces, as SimEnv is: the async one always works, the sync one only
 * when `isAsync` is false (a synchronous backend). Drivers that serve every backend (the
 * runner's episode loop) take this and pick the surface by `isAsync`.
 */
export interface DualEnv<S extends ActionSpace = Discrete, I = StepInfo> extends SyncEnv<S, I>, AsyncEnv<S, I> {
  readonly isAsync: boolean;
}
