import type { ApplicationContext, ApplicationStepInfo } from '../../env/application/application-types.js';
import { DEPLOYMENT_OBSERVATION_FIELDS } from '../../env/application/application-types.js';
import { ConfigError } from '../../env/errors.js';
import { observationBox } from '../../env/observation.js';
import { emptyStepInfo } from '../../env/step-info.js';
import type { AgentContext, StepInfo } from '../../env/types.js';
import type { Agent } from '../agent.js';
import type { HpaOptionsInput } from '../hpa/hpa-config.js';
import { createAgent, type CreateAgentOptions } from '../registry.js';

/**
 * Agents for an env that scales several deployments (ApplicationEnv): one action component
 * per deployment. The baselines (static, random, trace, hpa) act per deployment: one
 * single-deployment agent each, fed that deployment's view of the step (its named
 * observation, service report and recorded replicas, the env's clock), so an application's
 * HPA baseline is one HPA per deployment, as a cluster runs them.
 */

/** An agent that acts on an ApplicationEnv. */
export interface ApplicationAgent {
  readonly name: string;
  reset?(seed: number): void;
  /** One component per deployment, in `ctx.deployments` order (the agent's reused buffer: copy what you keep). */
  act(observation: Float32Array, info: ApplicationStepInfo): Int32Array;
  describe?(): Record<string, unknown>;
  dispose?(): void;
}

const PER = DEPLOYMENT_OBSERVATION_FIELDS.length;

/** What a single-deployment agent of deployment `i` knows: component i of the action space, its bounds. */
export function deploymentContext(ctx: ApplicationContext, i: number): AgentContext {
  return {
    observationSpace: observationBox(),
    actionSpace: ctx.actionSpace.component(i),
    actionMode: ctx.actionMode,
    minReplicas: ctx.minReplicas,
    maxReplicas: ctx.maxReplicas[i]!,
    stepSeconds: ctx.stepSeconds,
  };
}

/** One single-deployment agent per deployment, each acting on its deployment's view of the step. */
export class PerDeploymentAgent implements ApplicationAgent {
  private readonly action: Int32Array;
  private readonly views: StepInfo[];
  private readonly observations: Float32Array[];

  constructor(
    readonly name: string,
    private readonly ctx: ApplicationContext,
    readonly agents: readonly Agent[],
  ) {
    const n = ctx.deployments.length;
    if (agents.length !== n) throw new RangeError(`PerDeploymentAgent: expected ${n} agents, got ${agents.length}`);
    this.action = new Int32Array(n);
    this.observations = agents.map(() => new Float32Array(PER + 2));
    // act points each view's parts at its deployment's; the empty ones only fill the shape.
    this.views = agents.map(() => emptyStepInfo());
  }

  reset(seed: number): void {
    for (const a of this.agents) a.reset?.(seed);
  }

  act(observation: Float32Array, info: ApplicationStepInfo): Int32Array {
    const n = this.agents.length;
    const cluster = n * PER;
    for (let i = 0; i < n; i++) {
      const d = info.deployments[i]!;
      const v = this.views[i]!;
      v.episode = info.episode;
      v.step = info.step;
      v.timeS = info.timeS;
      v.traceTs = info.traceTs;
      v.action = d.action;
      v.recordedReplicas = d.recordedReplicas;
      v.observation = d.observation;
      v.reward = d.reward;
      v.service = d.service;
      // The single-deployment layout: this deployment's block, then the cluster's components.
      const o = this.observations[i]!;
      for (let k = 0; k < PER; k++) o[k] = observation[i * PER + k]!;
      o[PER] = observation[cluster]!;
      o[PER + 1] = observation[cluster + 1]!;
      this.action[i] = this.agents[i]!.act(o, v);
    }
    return this.action;
  }

  describe(): Record<string, unknown> {
    return {
      agent: this.name,
      perDeployment: Object.fromEntries(this.ctx.deployments.map((d, i) => [d, this.agents[i]!.describe?.() ?? { agent: this.agents[i]!.name }])),
    };
  }

  dispose(): void {
    for (const a of this.agents) a.dispose?.();
  }
}

/** Options of `createApplicationAgent`: the baselines' options plus per-deployment HPA settings. */
export interface CreateApplicationAgentOptions extends CreateAgentOptions {
  /** hpa: settings by deployment (`namespace/name` or bare name, e.g. from manifests); others use `hpa`. */
  hpaByDeployment?: ReadonlyMap<string, HpaOptionsInput>;
}

/** `NAME` of `NAMESPACE/NAME` (HPA manifests name their target without a namespace). */
function bareName(deployment: string): string {
  return deployment.slice(deployment.indexOf('/') + 1);
}

/**
 * Build a baseline for an application env: static, random (deployment i seeded with seed + i),
 * trace or hpa, one per deployment. Learned agents refuse with a ConfigError saying why.
 */
export function createApplicationAgent(name: string, ctx: ApplicationContext, opts: CreateApplicationAgentOptions): ApplicationAgent {
  if (name === 'dqn' || name === 'ppo') {
    throw new ConfigError('agent', `expected an agent that acts on ${ctx.deployments.length} deployments, got "${name}", which has one categorical head (one deployment)`, {
      hint:
        name === 'ppo'
          ? 'a learned agent acts from a trained policy: simenv train --agent ppo --application --deploy a,b,c, then pass --policy DIR'
          : 'dqn has no factorised (MultiDiscrete) head: use ppo (simenv train --agent ppo --application), one of static, random, trace, hpa, or train dqn on one deployment (--deploy NAME)',
    });
  }
  const byName = opts.hpaByDeployment;
  const agents = ctx.deployments.map((deployment, i) => {
    const dctx = deploymentContext(ctx, i);
    const hpa = byName?.get(deployment) ?? byName?.get(bareName(deployment));
    return createAgent(name, dctx, { ...opts, seed: opts.seed + i, ...(hpa !== undefined ? { hpa } : {}) });
  });
  if (byName !== undefined) {
    const known = new Set(ctx.deployments.flatMap((d) => [d, bareName(d)]));
    const stray = [...byName.keys()].filter((k) => !known.has(k));
    if (stray.length > 0) {
      throw new ConfigError('hpa', `expected HPA manifests for the controlled deployments (${ctx.deployments.join(', ')}), got one for ${stray.join(', ')}`, {
        hint: 'drop the manifest, or add its deployment to --deploy',
      });
    }
  }
  return new PerDeploymentAgent(name, ctx, agents);
}
