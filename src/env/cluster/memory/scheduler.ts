import type { PodTemplateFacts } from '../../trace/trace-model.js';
import type { NodeTable } from './node-table.js';
import { selectorMatches, toleratesAll, type TolerationLike } from './placement.js';

/**
 * A Kubernetes-like scheduler for the memory cluster.
 *
 * Filter (kube-scheduler's NodeResourcesFit, NodeName/NodeUnschedulable, NodeAffinity for
 * nodeSelector, TaintToleration): the node exists and is schedulable, has room for the pod's
 * CPU and memory requests and one more pod, its labels satisfy the nodeSelector, and every
 * NoSchedule/NoExecute taint is tolerated.
 * Score (NodeResourcesFit LeastAllocated, CPU and memory weighted 1 each): per resource
 * floor((allocatable - requested_after) * 100 / allocatable), averaged with integer division,
 * where zero requests count as 100m CPU / 200Mi memory for scoring only (as kube-scheduler's
 * non-zero defaults). Highest score wins; ties go to the node first in name order (where
 * kube-scheduler picks at random), so placement is deterministic.
 *
 * Static predicates (selector, taints, schedulable) depend only on the template and the node
 * facts, so they are evaluated once per (template, node) into a list of compatible nodes,
 * recomputed only when nodes change; binding a pod then costs O(compatible nodes).
 */

const DEFAULT_SCORE_CPU_MILLI = 100;
const DEFAULT_SCORE_MEM_BYTES = 200 * 1024 * 1024;

/** A pod template as the scheduler and controllers see it, with its id. */
export interface TemplateSpec {
  cpuMilli: number;
  memBytes: number;
  nodeSelector: Record<string, string>;
  tolerations: TolerationLike[];
  graceS: number;
}

/** Registry of distinct pod templates, with their requests and compatible nodes. */
export class TemplateTable {
  readonly specs: TemplateSpec[] = [];
  cpu: Float64Array = new Float64Array(16);
  mem: Float64Array = new Float64Array(16);
  scoreCpu: Float64Array = new Float64Array(16);
  scoreMem: Float64Array = new Float64Array(16);
  grace: Float64Array = new Float64Array(16);
  /** Compatible nodes of each template (by the static predicates). */
  compat: Int32Array[] = [];
  /** The node presence and facts epoch `compat` was computed for (-1: never). */
  private compatPresence = new Uint8Array(0);
  private compatEpoch = -1;
  private readonly ids = new Map<string, number>();

  constructor(private readonly inject: { nodeSelector: Record<string, string>; tolerations: TolerationLike[] } | null) {}

  /**
   * Id of a template (registered on first sight; setup time only). `revision` is the full pod
   * template as text: two versions with equal facts but another image are distinct templates,
   * so controllers roll their pods.
   */
  idOf(f: PodTemplateFacts, revision = ''): number {
    const spec: TemplateSpec = {
      cpuMilli: f.cpuMilli,
      memBytes: Math.round(f.memory),
      nodeSelector: { ...f.nodeSelector, ...(this.inject?.nodeSelector ?? {}) },
      tolerations: [...f.tolerations, ...(this.inject?.tolerations ?? [])],
      graceS: f.terminationGracePeriodS,
    };
    const key = `${JSON.stringify(spec)}|${revision}`;
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const id = this.specs.length;
    if (id === this.cpu.length) this.grow();
    this.specs.push(spec);
    this.cpu[id] = spec.cpuMilli;
    this.mem[id] = spec.memBytes;
    this.scoreCpu[id] = spec.cpuMilli > 0 ? spec.cpuMilli : DEFAULT_SCORE_CPU_MILLI;
    this.scoreMem[id] = spec.memBytes > 0 ? spec.memBytes : DEFAULT_SCORE_MEM_BYTES;
    this.grace[id] = spec.graceS;
    this.compat.push(new Int32Array(0));
    this.ids.set(key, id);
    return id;
  }

  private grow(): void {
    const g = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    this.cpu = g(this.cpu);
    this.mem = g(this.mem);
    this.scoreCpu = g(this.scoreCpu);
    this.scoreMem = g(this.scoreMem);
    this.grace = g(this.grace);
  }

  /**
   * Recompute every template's compatible nodes (after nodes appear, vanish or change); a no-op
   * when presence and facts are as at the last call (resets usually rebuild the same node set,
   * and the rebuild allocates).
   */
  refreshCompat(nodes: NodeTable): void {
    const present = nodes.present;
    let same = this.compatEpoch === nodes.factsEpoch && this.compatPresence.length === present.length;
    for (let i = 0; same && i < present.length; i++) if (present[i] !== this.compatPresence[i]) same = false;
    if (same) return;
    if (this.compatPresence.length !== present.length) this.compatPresence = new Uint8Array(present.length);
    this.compatPresence.set(present);
    this.compatEpoch = nodes.factsEpoch;
    const scratch = new Int32Array(nodes.count);
    for (let t = 0; t < this.specs.length; t++) {
      const spec = this.specs[t]!;
      let k = 0;
      for (let i = 0; i < nodes.count; i++) {
        if (!nodes.schedulable(i)) continue;
        const f = nodes.facts[i]!;
        if (!selectorMatches(spec.nodeSelector, f.labels)) continue;
        if (!toleratesAll(spec.tolerations, f.taints)) continue;
        scratch[k++] = i;
      }
      this.compat[t] = scratch.slice(0, k);
    }
  }
}

/** Filter and score: the node a pod of template `tpl` binds to now, or -1 if none fits. */
export function pickNode(nodes: NodeTable, templates: TemplateTable, tpl: number): number {
  const compat = templates.compat[tpl]!;
  const cpu = templates.cpu[tpl]!;
  const mem = templates.mem[tpl]!;
  const sCpu = templates.scoreCpu[tpl]!;
  const sMem = templates.scoreMem[tpl]!;
  let best = -1;
  let bestScore = -1;
  for (let j = 0; j < compat.length; j++) {
    const i = compat[j]!;
    if (nodes.usedPods[i]! + 1 > nodes.allocPods[i]!) continue;
    const aCpu = nodes.allocCpu[i]!;
    const aMem = nodes.allocMem[i]!;
    if (nodes.usedCpu[i]! + cpu > aCpu) continue;
    if (nodes.usedMem[i]! + mem > aMem) continue;
    const cpuScore = aCpu > 0 ? Math.max(0, Math.floor(((aCpu - nodes.scoreCpu[i]! - sCpu) * 100) / aCpu)) : 0;
    const memScore = aMem > 0 ? Math.max(0, Math.floor(((aMem - nodes.scoreMem[i]! - sMem) * 100) / aMem)) : 0;
    const score = (cpuScore + memScore) >> 1;
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/** Account a pod of template `tpl` on node `i`. */
export function bindResources(nodes: NodeTable, templates: TemplateTable, i: number, tpl: number): void {
  nodes.usedCpu[i]! += templates.cpu[tpl]!;
  nodes.usedMem[i]! += templates.mem[tpl]!;
  nodes.usedPods[i]! += 1;
  nodes.scoreCpu[i]! += templates.scoreCpu[tpl]!;
  nodes.scoreMem[i]! += templates.scoreMem[tpl]!;
}

/** Release what a pod of template `tpl` held on node `i`. */
export function releaseResources(nodes: NodeTable, templates: TemplateTable, i: number, tpl: number): void {
  nodes.usedCpu[i]! -= templates.cpu[tpl]!;
  nodes.usedMem[i]! -= templates.mem[tpl]!;
  nodes.usedPods[i]! -= 1;
  nodes.scoreCpu[i]! -= templates.scoreCpu[tpl]!;
  nodes.scoreMem[i]! -= templates.scoreMem[tpl]!;
}
