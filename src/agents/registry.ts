import { ConfigError, PolicyError } from '../env/errors.js';
import type { Agent } from './agent.js';
import type { AgentContext } from '../env/types.js';
import { HpaAgent } from './hpa-agent.js';
import { HpaTargetUtilisationSchema, type HpaOptionsInput } from './hpa/hpa-config.js';
import type { HpaManifest } from './hpa/hpa-manifest.js';
import { K8sHpaAgent } from './k8s-hpa-agent.js';
import { RandomAgent } from './random-agent.js';
import { StaticAgent } from './static-agent.js';
import { TraceAgent } from './trace-agent.js';
import { HpaResidual, HpaResidualAgent, policyHpaResidual } from './hpa-residual.js';

/**
 * Agents by name, for the runner and the CLI. Baselines are built from options; learned agents
 * (dqn, ppo) are loaded from a trained policy directory with `loadAgent`.
 */

/** Agents `createAgent` can build from options alone. */
export const BASELINE_AGENT_NAMES = ['static', 'random', 'trace', 'hpa'] as const;
/** Agents that come from training (`simenv train`), loaded with `loadAgent(dir)`. */
export const LEARNED_AGENT_NAMES = ['dqn', 'ppo'] as const;
/** Agents that hand scaling to a controller in the cluster (kube backend only). */
export const CLUSTER_AGENT_NAMES = ['k8s-hpa'] as const;
/** Every agent name simenv knows. */
export const AGENT_NAMES = [...BASELINE_AGENT_NAMES, ...LEARNED_AGENT_NAMES, ...CLUSTER_AGENT_NAMES] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** Options understood by `createAgent`; unknown keys are ignored by agents that do not use them. */
export interface CreateAgentOptions {
  /** Seeds the random agent (and is recorded by the others). */
  seed: number;
  /** static: replicas to hold (default: the count the episode starts with); hpa: target CPU utilisation in percent (default 60). */
  target?: number;
  /** hpa: full HPA settings (autoscaling/v2 names), see docs/agents.md. */
  hpa?: HpaOptionsInput;
  /** hpa, k8s-hpa: an HPA manifest (`loadHpaManifest`, `--hpa FILE`); hpa runs its options in memory (`hpa` overrides them), k8s-hpa names it. */
  hpaManifest?: HpaManifest;
  [k: string]: unknown;
}

/** Build a baseline agent by name; ConfigError(`agent`) listing the known names otherwise. */
export function createAgent(name: string, ctx: AgentContext, opts: CreateAgentOptions): Agent {
  switch (name) {
    case 'static':
      return new StaticAgent(ctx, opts.target);
    case 'random':
      return new RandomAgent(ctx, opts.seed);
    case 'trace':
      return new TraceAgent(ctx);
    case 'hpa': {
      const hpa: HpaOptionsInput = { ...(opts.hpaManifest?.options ?? {}), ...(opts.hpa ?? {}) };
      if (opts.target !== undefined) {
        const t = HpaTargetUtilisationSchema.safeParse(opts.target);
        if (!t.success) {
          throw new ConfigError('target', `expected the HPA's target CPU utilisation as an integer percent in (0, 100], got ${opts.target}`, {
            hint: 'pass e.g. --target 60 for 60% of the CPU request',
          });
        }
        hpa.targetUtilisation = t.data;
      }
      return new HpaAgent(ctx, hpa);
    }
    case 'k8s-hpa': {
      if (!opts.hpaManifest) {
        throw new ConfigError('hpa', 'expected an HPA manifest for the k8s-hpa agent, got none', { hint: 'pass --hpa FILE (an autoscaling/v2 HorizontalPodAutoscaler) with --backend kube' });
      }
      return new K8sHpaAgent(ctx, opts.hpaManifest.name ?? '(unnamed)');
    }
    case 'dqn':
    case 'ppo':
      throw new ConfigError('agent', `expected a trained policy for the learned agent "${name}", got only its name`, {
        hint: `train one with \`simenv train --agent ${name} ... --out DIR\` and pass --policy DIR`,
      });
    default:
      throw new ConfigError('agent', `expected one of ${AGENT_NAMES.join(', ')}, got "${name}"`, {
        hint: `baselines: ${BASELINE_AGENT_NAMES.join(', ')}; learned agents (${LEARNED_AGENT_NAMES.join(', ')}) load with --policy DIR`,
      });
  }
}

/**
 * Load a trained policy directory (model.json + weights + policy.json; or a `simenv train`
 * run directory, meaning its final policy) as an agent that acts greedily. PolicyError when the directory is missing, corrupt, or was trained for another
 * observation or action shape than `ctx`'s. TensorFlow.js is imported only here, on demand.
 */
export async function loadAgent(policyDir: string, ctx: AgentContext): Promise<Agent> {
  const { loadPolicyAgent } = await import('./learned/policy-agent.js');
  const { readPolicyMetadata, resolvePolicyDir } = await import('./learned/policy-metadata.js');
  const dir = resolvePolicyDir(policyDir);
  // A policy trained on top of an HPA acts through it (src/agents/hpa-residual.ts).
  const residual = policyHpaResidual(await readPolicyMetadata(dir), dir);
  if (residual === undefined) return loadPolicyAgent(dir, ctx);
  const r = new HpaResidual(ctx, residual);
  return new HpaResidualAgent(ctx, residual, await loadPolicyAgent(dir, r.ctx));
}

/** What a saved policy was trained for (its policy.json), e.g. to build a matching eval env. */
export interface PolicyInfo {
  /** The resolved policy directory. */
  dir: string;
  agent: 'dqn' | 'ppo';
  /** SimEnv options it was trained with (resolved; JSON). */
  envOptions: Record<string, unknown>;
  action: { n: number; start: number; mode: 'absolute' | 'delta' };
  observationShape: number[];
}

/**
 * Read a policy's metadata without loading TensorFlow.js. Evaluating a policy needs an env of
 * the same action space: pass `actionMode`, `maxDelta` (delta) or min/max replicas (absolute)
 * from `envOptions` when building it.
 */
export async function readPolicyInfo(policyDir: string): Promise<PolicyInfo> {
  const { readPolicyMetadata, resolvePolicyDir } = await import('./learned/policy-metadata.js');
  const dir = resolvePolicyDir(policyDir);
  const m = await readPolicyMetadata(dir);
  if (m.action.type !== 'Discrete') {
    throw new PolicyError(`policy ${dir} scales ${m.action.deployments.length} deployments (${m.action.deployments.join(', ')}), got a run of one deployment`, {
      hint: `run it with --deploy ${m.action.deployments.join(',')}`,
    });
  }
  // An HPA-residual policy acts in the env's absolute replica counts (its own actions are corrections).
  const envAction = policyHpaResidual(m, dir)?.envAction;
  const action = envAction !== undefined ? { ...envAction, mode: 'absolute' as const } : { n: m.action.n, start: m.action.start, mode: m.action.mode };
  return { dir, agent: m.agent, envOptions: m.envOptions, action, observationShape: m.observation.shape };
}
