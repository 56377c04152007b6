import type { KubeObject } from '../../trace/schema.js';
import { RUN_LABEL, WORKLOAD_LABEL, workloadLabelValue } from './labels.js';
import { resourceInfo } from './resources.js';

/**
 * Turns a manifest recorded in a trace into one a test cluster with KWOK virtual nodes will
 * accept and schedule, as SimKube's driver does: the run label everywhere, pods steered onto
 * the virtual nodes, and the fields that only made sense in the recorded cluster removed.
 * Pure: no IO, the input is never modified.
 */

export interface ManifestOptions {
  /** The namespace the object is created in (namespaced kinds only). */
  namespace: string;
  runId: string;
  /** Merged into every pod template's nodeSelector (it wins over the recorded one). */
  nodeSelector: Record<string, string>;
  /** Add SimKube's KWOK toleration (`kwok-provider`, any value, NoSchedule). */
  kwokToleration: boolean;
  /** KWOK's ready delay for the pods (a Go duration such as `1.5s`), or undefined for none. */
  readyDelay?: string;
  /** Override `spec.replicas` (the controlled deployment: the agent owns it). */
  replicas?: number;
  /** Opt the pods into drawn start-up delays (startup-gate.ts). */
  drawnStartup?: boolean;
}

/** Template annotation opting pods into drawn start-up delays (see startup-gate.ts, which re-exports it). */
export const STARTUP_LATENCY_ANNOTATION = 'simenv.io/startup-latency';

/** SimKube's toleration for its KWOK nodes' `kwok-provider=true:NoSchedule` taint. */
export const KWOK_TOLERATION = { key: 'kwok-provider', operator: 'Exists', effect: 'NoSchedule' } as const;
/** The annotation SimKube's KWOK `pod-ready` stage reads its delay from. */
export const READY_DELAY_ANNOTATION = 'simkube.io/kwok-stage-ready-delay';

// Metadata the API server owns, or that ties the object to the recorded cluster.
const DROPPED_METADATA = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'generation',
  'managedFields',
  'ownerReferences',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  // No controller here would remove them, so deletion would hang forever.
  'finalizers',
];
const DROPPED_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration', 'deployment.kubernetes.io/revision'];

// Pod spec fields that name things the test cluster does not have (nodes, service accounts,
// priority and runtime classes): each would make the pod unschedulable or rejected.
const DROPPED_POD_SPEC = ['nodeName', 'serviceAccountName', 'serviceAccount', 'priorityClassName', 'priority', 'runtimeClassName'];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function child(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObj(v)) return v;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function at(obj: unknown, path: string[]): Obj | undefined {
  let cur: unknown = obj;
  for (const p of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[p];
  }
  return isObj(cur) ? cur : undefined;
}

/** The cluster manifest of a trace object; see the module comment for what changes. */
export function clusterManifest(obj: KubeObject, opts: ManifestOptions): KubeObject {
  const out = structuredClone(obj) as Obj & KubeObject;
  const info = resourceInfo(out.kind, out.apiVersion);
  delete out.status;
  const meta = out.metadata as Obj;
  for (const k of DROPPED_METADATA) delete meta[k];
  if (info.namespaced) meta.namespace = opts.namespace;
  else delete meta.namespace;
  child(meta, 'labels')[RUN_LABEL] = opts.runId;
  const annotations = child(meta, 'annotations');
  for (const k of DROPPED_ANNOTATIONS) delete annotations[k];
  if (Object.keys(annotations).length === 0) delete meta.annotations;

  if (opts.replicas !== undefined && info.scalable) child(out, 'spec').replicas = opts.replicas;

  if (info.podTemplatePath) {
    const template = info.podTemplatePath.length === 0 ? out : at(out, info.podTemplatePath);
    if (template) adaptPodTemplate(template, out.kind, out.metadata.name, opts);
  }
  if (out.kind === 'Service') adaptService(out);
  return out;
}

function adaptPodTemplate(template: Obj, kind: string, name: string, opts: ManifestOptions): void {
  const tmeta = child(template, 'metadata');
  delete tmeta.creationTimestamp;
  const labels = child(tmeta, 'labels');
  labels[RUN_LABEL] = opts.runId;
  labels[WORKLOAD_LABEL] = workloadLabelValue(kind, name);
  if (opts.readyDelay !== undefined) child(tmeta, 'annotations')[READY_DELAY_ANNOTATION] = opts.readyDelay;
  if (opts.drawnStartup) child(tmeta, 'annotations')[STARTUP_LATENCY_ANNOTATION] = 'drawn';
  const spec = child(template, 'spec');
  for (const k of DROPPED_POD_SPEC) delete spec[k];
  if (Object.keys(opts.nodeSelector).length > 0) {
    spec.nodeSelector = { ...(isObj(spec.nodeSelector) ? spec.nodeSelector : {}), ...opts.nodeSelector };
  }
  // Required node affinity names labels of the recorded nodes, which virtual nodes lack.
  const affinity = isObj(spec.affinity) ? spec.affinity : undefined;
  if (affinity) {
    delete affinity.nodeAffinity;
    if (Object.keys(affinity).length === 0) delete spec.affinity;
  }
  if (opts.kwokToleration) {
    const tolerations = Array.isArray(spec.tolerations) ? (spec.tolerations as Obj[]) : [];
    if (!tolerations.some((t) => isObj(t) && t.key === KWOK_TOLERATION.key)) tolerations.push({ ...KWOK_TOLERATION });
    spec.tolerations = tolerations;
  }
}

function adaptService(svc: Obj): void {
  const spec = at(svc, ['spec']);
  if (!spec) return;
  // Recorded cluster IPs and node ports belong to the recorded cluster's ranges.
  if (spec.clusterIP !== 'None') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  delete spec.healthCheckNodePort;
  if (Array.isArray(spec.ports)) for (const p of spec.ports) if (isObj(p)) delete p.nodePort;
}

/** KWOK's ready delay for a start-up latency in simulated seconds at `speed` (a Go duration). */
export function readyDelayFor(simSeconds: number, speed: number): string | undefined {
  if (simSeconds <= 0) return undefined;
  const ms = Math.max(1, Math.round((simSeconds / speed) * 1000));
  return `${ms}ms`;
}
