import type { NodePoolOptions, Taint } from '../../options.js';
import { cpuMilli as cpuMilliOf, memoryBytes as bytesOf } from '../../k8s/pod-resources.js';
import type { KubeObject } from '../../trace/schema.js';

/**
 * The nodes of the memory cluster: their allocatable resources, labels and taints, and the
 * resources pods currently hold on them. Struct-of-arrays indexed by node number; nodes are
 * numbered in name order so "lowest index" is the scheduler's deterministic tie-break.
 */

// Millicores and bytes of a quantity, rounded up as Quantity.MilliValue / Quantity.Value.
export { cpuMilliOf, bytesOf };

/** What the scheduler needs from one node. */
export interface NodeFacts {
  name: string;
  /** Allocatable CPU, millicores (integers keep sums exact). */
  cpuMilli: number;
  /** Allocatable memory, bytes. */
  memBytes: number;
  pods: number;
  labels: Record<string, string>;
  taints: Taint[];
  unschedulable: boolean;
}

/** The nodes of virtual pools (KWOK-like), named `<pool>-<i>`. */
export function virtualNodeFacts(pools: readonly NodePoolOptions[]): NodeFacts[] {
  const out: NodeFacts[] = [];
  pools.forEach((p, pi) => {
    for (let i = 0; i < p.count; i++) {
      out.push({
        name: `${p.name}-${i}`,
        cpuMilli: cpuMilliOf(p.cpu, `nodes.pools[${pi}].cpu`),
        memBytes: bytesOf(p.memory, `nodes.pools[${pi}].memory`),
        pods: p.pods,
        labels: { ...p.labels, 'kubernetes.io/hostname': `${p.name}-${i}` },
        taints: p.taints.map((t) => ({ ...t })),
        unschedulable: false,
      });
    }
  });
  return out;
}

function field(obj: unknown, path: string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Facts of a Node object recorded in a trace (allocatable, else capacity, else `fallback`). */
export function nodeFactsFromObject(obj: KubeObject, fallback: NodePoolOptions): NodeFacts {
  const res = (field(obj, ['status', 'allocatable']) ?? field(obj, ['status', 'capacity']) ?? {}) as Record<string, string | number>;
  const where = `node ${obj.metadata.name}`;
  const pods = res.pods !== undefined ? Number(res.pods) : fallback.pods;
  const labels = (field(obj, ['metadata', 'labels']) ?? {}) as Record<string, string>;
  return {
    name: obj.metadata.name,
    cpuMilli: cpuMilliOf(res.cpu ?? fallback.cpu, `${where} allocatable.cpu`),
    memBytes: bytesOf(res.memory ?? fallback.memory, `${where} allocatable.memory`),
    pods: Number.isFinite(pods) ? pods : fallback.pods,
    labels: { ...labels },
    taints: ((field(obj, ['spec', 'taints']) ?? []) as Taint[]).map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    unschedulable: field(obj, ['spec', 'unschedulable']) === true,
  };
}

/** Node state: facts (changed by trace events) and usage (changed by binding pods). */
export class NodeTable {
  readonly names: string[];
  readonly facts: NodeFacts[];
  /** 1 while the node exists (trace nodes come and go). */
  readonly present: Uint8Array;
  readonly allocCpu: Float64Array;
  readonly allocMem: Float64Array;
  readonly allocPods: Int32Array;
  readonly usedCpu: Float64Array;
  readonly usedMem: Float64Array;
  readonly usedPods: Int32Array;
  /** Requests as the scoring sees them (zero requests count as 100m / 200Mi, as in kube-scheduler). */
  readonly scoreCpu: Float64Array;
  readonly scoreMem: Float64Array;
  /**
   * Bumped whenever a node's facts change, so the scheduler's compatible-node lists know when
   * they are stale (TemplateTable.refreshCompat).
   */
  factsEpoch = 0;
  /** The trace node version each node has (-1: the facts it was built with). */
  private readonly version: Int32Array;
  private readonly index = new Map<string, number>();

  /** `all`: every node that ever exists, in any order (they are sorted by name here). */
  constructor(all: readonly NodeFacts[]) {
    const sorted = [...all].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.facts = sorted.map((f) => ({ ...f }));
    this.names = sorted.map((f) => f.name);
    const n = sorted.length;
    this.present = new Uint8Array(n);
    this.allocCpu = new Float64Array(n);
    this.allocMem = new Float64Array(n);
    this.allocPods = new Int32Array(n);
    this.usedCpu = new Float64Array(n);
    this.usedMem = new Float64Array(n);
    this.usedPods = new Int32Array(n);
    this.scoreCpu = new Float64Array(n);
    this.scoreMem = new Float64Array(n);
    this.version = new Int32Array(n).fill(-1);
    sorted.forEach((f, i) => {
      this.index.set(f.name, i);
      this.setFacts(i, f);
    });
  }

  get count(): number {
    return this.names.length;
  }

  /** Node number of `name` (-1 if unknown). */
  indexOf(name: string): number {
    return this.index.get(name) ?? -1;
  }

  /** Replace a node's facts (a new version applied). */
  setFacts(i: number, f: NodeFacts): void {
    this.facts[i] = { ...f, labels: { ...f.labels }, taints: f.taints.map((t) => ({ ...t })) };
    this.allocCpu[i] = f.cpuMilli;
    this.allocMem[i] = f.memBytes;
    this.allocPods[i] = f.pods;
    this.factsEpoch++;
  }

  /** Give node i version `version` of its facts (`f`), unless it has that version already. */
  applyVersion(i: number, version: number, f: NodeFacts): void {
    if (this.version[i] === version) return;
    this.version[i] = version;
    this.setFacts(i, f);
  }

  /** Forget all usage and presence (episode reset). */
  clearUsage(): void {
    this.present.fill(0);
    this.usedCpu.fill(0);
    this.usedMem.fill(0);
    this.usedPods.fill(0);
    this.scoreCpu.fill(0);
    this.scoreMem.fill(0);
  }

  /** Whether the scheduler may place pods on node i. */
  schedulable(i: number): boolean {
    return this.present[i] === 1 && !this.facts[i]!.unschedulable;
  }

  /** Allocatable CPU of the schedulable nodes, millicores. */
  schedulableCpu(): number {
    let cpu = 0;
    for (let i = 0; i < this.count; i++) if (this.schedulable(i)) cpu += this.allocCpu[i]!;
    return cpu;
  }
}
