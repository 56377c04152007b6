import { z } from 'zod';
import { ConfigError, PolicyError } from '../env/errors.js';
import { parse } from '../env/parse.js';
import { Box, Discrete } from '../env/spaces.js';
import { OBSERVATION_FIELDS, type Action, type AgentContext, type ResetResult, type StepInfo, type StepResult, type SyncEnv } from '../env/types.js';
import type { Agent } from './agent.js';
import { HpaAgent } from './hpa-agent.js';
import type { HpaOptionsInput } from './hpa/hpa-config.js';

/**
 * HPA-residual control: a learned agent acts on top of an HPA (usually the tuned one). Each
 * step the HPA makes its recommendation h (the real algorithm, src/agents/hpa/); the agent
 * picks a delta d in -maxDelta..maxDelta and the env gets h + d replicas (clipped to the range).
 * Delta 0 everywhere is exactly the HPA, so matching the baseline is the easy policy and
 * beating it means learning when to deviate.
 *
 * The agent sees the env's observation without `traceProgress` (suspected of overfitting: it
 * is 1 on every held-out window), plus features that carry over between windows and workloads:
 *
 *   hpaRecommendation   h / maxReplicas
 *   hpaGap              (h - desired) / maxReplicas
 *   demandLag1..K       normalised demand 1..K steps ago (the env's `demand` component)
 *
 * One class (`HpaResidual`) computes both, so the training wrapper (`HpaResidualEnv`) and the
 * acting agent (`HpaResidualAgent`) cannot drift apart. It lives in the agents layer because
 * the HPA does; the env knows nothing of it.
 */

export const HpaResidualOptionsSchema = z.strictObject({
  /** Largest correction per step, replicas (actions -maxDelta..maxDelta). */
  maxDelta: z.number().int().min(1).max(20).default(2),
  /** The HPA under the agent (autoscaling/v2 names, as `--hpa FILE` reads them); default HPA if empty. */
  hpa: z.record(z.string(), z.unknown()).default({}),
  /** Past demand values in the observation. */
  demandLags: z.number().int().min(0).max(16).default(3),
  /** The env's own (absolute) action space, recorded in a policy so an eval builds the same env. */
  envAction: z.strictObject({ n: z.number().int().positive(), start: z.number().int() }).optional(),
});
export type HpaResidualOptionsInput = z.input<typeof HpaResidualOptionsSchema>;
export type HpaResidualOptions = z.output<typeof HpaResidualOptionsSchema>;

/** Validate residual options; ConfigError naming the field. */
export function parseHpaResidualOptions(input: unknown): HpaResidualOptions {
  return parse(HpaResidualOptionsSchema, input, (issue) => new ConfigError(['hpaResidual', ...issue.path.map(String)].join('.'), issue.message));
}

const TRACE_PROGRESS = OBSERVATION_FIELDS.indexOf('traceProgress');
const DEMAND = OBSERVATION_FIELDS.indexOf('demand');
/** Env components kept (every one but traceProgress), in OBSERVATION_FIELDS order. */
const KEPT = OBSERVATION_FIELDS.map((_, i) => i).filter((i) => i !== TRACE_PROGRESS);

/** The observation field names the residual agent sees. */
export function hpaResidualFields(o: HpaResidualOptions): string[] {
  return [...KEPT.map((i) => OBSERVATION_FIELDS[i]!), 'hpaRecommendation', 'hpaGap', ...Array.from({ length: o.demandLags }, (_, k) => `demandLag${k + 1}`)];
}

/** The HPA under the agent, its features and the action mapping (one per env or agent). */
export class HpaResidual {
  readonly options: HpaResidualOptions;
  /** What the residual agent acts in: the extended observation and Discrete(2 maxDelta + 1, start -maxDelta). */
  readonly ctx: AgentContext;
  readonly obsSize: number;
  private readonly hpa: HpaAgent;
  private readonly lags: Float32Array;
  private filled = 0;
  /** The HPA's last recommendation (replicas). */
  recommendation = 0;

  /** `inner` is the env's own context: it must take absolute actions (replica counts). */
  constructor(
    readonly inner: AgentContext,
    options: HpaResidualOptionsInput = {},
  ) {
    this.options = parseHpaResidualOptions(options);
    if (inner.actionMode !== 'absolute') {
      throw new ConfigError('actionMode', `expected an env in absolute action mode under an HPA-residual agent, got ${inner.actionMode}`, {
        hint: 'pass --action-mode absolute (the residual is added to the HPA replica count)',
      });
    }
    if (inner.observationSpace.shape[0] !== OBSERVATION_FIELDS.length) {
      throw new ConfigError('observation', `expected the env's ${OBSERVATION_FIELDS.length}-component observation under an HPA-residual agent, got ${inner.observationSpace.shape[0]}`);
    }
    this.hpa = new HpaAgent(inner, this.options.hpa as HpaOptionsInput);
    this.lags = new Float32Array(this.options.demandLags);
    this.obsSize = KEPT.length + 2 + this.options.demandLags;
    const lo = inner.observationSpace.low;
    const hi = inner.observationSpace.high;
    const low = [...KEPT.map((i) => lo[i]!), 0, -1, ...Array.from(this.lags, () => lo[DEMAND]!)];
    const high = [...KEPT.map((i) => hi[i]!), 1, 1, ...Array.from(this.lags, () => hi[DEMAND]!)];
    const d = this.options.maxDelta;
    this.ctx = { ...inner, observationSpace: new Box(low, high), actionSpace: new Discrete(2 * d + 1, -d), actionMode: 'delta' };
  }

  /** The HPA's settings (resolved), as recorded in a policy. */
  describe(): Record<string, unknown> {
    const a = this.inner.actionSpace;
    return { maxDelta: this.options.maxDelta, demandLags: this.options.demandLags, hpa: { ...this.hpa.options }, envAction: { n: a.n, start: a.start } };
  }

  /** Start of an episode: a fresh HPA and an empty demand history. */
  reset(seed: number): void {
    this.hpa.reset(seed);
    this.filled = 0;
    this.lags.fill(0);
  }

  /**
   * Reconcile the HPA on this step's observation (call exactly once per env observation) and
   * write the residual agent's observation into `out`. Returns the HPA's recommendation.
   */
  observe(observation: Float32Array, info: StepInfo, out: Float32Array): number {
    const h = this.hpa.act(observation, info);
    this.recommendation = h;
    const scale = 1 / this.inner.maxReplicas;
    let j = 0;
    for (const i of KEPT) out[j++] = observation[i]!;
    out[j++] = h * scale;
    out[j++] = Math.max(-1, Math.min(1, (h - info.observation.desired) * scale));
    // Before K steps have passed, missing lags repeat the oldest demand seen (no fake drop to 0).
    const demand = observation[DEMAND]!;
    if (this.filled === 0) this.lags.fill(demand);
    for (let k = 0; k < this.lags.length; k++) out[j++] = this.lags[k]!;
    for (let k = this.lags.length - 1; k > 0; k--) this.lags[k] = this.lags[k - 1]!;
    if (this.lags.length > 0) this.lags[0] = demand;
    this.filled++;
    return h;
  }

  /** The env action (replica count) for residual action `delta` on recommendation `h`. */
  replicas(h: number, delta: number): number {
    const a = this.inner.actionSpace;
    return Math.min(a.end, Math.max(a.start, Math.min(this.inner.maxReplicas, Math.max(this.inner.minReplicas, h + delta))));
  }
}

/** The env a residual learner trains in: wraps an absolute-action env, steps it with h + delta. */
export class HpaResidualEnv<E extends SyncEnv & { readonly agentContext: AgentContext }> implements SyncEnv {
  readonly residual: HpaResidual;
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  private readonly obs: Float32Array;
  private lastReward = 0;

  constructor(
    readonly env: E,
    options: HpaResidualOptionsInput = {},
  ) {
    this.residual = new HpaResidual(env.agentContext, options);
    this.observationSpace = this.residual.ctx.observationSpace;
    this.actionSpace = this.residual.ctx.actionSpace;
    this.obs = new Float32Array(this.residual.obsSize);
  }

  get agentContext(): AgentContext {
    return this.residual.ctx;
  }

  reset(opts?: { seed?: number }): ResetResult {
    const r = this.env.reset(opts);
    this.residual.reset(opts?.seed ?? 0);
    this.residual.observe(r.observation, r.info, this.obs);
    this.lastReward = 0;
    return { observation: this.obs, info: r.info };
  }

  step(action: Action): StepResult {
    const r = this.env.step(this.residual.replicas(this.residual.recommendation, action));
    this.lastReward = r.reward;
    // The HPA reconciles on every observation, the one an episode ends on included (as an agent acting on it would).
    this.residual.observe(r.observation, r.info, this.obs);
    return { observation: this.obs, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info };
  }

  observe(): Float32Array {
    return this.obs;
  }

  reward(): number {
    return this.lastReward;
  }

  close(): Promise<void> {
    return this.env.close();
  }
}

/** A residual policy acting in an absolute-action env: the HPA's recommendation plus the policy's delta. */
export class HpaResidualAgent implements Agent {
  readonly name: string;
  readonly residual: HpaResidual;
  private readonly obs: Float32Array;

  constructor(
    ctx: AgentContext,
    options: HpaResidualOptionsInput,
    private readonly policy: Agent,
  ) {
    this.residual = new HpaResidual(ctx, options);
    this.obs = new Float32Array(this.residual.obsSize);
    this.name = policy.name;
  }

  reset(seed: number): void {
    this.residual.reset(seed);
    this.policy.reset?.(seed);
  }

  act(observation: Float32Array, info: StepInfo): Action {
    const h = this.residual.observe(observation, info, this.obs);
    return this.residual.replicas(h, this.policy.act(this.obs, info));
  }

  describe(): Record<string, unknown> {
    return { ...(this.policy.describe?.() ?? { agent: this.name }), hpaResidual: this.residual.describe() };
  }

  dispose(): void {
    this.policy.dispose?.();
  }
}

/** The `hpaResidual` record of a policy.json, if the policy was trained on top of an HPA. */
export function policyHpaResidual(meta: Record<string, unknown>, dir: string): HpaResidualOptions | undefined {
  const r = meta.hpaResidual;
  if (r === undefined) return undefined;
  return parse(HpaResidualOptionsSchema, r, () =>
    new PolicyError(`${dir}/policy.json: expected hpaResidual {maxDelta, hpa, demandLags}, got ${JSON.stringify(r)}`, { hint: 'the policy metadata is corrupt: retrain' }),
  );
}
