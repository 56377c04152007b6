import { instantUtilisation } from '../../service-model.js';
import type { ServiceLoad } from '../backend.js';

/**
 * The CPU a controlled pod burns, derived from the demand model, for KWOK's resource-usage
 * emulation (pod annotation `kwok.x-k8s.io/usage-cpu`, read by the ClusterResourceUsage in
 * scripts/control-plane/kwok/). Pure.
 *
 * The rule is utilisation x request: a Ready pod uses `rho x podCpu`, where rho is the service
 * model's utilisation of the ready replicas at that instant, min(1, demand / (ready x mu)). It
 * is the quantity the memory backend's `hpa` agent reads (`observation.utilisation`, the same
 * rho averaged over the last step), so both HPAs see the same CPU utilisation of their pods.
 * Pods that are not Ready serve nothing and publish STARTING_POD_CPU.
 */

/**
 * CPU (cores) of a pod that is not Ready: a starting container burns a little, and KWOK's
 * counter must grow from the start, because metrics-server drops a container whose cumulative
 * CPU is 0 as incomplete, and a pod would then get metrics only two scrapes (15-30 s) after it
 * started serving instead of right away. 1m is also KWOK's default without the annotation.
 */
export const STARTING_POD_CPU = 0.001;

/** The annotation KWOK's usage-from-annotation ClusterResourceUsage reads (per container). */
export const USAGE_CPU_ANNOTATION = 'kwok.x-k8s.io/usage-cpu';

/** CPU (cores) one Ready pod uses at time `timeS` with `ready` pods serving, each requesting `podCpu` cores. */
export function readyPodCpu(load: ServiceLoad, timeS: number, ready: number, podCpu: number): number {
  return instantUtilisation(load.demand.at(timeS), ready, load.perReplicaRps) * podCpu;
}

/**
 * The annotation value for one container of a pod using `podCores` in all: KWOK evaluates the
 * annotation once per container, so a pod of n containers publishes 1/n of its usage each.
 * Millicores, as kubelet metrics resolve them.
 */
export function usageAnnotationValue(podCores: number, containers: number): string {
  const per = podCores / Math.max(1, containers);
  return `${Math.max(0, Math.round(per * 1000))}m`;
}
