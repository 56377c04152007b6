import { TimeoutError } from '../../errors.js';
import { collectionPath, type KubeClient } from './kube-client.js';
import { groupOf, resourceInfo } from './resources.js';
import type { TeardownReport } from './kube-reports.js';

/**
 * Teardown by label: one `deletecollection` per resource the run created (plus its pods and
 * ReplicaSets, which the controllers made from labelled templates), then a bounded wait
 * until a list by the same label comes back empty. Works the same for the run that just
 * ended, for a crashed run found later, and for `simenv teardown`.
 */

/** A resource to delete from: enough to build its collection URL. */
export interface KindRef {
  kind: string;
  apiVersion: string;
  group: string;
  version: string;
  resource: string;
}

/** The KindRef of a kind (`apiVersion` as in a manifest). */
export function kindRef(kind: string, apiVersion: string): KindRef {
  const info = resourceInfo(kind, apiVersion);
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  return { kind, apiVersion, group: groupOf(apiVersion), version, resource: info.resource };
}

/** What teardown deletes when it does not know the trace: the kinds traces usually hold. */
export function commonKinds(): KindRef[] {
  return [
    kindRef('Deployment', 'apps/v1'),
    kindRef('StatefulSet', 'apps/v1'),
    kindRef('DaemonSet', 'apps/v1'),
    kindRef('Job', 'batch/v1'),
    kindRef('CronJob', 'batch/v1'),
    kindRef('Service', 'v1'),
    kindRef('ConfigMap', 'v1'),
  ];
}

/** A resource teardown deletes, or (`waitOnly`) only waits for: the garbage collector removes those. */
export interface TeardownKind extends KindRef {
  waitOnly: boolean;
}

/**
 * Distinct resources of `refs` plus what controllers made from the run's labelled templates:
 * ReplicaSets (left to the garbage collector, so the run's Role needs no delete on them) and
 * pods (deleted directly, with no grace period: there is no kubelet to wait for). Pods last.
 */
export function teardownKinds(refs: KindRef[]): TeardownKind[] {
  const out = new Map<string, TeardownKind>();
  for (const r of refs) out.set(`${r.group}/${r.resource}`, { ...r, waitOnly: false });
  if (!out.has('apps/replicasets')) out.set('apps/replicasets', { ...kindRef('ReplicaSet', 'apps/v1'), waitOnly: true });
  out.delete('/pods');
  return [...out.values(), { ...kindRef('Pod', 'v1'), waitOnly: false }];
}

interface Listed {
  items: Array<{ metadata?: { name?: string; labels?: Record<string, string> } }>;
}

/** Names of the objects of `ref` in `namespace` that match `selector`. */
export async function listByLabel(client: KubeClient, ref: KindRef, namespace: string, selector: string): Promise<Listed['items']> {
  const path = collectionPath(ref.group, ref.version, ref.resource, namespace);
  const list = await client.call({ verb: 'list', resource: ref.resource, group: ref.group, namespace }, () =>
    client.rest<Listed>('GET', path, { labelSelector: selector }),
  );
  return list.items ?? [];
}

/** `deletecollection` of `ref` by `selector`; pods go with no grace period (there is no kubelet to wait for). */
export async function deleteCollectionByLabel(client: KubeClient, ref: KindRef, namespace: string, selector: string): Promise<void> {
  const path = collectionPath(ref.group, ref.version, ref.resource, namespace);
  await client.call({ verb: 'deletecollection', resource: ref.resource, group: ref.group, namespace }, () =>
    client.rest('DELETE', path, {
      labelSelector: selector,
      propagationPolicy: 'Background',
      gracePeriodSeconds: ref.resource === 'pods' ? 0 : undefined,
    }),
  );
}

export type { TeardownReport } from './kube-reports.js';

export interface TeardownOptions {
  client: KubeClient;
  namespace: string;
  /** `simenv.io/run=<id>` for one run, `simenv.io/run` for every run. */
  selector: string;
  kinds: KindRef[];
  timeoutMs: number;
  log?: (message: string) => void;
}

/** Delete everything matching the selector and wait (bounded) until it is gone; TimeoutError names what is left. */
export async function teardownRun(opts: TeardownOptions): Promise<TeardownReport> {
  const { client, namespace, selector } = opts;
  const start = client.clock.nowMs();
  const kinds = teardownKinds(opts.kinds);
  const deleted: Record<string, number> = {};
  // Count everything first: once the owners go, the garbage collector races the listing.
  for (const ref of kinds) deleted[ref.resource] = (await listByLabel(client, ref, namespace, selector)).length;
  for (const ref of kinds) {
    if (deleted[ref.resource]! > 0 && !ref.waitOnly) await deleteCollectionByLabel(client, ref, namespace, selector);
  }
  let left: string[] = [];
  for (let round = 0; ; round++) {
    left = [];
    for (const ref of kinds) {
      const items = await listByLabel(client, ref, namespace, selector);
      if (items.length > 0) left.push(`${items.length} ${ref.resource}`);
      // Pods the garbage collector deletes get the default grace period: force them.
      if (ref.resource === 'pods' && items.length > 0 && round % 4 === 3) await deleteCollectionByLabel(client, ref, namespace, selector);
    }
    if (left.length === 0) break;
    if (client.clock.nowMs() - start > opts.timeoutMs) {
      throw new TimeoutError(`teardown of ${selector} in namespace ${namespace} (left: ${left.join(', ')})`, opts.timeoutMs, {
        hint: `run \`simenv teardown --ns ${namespace}\` again later; objects with finalizers need their controller`,
      });
    }
    await client.clock.sleep(Math.min(1000, 100 * 2 ** round));
  }
  const elapsedMs = Math.round(client.clock.nowMs() - start);
  opts.log?.(`kube: teardown of ${selector} in ${namespace}: ${formatCounts(deleted) || 'nothing to delete'} (${elapsedMs} ms)`);
  return { deleted, elapsedMs };
}

/** `deployments=27 pods=30` (resources with a count of zero left out). */
export function formatCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${r}=${n}`)
    .join(' ');
}
