import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { parseMilli, parseQuantityValue } from './quantity.js';

/**
 * A pod's effective resource requests, as kube-scheduler computes them
 * (k8s.io/component-helpers resource.PodRequests): app containers plus sidecars (init
 * containers with `restartPolicy: Always`), or, if larger, each regular init container plus
 * the sidecars started before it; plus the RuntimeClass overhead. A container without a
 * request falls back to its limit, as Pod defaulting does. CPU is counted in millicores
 * (Quantity.MilliValue: rounded up), memory in bytes (Quantity.Value: rounded up). The memory
 * backend (through the trace model) and the kube backend (live pods) both count this way.
 */

type ResourceList = Readonly<Record<string, unknown>>;

/** The fields of a container this module reads (a structural subset of V1Container). */
export interface ContainerResourcesLike {
  restartPolicy?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
}

/** The fields of a pod spec this module reads (a structural subset of V1PodSpec). */
export interface PodSpecResourcesLike {
  containers?: readonly ContainerResourcesLike[];
  initContainers?: readonly ContainerResourcesLike[];
  overhead?: ResourceList;
}

// The client's types must stay assignable to the subsets above (compile-time check only).
void ((s: V1PodSpec, c: V1Container): [PodSpecResourcesLike, ContainerResourcesLike] => [s, c]);

/** A pod's effective requests: CPU in millicores, memory in bytes. */
export interface PodRequests {
  cpuMilli: number;
  memoryBytes: number;
}

type Resource = 'cpu' | 'memory';

function amount(q: unknown, resource: Resource, where: string): number {
  const v = q as string | number | bigint;
  return resource === 'cpu' ? parseMilli(v, where) : parseQuantityValue(v, where);
}

/** A container's request for one resource: `requests`, else `limits`; 0 when neither is set. */
export function containerRequest(c: ContainerResourcesLike | undefined, resource: Resource, path = ''): number {
  const fromRequests = c?.resources?.requests?.[resource];
  const q = fromRequests ?? c?.resources?.limits?.[resource];
  if (q === undefined || q === null) return 0;
  return amount(q, resource, `${path}.resources.${fromRequests !== undefined ? 'requests' : 'limits'}.${resource}`);
}

/**
 * The pod's effective request for one resource (millicores or bytes). `path` names the spec
 * in error messages; a malformed quantity throws TraceFormatError naming its field.
 */
export function podRequest(spec: PodSpecResourcesLike | undefined, resource: Resource, path = ''): number {
  const containers = Array.isArray(spec?.containers) ? spec!.containers : [];
  const inits = Array.isArray(spec?.initContainers) ? spec!.initContainers : [];
  let app = 0;
  containers.forEach((c, i) => {
    app += containerRequest(c, resource, `${path}.containers[${i}]`);
  });
  let sidecars = 0;
  let initPeak = 0;
  inits.forEach((c, i) => {
    const r = containerRequest(c, resource, `${path}.initContainers[${i}]`);
    if (c?.restartPolicy === 'Always') sidecars += r;
    else initPeak = Math.max(initPeak, r + sidecars);
  });
  const overhead = spec?.overhead?.[resource];
  const extra = overhead === undefined || overhead === null ? 0 : amount(overhead, resource, `${path}.overhead.${resource}`);
  return Math.max(app + sidecars, initPeak) + extra;
}

/** Both effective requests of a pod spec. */
export function podRequests(spec: PodSpecResourcesLike | undefined, path = ''): PodRequests {
  return { cpuMilli: podRequest(spec, 'cpu', path), memoryBytes: podRequest(spec, 'memory', path) };
}

/** Millicores of a CPU quantity (a number is cores), rounded up as Quantity.MilliValue. */
export function cpuMilli(q: string | number, path = ''): number {
  return parseMilli(q, path);
}

/** Bytes of a memory quantity (a number is bytes), rounded up as Quantity.Value. */
export function memoryBytes(q: string | number, path = ''): number {
  return parseQuantityValue(q, path);
}
