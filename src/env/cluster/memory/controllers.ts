import { PHASE_PENDING, PHASE_READY, PHASE_STARTING, PHASE_TERMINATING, type PodTable } from './pod-table.js';
import { KIND_CRONJOB, KIND_DEPLOYMENT, KIND_JOB, KIND_POD, KIND_STATEFULSET } from './trace-script.js';
import type { WorkloadTable } from './workload-table.js';

/**
 * The memory backend's workload controllers, as functions over the pod table: Deployment /
 * ReplicaSet (converge at once, deleting pending, then starting, then ready pods, newest
 * first), StatefulSet (OrderedReady: one pod at a time), Job (`parallelism` pods at once until
 * as many pods as `pod_lifecycles` recorded have finished), bare Pods (one pod), and rolling
 * updates of Deployments and StatefulSets. They decide which pods to create and delete; the
 * backend (the event loop) does it, binding, scheduling and timing the pods' events.
 */

/** What the controllers act through: the tables and the backend's pod operations. */
export interface ControllerHost {
  readonly pods: PodTable;
  readonly workloads: WorkloadTable;
  /** Create a pod of `slot` (bound at once if a node fits; `instant`: Ready at once, at reset). */
  createPod(slot: number, instant: boolean): void;
  /** Delete pod `p` (a pending pod goes at once; others terminate for their grace period). */
  deletePod(p: number): void;
  /** Called before `slot`'s pods change, so the controlled deployment's segment is emitted first. */
  beforeChange(slot: number): void;
}

const ROLLOUT_UNREADY = [PHASE_PENDING, PHASE_STARTING] as const;
const DELETABLE = [PHASE_PENDING, PHASE_STARTING, PHASE_READY] as const;

/** Bring a workload's pods toward its desired count. `instant`: at reset, pods start Ready. */
export function reconcile(host: ControllerHost, slot: number, instant: boolean): void {
  const pods = host.pods;
  const w = host.workloads;
  const kind = w.kindOf[slot]!;
  if (kind === KIND_CRONJOB) return;
  if (w.rolling[slot] === 1 && !instant) {
    if (rolloutStep(host, slot)) return;
  }
  const pending = pods.countOf(slot, PHASE_PENDING);
  const starting = pods.countOf(slot, PHASE_STARTING);
  const ready = pods.countOf(slot, PHASE_READY);
  const active = pending + starting + ready;
  let want = w.desired[slot]!;
  if (kind === KIND_JOB || kind === KIND_POD) {
    const lifetimes = w.lifetimes[slot]!;
    const parallel = kind === KIND_POD ? Math.min(1, want) : want;
    // With recorded lifecycles, the Job is done after that many pods finished.
    const remaining = lifetimes.length > 0 ? lifetimes.length - w.succeeded[slot]! : Infinity;
    want = Math.max(0, Math.min(parallel, remaining));
    if (kind === KIND_POD && w.succeeded[slot]! > 0) want = 0;
  }
  if (active < want) {
    if (kind === KIND_STATEFULSET && !instant) {
      // OrderedReady: the next ordinal only once all others are Ready and none terminates.
      if (pending + starting === 0 && pods.countOf(slot, PHASE_TERMINATING) === 0) host.createPod(slot, false);
      return;
    }
    host.beforeChange(slot);
    for (let i = active; i < want; i++) host.createPod(slot, instant);
  } else if (active > want) {
    if (kind === KIND_JOB || kind === KIND_POD) return; // Jobs do not kill running pods to shrink
    host.beforeChange(slot);
    let excess = active - want;
    if (kind === KIND_STATEFULSET && !instant) excess = pods.countOf(slot, PHASE_TERMINATING) === 0 ? 1 : 0;
    // ReplicaSet deletion order: unscheduled, then not ready, then ready; newest first.
    while (excess > 0) {
      let p = pods.newest(slot, PHASE_PENDING);
      if (p < 0) p = pods.newest(slot, PHASE_STARTING);
      if (p < 0) p = pods.newest(slot, PHASE_READY);
      if (p < 0) break;
      host.deletePod(p);
      excess--;
    }
  }
}

/** A new pod template for a slot: Deployments and StatefulSets with pods roll them. */
export function startRollout(host: ControllerHost, slot: number, tpl: number): void {
  const w = host.workloads;
  w.tplOf[slot] = tpl;
  const kind = w.kindOf[slot];
  if (kind !== KIND_DEPLOYMENT && kind !== KIND_STATEFULSET) return; // Jobs and Pods keep running pods
  const pods = host.pods;
  if (pods.countOf(slot, PHASE_PENDING) + pods.countOf(slot, PHASE_STARTING) + pods.countOf(slot, PHASE_READY) > 0) w.rolling[slot] = 1;
}

/**
 * One reconcile of a rolling update (Deployment strategy RollingUpdate with the defaults
 * maxSurge 25% rounded up, maxUnavailable 25% rounded down, at least one of them non-zero;
 * StatefulSets: no surge, one unavailable). Old pods that are not ready go first; old ready
 * pods go while ready pods stay at least desired - maxUnavailable; new pods are created up to
 * desired, with at most desired + maxSurge pods in all. Returns false once no old pod is
 * left (the rollout is over and the plain controller takes over).
 */
export function rolloutStep(host: ControllerHost, slot: number): boolean {
  const pods = host.pods;
  const w = host.workloads;
  const cur = w.tplOf[slot]!;
  let oldReady = 0;
  let oldUnready = 0;
  let newPending = 0;
  let newStarting = 0;
  let newReady = 0;
  for (let phase = PHASE_PENDING; phase <= PHASE_READY; phase++) {
    for (let p = pods.oldest(slot, phase); p >= 0; p = pods.after(p)) {
      if (pods.tpl[p] === cur) {
        if (phase === PHASE_PENDING) newPending++;
        else if (phase === PHASE_STARTING) newStarting++;
        else newReady++;
      } else if (phase === PHASE_READY) oldReady++;
      else oldUnready++;
    }
  }
  if (oldReady + oldUnready === 0) {
    w.rolling[slot] = 0;
    return false;
  }
  host.beforeChange(slot);
  const d = w.desired[slot]!;
  const sts = w.kindOf[slot] === KIND_STATEFULSET;
  const surge = sts ? 0 : Math.ceil(d * 0.25);
  let unavailable = sts ? 1 : Math.floor(d * 0.25);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  // Old pods that serve nothing yet go first.
  for (const phase of ROLLOUT_UNREADY) {
    let p = pods.newest(slot, phase);
    while (p >= 0) {
      const prev = pods.before(p);
      if (pods.tpl[p] !== cur) host.deletePod(p);
      p = prev;
    }
  }
  let removable = newReady + oldReady - (d - unavailable);
  while (removable > 0 && oldReady > 0) {
    let p = pods.newest(slot, PHASE_READY);
    while (p >= 0 && pods.tpl[p] === cur) p = pods.before(p);
    if (p < 0) break;
    host.deletePod(p);
    oldReady--;
    removable--;
  }
  const newActive = newPending + newStarting + newReady;
  let create = Math.min(d - newActive, d + surge - (newActive + oldReady));
  if (sts) create = Math.min(create, newPending + newStarting === 0 ? 1 : 0);
  for (let i = 0; i < create; i++) host.createPod(slot, false);
  return true;
}

/** A workload was deleted: every pod it has that is not already terminating goes. */
export function removeAllPods(host: ControllerHost, slot: number): void {
  const pods = host.pods;
  host.beforeChange(slot);
  for (const phase of DELETABLE) {
    let p = pods.newest(slot, phase);
    while (p >= 0) {
      host.deletePod(p);
      p = pods.newest(slot, phase);
    }
  }
}
