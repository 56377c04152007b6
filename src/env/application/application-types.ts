import type { Box, MultiDiscrete } from '../spaces.js';
import type { NamedObservation, RewardBreakdown, ServiceReport } from '../types.js';

/**
 * The vocabulary of an env that controls several deployments of one application (an
 * `ApplicationEnv`): its info, its end-to-end report and what an agent knows about it.
 */

/** Per-deployment observation components, in the order of each deployment's block. */
export const DEPLOYMENT_OBSERVATION_FIELDS = ['desired', 'ready', 'pending', 'terminating', 'utilisation', 'demand', 'demandTrend'] as const;
/** Cluster-wide observation components, after the per-deployment blocks. */
export const CLUSTER_OBSERVATION_FIELDS = ['freeCpu', 'traceProgress'] as const;

/** One controlled deployment's part of a step. */
export interface DeploymentStepInfo {
  /** `namespace/name`. */
  readonly name: string;
  /** Replicas (absolute) or change (delta) asked for, and the replicas applied after clipping. */
  action: { requested: number; applied: number };
  /** The replicas production recorded for this deployment at this time. */
  recordedReplicas: number;
  /** Physical units; `freeCpu` and `traceProgress` are the cluster's (the same in every deployment). */
  observation: NamedObservation;
  /** This deployment's reward components (the step's reward is the sum over deployments). */
  reward: RewardBreakdown;
  /** This deployment's service model report; with a call graph, `demand` is what its callers served it. */
  service: ServiceReport;
}

/** The request path's view of a step's window (call-graph demand only). */
export interface EndToEndReport {
  /** Mean requests/s arriving at the entry services. */
  demand: number;
  /** Mean fraction of entry requests whose whole call tree completed (demand-weighted). */
  completed: number;
  /** Mean end-to-end latency of an entry request, ms (demand-weighted; sum along the path). */
  latencyMs: number;
  /** Seconds in which some entry's requests failed or its end-to-end latency broke the SLO. */
  violationS: number;
}

/** Extra facts about a step of an ApplicationEnv (reused object: copy what you keep). */
export interface ApplicationStepInfo {
  episode: number;
  step: number;
  timeS: number;
  traceTs: number;
  /** Sums over the deployments. */
  reward: RewardBreakdown;
  /** One entry per controlled deployment, in the order of the action components. */
  deployments: DeploymentStepInfo[];
  /** The request path's report with a call graph; null without one. */
  endToEnd: EndToEndReport | null;
}

/** What an agent knows about an ApplicationEnv (fixed for its lifetime). */
export interface ApplicationContext {
  observationSpace: Box;
  actionSpace: MultiDiscrete;
  actionMode: 'absolute' | 'delta';
  /** `namespace/name` of each controlled deployment: action component i scales deployment i. */
  deployments: readonly string[];
  minReplicas: number;
  /** Highest replicas of each deployment. */
  maxReplicas: readonly number[];
  stepSeconds: number;
  /** Name of each observation component (`<deployment>.<field>`, then the cluster's). */
  observationNames: readonly string[];
}
