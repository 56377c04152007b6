import { EnvStateError } from '../../errors.js';
import type { PodPhaseCounts } from '../../k8s/pod-phase.js';
import type { ClusterBackend } from '../backend.js';
import type { NodeTable } from './node-table.js';
import { PHASE_PENDING, PHASE_READY, PHASE_STARTING, PHASE_TERMINATING, type PodTable } from './pod-table.js';
import type { WorkloadTable } from './workload-table.js';

/** A workload's pods by phase (the shared k8s rule's counts) and its desired replicas. */
export interface PodCounts extends PodPhaseCounts {
  desired: number;
}

/** One node and what is bound to it (CPU in cores). */
export interface NodeUsage {
  name: string;
  present: boolean;
  pods: number;
  cpuUsed: number;
  cpuAllocatable: number;
}

/**
 * Read-only views of a memory backend's cluster for tests, tools and debugging: pod counts
 * and placements per workload, node usage, the simulated time. Each call builds fresh plain
 * objects from the backend's tables (not the hot path). Get one with `inspectMemoryBackend`.
 */
export class MemoryInspector {
  constructor(
    private readonly workloads: WorkloadTable,
    private readonly pods: PodTable,
    private readonly nodes: NodeTable,
    private readonly clock: () => number,
  ) {}

  /** Pod counts of a workload by `namespace/name` (undefined if the trace has none). */
  podCountsOf(key: string): PodCounts | undefined {
    const slot = this.workloads.slotOf(key);
    if (slot === undefined) return undefined;
    return {
      desired: this.workloads.desired[slot]!,
      pending: this.pods.countOf(slot, PHASE_PENDING),
      starting: this.pods.countOf(slot, PHASE_STARTING),
      ready: this.pods.countOf(slot, PHASE_READY),
      terminating: this.pods.countOf(slot, PHASE_TERMINATING),
    };
  }

  /** Ready replicas of a workload by `namespace/name` (0 if unknown). */
  readyReplicasOf(key: string): number {
    return this.podCountsOf(key)?.ready ?? 0;
  }

  /** Every workload key the backend replays. */
  workloadKeys(): string[] {
    return [...this.workloads.keys];
  }

  /** Nodes and what is bound to them. */
  nodeUsage(): NodeUsage[] {
    const nodes = this.nodes;
    return nodes.names.map((name, i) => ({
      name,
      present: nodes.present[i] === 1,
      pods: nodes.usedPods[i]!,
      cpuUsed: nodes.usedCpu[i]! / 1000,
      cpuAllocatable: nodes.allocCpu[i]! / 1000,
    }));
  }

  /** Node names hosting the scheduled pods of a workload (sorted), for placement tests. */
  nodesOf(key: string): string[] {
    const slot = this.workloads.slotOf(key);
    if (slot === undefined) return [];
    const pods = this.pods;
    const out: string[] = [];
    for (let p = 0; p < pods.capacity; p++) {
      const ph = pods.phase[p];
      if (pods.slot[p] === slot && (ph === PHASE_STARTING || ph === PHASE_READY || ph === PHASE_TERMINATING)) {
        out.push(this.nodes.names[pods.node[p]!]!);
      }
    }
    return out.sort();
  }

  /** Current simulated time, seconds since the trace's first event. */
  get timeS(): number {
    return this.clock();
  }
}

/**
 * The inspector of `env`'s memory backend (pod counts, placements, node usage), for tests and
 * tools; an EnvStateError on another backend.
 */
export function inspectMemoryBackend(env: { readonly backend: ClusterBackend }): MemoryInspector {
  const backend = env.backend;
  // Checked by the inspector's class: importing MemoryBackend here would be an import cycle.
  const inspector = (backend as { readonly inspector?: unknown }).inspector;
  if (!(inspector instanceof MemoryInspector)) {
    throw new EnvStateError(`expected an env on the memory backend, got the ${backend.kind} backend`, { hint: 'inspect envs created with backend: memory' });
  }
  return inspector;
}
