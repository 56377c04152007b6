import type { BackendResetParams } from '../backend.js';
import type { NodeTable } from './node-table.js';
import { ACT_APPLY, ACT_DELETE, ACT_NODE_APPLY, ACT_NODE_DELETE, type TraceScript } from './trace-script.js';
import type { WorkloadTable } from './workload-table.js';

/**
 * The memory cluster as the trace has it at an episode's start, before any pod exists: every
 * trace action up to the start applied without dynamics (workloads alive with their recorded
 * replicas and templates, nodes present with their facts), and the controlled deployments
 * alive for the whole episode at the agent's initial replicas (their replicas are the agent's,
 * only their template follows the trace). The memory backend then creates the pods as already
 * running and replays the rest of the trace from the returned cursor.
 */

/**
 * Apply the trace up to `params.startTimeS` to the cleared tables `w` and `nodes`; returns the
 * index of the first trace action after the start. `cSlots` and `ctrlOf` are the controlled
 * deployments' slots and each slot's controlled index (-1: replayed as recorded); `seen` is
 * scratch of one byte per controlled deployment (reset allocates nothing).
 */
export function applyEpisodeStart(
  s: TraceScript,
  params: BackendResetParams,
  w: WorkloadTable,
  nodes: NodeTable,
  cSlots: Int32Array,
  ctrlOf: Int32Array,
  seen: Uint8Array,
): number {
  const start = params.startTimeS;
  seen.fill(0);
  let k = 0;
  for (; k < s.times.length && s.times[k]! <= start; k++) {
    const target = s.target[k]!;
    switch (s.type[k]) {
      case ACT_APPLY: {
        const ci = ctrlOf[target]!;
        if (ci >= 0) seen[ci] = 1;
        w.alive[target] = 1;
        w.tplOf[target] = s.tpl[k]!;
        if (ci < 0) w.desired[target] = s.value[k]!;
        break;
      }
      case ACT_DELETE:
        w.alive[target] = 0;
        w.desired[target] = 0;
        break;
      case ACT_NODE_APPLY: {
        const version = s.value[k]!;
        nodes.present[target] = 1;
        nodes.applyVersion(target, version, s.nodeVersions[version]!);
        break;
      }
      case ACT_NODE_DELETE:
        nodes.present[target] = 0;
        break;
    }
  }
  for (let i = 0; i < cSlots.length; i++) {
    const slot = cSlots[i]!;
    // Applied only after the start: its first recorded template.
    if (seen[i] === 0) w.tplOf[slot] = s.tpl[firstApplyOf(s, slot)]!;
    w.alive[slot] = 1;
    w.desired[slot] = i === 0 ? params.initialReplicas : params.initialReplicasOf![i]!;
  }
  return k;
}

function firstApplyOf(s: TraceScript, slot: number): number {
  for (let k = 0; k < s.times.length; k++) if (s.type[k] === ACT_APPLY && s.target[k] === slot) return k;
  return 0;
}
