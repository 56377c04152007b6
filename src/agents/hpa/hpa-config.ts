import { z } from 'zod';

/**
 * The HPA's settings, named as in the autoscaling/v2 API (`spec.behavior`, `metrics[].target`)
 * with the API's defaults, so a user can paste the numbers of a production HPA.
 */

/** One rate policy: `Pods` (absolute) or `Percent`, over `periodSeconds`. */
export const HpaScalingPolicySchema = z.strictObject({
  type: z.enum(['Pods', 'Percent']),
  value: z.number().int().positive(),
  periodSeconds: z.number().int().positive().max(1800),
});
export type HpaScalingPolicy = z.infer<typeof HpaScalingPolicySchema>;

/** Scaling rules for one direction (HPAScalingRules). */
export const HpaScalingRulesSchema = z.strictObject({
  stabilizationWindowSeconds: z.number().int().min(0).max(3600).optional(),
  selectPolicy: z.enum(['Max', 'Min', 'Disabled']).default('Max'),
  policies: z.array(HpaScalingPolicySchema).optional(),
  /** Per-direction tolerance (KEP-4951); the cluster-wide `tolerance` when unset. */
  tolerance: z.number().min(0).optional(),
});
export type HpaScalingRulesInput = z.input<typeof HpaScalingRulesSchema>;

/**
 * The CPU utilisation target, integer percent of the request, in (0, 100]. The API allows
 * more (usage can exceed the request when limits are higher), but the env's utilisation is
 * the service's, at most 100%: a target above it could never be reached and the HPA would
 * only ever scale down.
 */
export const HpaTargetUtilisationSchema = z
  .number()
  .int('expected an integer percent')
  .min(1, 'expected a target utilisation in (0, 100] percent')
  .max(100, 'expected a target utilisation in (0, 100] percent (simulated utilisation never exceeds 100% of the request)');

/** Everything the HPA agent can be configured with. */
export const HpaOptionsSchema = z.strictObject({
  /** metrics[].resource.target.averageUtilization: integer percent of the CPU request. */
  targetUtilisation: HpaTargetUtilisationSchema.default(60),
  /** --horizontal-pod-autoscaler-tolerance (default 0.1). */
  tolerance: z.number().min(0).max(10).default(0.1),
  /** --horizontal-pod-autoscaler-sync-period (default 15 s). */
  syncPeriodSeconds: z.number().positive().default(15),
  /**
   * How long after the agent first sees a pod Ready its CPU counts (simulated seconds). The
   * real controller sets a new pod aside (as not ready, 0% on a scale-up) until metrics-server
   * has a sample taken a full metric window after the pod turned Ready (replica_calculator.go
   * groupPods, within --horizontal-pod-autoscaler-cpu-initialization-period): with a 15 s
   * resolution, the window (15 s) plus the wait for the next scrape (0-15 s, 7.5 on average)
   * after Ready. Measured on the loopback control plane (docs/kube.md): 42-43 s from Ready to
   * the next scale-up, i.e. the sync after that. 0: at once (the port before it was measured).
   */
  readyMetricsDelaySeconds: z.number().min(0).default(22.5),
  /** --horizontal-pod-autoscaler-downscale-stabilization (default 300 s), used when scaleDown sets none. */
  downscaleStabilizationSeconds: z.number().min(0).default(300),
  /** spec.minReplicas / spec.maxReplicas; the env's bounds when unset. */
  minReplicas: z.number().int().min(0).optional(),
  maxReplicas: z.number().int().min(1).optional(),
  behavior: z
    .strictObject({
      scaleUp: HpaScalingRulesSchema.optional(),
      scaleDown: HpaScalingRulesSchema.optional(),
    })
    .optional(),
});
export type HpaOptionsInput = z.input<typeof HpaOptionsSchema>;
/** HPA options with the replica range spelled out, as a manifest must name it (`spec.minReplicas`/`maxReplicas`). */
export type RangedHpaOptions = HpaOptionsInput & { minReplicas: number; maxReplicas: number };
export type HpaOptions = z.output<typeof HpaOptionsSchema>;

/** Scaling rules with every default filled in. */
export interface HpaScalingRules {
  stabilizationWindowSeconds: number;
  selectPolicy: 'Max' | 'Min' | 'Disabled';
  policies: HpaScalingPolicy[];
  tolerance: number;
}

/** Fully resolved behaviour (what SetDefaults_HorizontalPodAutoscalerBehavior produces). */
export interface HpaBehavior {
  scaleUp: HpaScalingRules;
  scaleDown: HpaScalingRules;
}

/** The API defaults: up max(100%, 4 pods) per 15 s, no window; down 100% per 15 s, 300 s window. */
export function resolveBehavior(options: HpaOptions): HpaBehavior {
  const up = options.behavior?.scaleUp;
  const down = options.behavior?.scaleDown;
  return {
    scaleUp: {
      stabilizationWindowSeconds: up?.stabilizationWindowSeconds ?? 0,
      selectPolicy: up?.selectPolicy ?? 'Max',
      policies: up?.policies ?? [
        { type: 'Percent', value: 100, periodSeconds: 15 },
        { type: 'Pods', value: 4, periodSeconds: 15 },
      ],
      tolerance: up?.tolerance ?? options.tolerance,
    },
    scaleDown: {
      stabilizationWindowSeconds: down?.stabilizationWindowSeconds ?? options.downscaleStabilizationSeconds,
      selectPolicy: down?.selectPolicy ?? 'Max',
      policies: down?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      tolerance: down?.tolerance ?? options.tolerance,
    },
  };
}
