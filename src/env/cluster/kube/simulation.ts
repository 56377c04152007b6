import { z } from 'zod';
import { RUN_LABEL } from './labels.js';

/**
 * SimKube's `Simulation` custom resource (simkube.io/v1, cluster-scoped; CRD in
 * test/cluster/fixtures/simkube.io_simulations.yml): the object SimKube mode creates, and
 * the part of its status it follows. Pure.
 */

/** API group, version and plural of SimKube's Simulation resource. */
export const SIMULATION_GROUP = 'simkube.io';
/** See SIMULATION_GROUP. */
export const SIMULATION_VERSION = 'v1';
/** See SIMULATION_GROUP. */
export const SIMULATION_PLURAL = 'simulations';

export interface SimulationParams {
  name: string;
  runId: string;
  driverImage: string;
  /** The driver's namespace (its Job, ServiceAccount and Secrets live there). */
  driverNamespace: string;
  driverPort: number;
  /** `file://...`, `s3://...`, ... */
  tracePath: string;
  secrets: string[];
  virtualNsPrefix: string;
  /** Simulated seconds to run. */
  durationS: number;
  speed: number;
}

/** The Simulation manifest; fields the CRD requires (`driver`, `lifecycleParams`) always present. */
export function buildSimulation(p: SimulationParams): Record<string, unknown> {
  return {
    apiVersion: `${SIMULATION_GROUP}/${SIMULATION_VERSION}`,
    kind: 'Simulation',
    metadata: { name: p.name, labels: { [RUN_LABEL]: p.runId } },
    spec: {
      driver: {
        image: p.driverImage,
        namespace: p.driverNamespace,
        port: p.driverPort,
        tracePath: p.tracePath,
        virtualNsPrefix: p.virtualNsPrefix,
        ...(p.secrets.length > 0 ? { secrets: p.secrets } : {}),
      },
      duration: `${Math.max(1, Math.ceil(p.durationS))}s`,
      speed: p.speed,
      repetitions: 1,
      lifecycleParams: {},
    },
  };
}

/** The status SimKube's controller writes (states from the CRD's enum). */
export const SimulationStatusSchema = z.looseObject({
  state: z.enum(['Blocked', 'Initializing', 'Finished', 'Failed', 'Paused', 'Retrying', 'Running']).nullable().optional(),
  startTime: z.string().optional(),
  endTime: z.string().optional(),
  completedRuns: z.number().optional(),
});
export type SimulationStatus = z.infer<typeof SimulationStatusSchema>;

/** The status of a Simulation object as read from the API (empty when the controller has not written one). */
export function simulationStatus(obj: unknown): SimulationStatus {
  const raw = (obj as { status?: unknown } | null)?.status;
  const parsed = SimulationStatusSchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}
