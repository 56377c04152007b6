import { RUN_LABEL } from './labels.js';
import { SIMULATION_GROUP, SIMULATION_VERSION } from './simulation.js';

/**
 * The objects SimKube's controller (sk-ctrl) would make for a Simulation, built by simenv
 * when it runs SimKube's driver itself (`kube.simkubeDriver: local`). Pure. Read from
 * SimKube 2.7's source: the driver refuses to run unless the Lease `sk-lease` in the
 * controller namespace is held by its Simulation, and its admission webhook only sees pods
 * through a MutatingWebhookConfiguration. Both are owned by the Simulation, so deleting it
 * (or the garbage collector after a crash) removes them with it.
 */

/** The Lease SimKube uses to let one Simulation run at a time. */
export const SK_LEASE_NAME = 'sk-lease';

/** The Simulation as an owner (cluster-scoped, so namespaced and cluster-scoped objects may point at it). */
export interface SimulationOwner {
  name: string;
  uid: string;
}

function ownerRef(sim: SimulationOwner) {
  return [{ apiVersion: `${SIMULATION_GROUP}/${SIMULATION_VERSION}`, kind: 'Simulation', name: sim.name, uid: sim.uid }];
}

/** `sk-lease` held by the Simulation (what sk-ctrl's try_claim_lease writes). */
export function buildLease(namespace: string, sim: SimulationOwner, runId: string, now: Date): Record<string, unknown> {
  const t = now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: SK_LEASE_NAME, namespace, labels: { [RUN_LABEL]: runId }, ownerReferences: ownerRef(sim) },
    spec: { holderIdentity: sim.name, acquireTime: t, renewTime: t },
  };
}

/** Name of a run's webhook configuration. */
export function webhookConfigName(runId: string): string {
  return `simenv-sk-driver-${runId}`.slice(0, 253);
}

/**
 * The webhook configuration sk-ctrl installs for a driver, pointed at a driver on this
 * machine: pods and pods/status, CREATE and UPDATE, only in the virtual namespaces
 * (`<prefix>-...`), failurePolicy Fail as in SimKube (so it must go when the run ends).
 */
export function buildWebhookConfig(p: { runId: string; sim: SimulationOwner; port: number; caPem: string; virtualNsPrefix: string }): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: webhookConfigName(p.runId), labels: { [RUN_LABEL]: p.runId }, ownerReferences: ownerRef(p.sim) },
    webhooks: [
      {
        name: 'sk-driver.simkube.io',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
        clientConfig: { url: `https://127.0.0.1:${p.port}/`, caBundle: Buffer.from(p.caPem).toString('base64') },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/status'], scope: 'Namespaced' }],
        matchConditions: [{ name: 'virtual-namespaces', expression: `object.metadata.namespace.startsWith('${p.virtualNsPrefix}-')` }],
      },
    ],
  };
}
