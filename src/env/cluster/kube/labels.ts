import { randomBytes } from 'node:crypto';

/**
 * Labels and names that mark what simenv creates in a cluster. Every object a run creates
 * carries RUN_LABEL, so teardown is one `deletecollection` by label per resource and a
 * leftover from a crashed run is found by the same selector.
 */

/** The run label: `simenv.io/run=<runId>`. */
export const RUN_LABEL = 'simenv.io/run';
/** On replayed pod templates: the trace workload the pods belong to (`<kind>.<name>`, lower case). */
export const WORKLOAD_LABEL = 'simenv.io/workload';
/** On objects `simenv setup` creates (namespace, ServiceAccount, Role, RoleBinding, copied Secrets). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The MANAGED_BY_LABEL value. */
export const MANAGED_BY_VALUE = 'simenv';
/** Server-side apply field manager of everything simenv writes. */
export const FIELD_MANAGER = 'simenv';

/** `simenv.io/run=<runId>`. */
export function runSelector(runId: string): string {
  return `${RUN_LABEL}=${runId}`;
}

/** Selects objects of any run (leftovers of crashed runs included). */
export const ANY_RUN_SELECTOR = RUN_LABEL;

/**
 * A fresh value of the RUN_LABEL cluster label that marks one run's objects (not the run
 * directory name, which is `newRunDirName`): `r` + 10 hex digits. From the OS's CSPRNG, not the env's seeded Rng: run
 * ids must differ between processes that use the same seed, or two runs would share objects.
 */
export function newClusterRunLabel(): string {
  return `r${randomBytes(5).toString('hex')}`;
}

/** The WORKLOAD_LABEL value of a trace workload: a valid label value even for long names. */
export function workloadLabelValue(kind: string, name: string): string {
  const v = `${kind.toLowerCase()}.${name}`;
  return v.length <= 63 ? v : v.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');
}
