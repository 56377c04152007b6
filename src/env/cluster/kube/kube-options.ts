import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { issuePath, parse } from '../../parse.js';

/**
 * Options of the kube backend (`SimEnvOptions.kube`, the CLI's `--kubeconfig --context --ns
 * --mode --speed --driver-image`, and `simenv preflight/setup`). Validated here, not by
 * SimEnv, so the memory path never depends on this module.
 */

/** SimKube's default driver image: SimKube 2.7.0, the version of the CRD in test/cluster/fixtures and of the skctl/sk-driver scripts/simkube installs. */
export const DEFAULT_DRIVER_IMAGE = 'quay.io/appliedcomputing/sk-driver:v2.7.0';
/** The ServiceAccount SimKube's driver Job runs as (the prototype's `sk-ctrl-sa`). */
export const DEFAULT_SERVICE_ACCOUNT = 'sk-ctrl-sa';

// RFC 1123 label (namespaces, most names) and Kubernetes label values.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const dnsLabel = (what: string) =>
  z
    .string()
    .max(63, `expected a ${what} of at most 63 characters`)
    .regex(DNS_LABEL, `expected a ${what} of lower-case letters, digits and '-' (RFC 1123 label)`);

const dnsSubdomain = (what: string) =>
  z.string().max(253).regex(DNS_SUBDOMAIN, `expected a ${what} of lower-case letters, digits, '-' and '.'`);

/** Bounds on every wait of the kube backend, milliseconds. */
export const KubeTimeoutsSchema = z.strictObject({
  /** One API request (connect + response headers). */
  requestMs: z.number().int().positive().default(10_000),
  /** The first reachability probe: short, so an unreachable API server fails fast. */
  connectMs: z.number().int().positive().default(5_000),
  /** Waiting for the episode's initial objects to be ready after reset. */
  settleMs: z.number().int().positive().default(120_000),
  /** Waiting for watches to list their objects. */
  syncMs: z.number().int().positive().default(30_000),
  /** Teardown: deleting everything with the run label and waiting until it is gone. */
  teardownMs: z.number().int().positive().default(60_000),
  /** SimKube mode: waiting for the Simulation to reach `Running`. */
  simulationStartMs: z.number().int().positive().default(120_000),
});
export type KubeTimeouts = z.infer<typeof KubeTimeoutsSchema>;

/** Retries of transient API failures (429, 5xx, broken connections). */
export const KubeRetrySchema = z.strictObject({
  /** Attempts per request, the first included (1 disables retries). */
  attempts: z.number().int().min(1).max(20).default(5),
  baseDelayMs: z.number().int().min(0).default(200),
  maxDelayMs: z.number().int().min(0).default(5_000),
});
export type KubeRetry = z.infer<typeof KubeRetrySchema>;

/** The `kube` options object (strict: an unknown option is an error, not ignored). */
export const KubeOptionsSchema = z.strictObject({
  /** Path of the kubeconfig file; default: $KUBECONFIG, then ~/.kube/config. */
  kubeconfig: z.string().min(1).optional(),
  /** Context in the kubeconfig; default: its current-context. */
  context: z.string().min(1).optional(),
  /**
   * Replay mode: the namespace every trace object is created in (default: the controlled
   * deployment's namespace in the trace). SimKube mode: the driver's namespace.
   */
  namespace: dnsLabel('namespace').optional(),
  /** `replay`: the SDK replays the trace itself; `simkube`: a SimKube Simulation does. */
  mode: z.enum(['replay', 'simkube']).default('replay'),
  /** Simulated seconds per real second. */
  speed: z.number().positive().max(1000).default(1),
  /** Value of the `simenv.io/run` label on everything this run creates; default: generated. */
  runId: z.string().min(1).max(63).regex(LABEL_VALUE, 'expected a Kubernetes label value').optional(),
  /**
   * A ServiceAccount that must exist in the namespace with the run's RBAC (the driver's
   * identity). Default: `sk-ctrl-sa` in SimKube mode, none (not checked) in replay mode.
   */
  serviceAccount: dnsSubdomain('ServiceAccount name').optional(),
  /** Secrets the run needs in the namespace (SimKube's driver mounts them, e.g. `simkube`). */
  secrets: z.array(dnsSubdomain('Secret name')).default([]),
  /** Create the namespace when missing (needs `create namespaces`); else preflight fails. */
  createNamespace: z.boolean().default(false),
  /** Replay mode: which trace workloads to replay besides the controlled one (names or `ns/name`). */
  workloads: z.union([z.literal('all'), z.array(z.string().min(1))]).default('all'),
  /** Nodes the replayed pods may use (KWOK virtual nodes in SimKube's shape by default). */
  nodeSelector: z.record(z.string(), z.string()).default({ type: 'virtual' }),
  /** Add SimKube's KWOK toleration (`kwok-provider`) to every replayed pod template. */
  kwokToleration: z.boolean().default(true),
  /** Simulated seconds before a started pod reports Ready (KWOK's ready-delay annotation, scaled by speed). */
  podReadyDelayS: z.number().min(0).default(0),
  /**
   * Replay mode: `drawn` gives each controlled pod a bind-to-Ready delay drawn from the env's
   * `startupLatency` (as the memory backend does), through simenv's KWOK stage `pod-ready-drawn`;
   * `none`: KWOK's own timing (about a second). A `podReadyDelayS` above 0 replaces it.
   */
  startupLatency: z.enum(['drawn', 'none']).default('drawn'),
  /**
   * Publish each controlled pod's CPU usage from the demand model as the pod annotation
   * `kwok.x-k8s.io/usage-cpu` (KWOK's resource-usage emulation; metrics-server and the HPA read
   * it). Needs `patch pods`.
   */
  publishUsage: z.boolean().default(true),
  /** How often (real milliseconds) the published usage is brought up to date. */
  usageIntervalMs: z.number().int().min(100).max(60_000).default(1000),
  /**
   * An autoscaling/v2 HorizontalPodAutoscaler manifest: the run applies it to the controlled
   * workload at each reset and kube-controller-manager's HPA controller scales it; the agent's
   * actions are then not applied. Only at speed 1 (the controller runs on the wall clock).
   * Read and checked by the shared parser first (`loadHpaManifest`, its `document`); v2beta2 has
   * v2's shape and is applied as v2.
   */
  hpa: z.looseObject({ apiVersion: z.enum(['autoscaling/v2', 'autoscaling/v2beta2']), kind: z.literal('HorizontalPodAutoscaler') }).optional(),
  /** SimKube mode: the driver image. */
  driverImage: z.string().min(1).default(DEFAULT_DRIVER_IMAGE),
  /**
   * SimKube mode: who runs SimKube's driver. `cluster`: SimKube's controller (sk-ctrl) in the
   * cluster launches it as a Job. `local`: simenv plays sk-ctrl's part and runs `sk-driver`
   * on this machine (scripts/simkube/install.sh), e.g. against the loopback control plane.
   */
  simkubeDriver: z.enum(['cluster', 'local']).default('cluster'),
  /** SimKube mode, local driver: the sk-driver binary; default: the one scripts/simkube/install.sh built. */
  driverBinary: z.string().min(1).optional(),
  /** SimKube mode, local driver: the skctl binary (for `skctl crd`); default: the one scripts/simkube/install.sh built. */
  skctlBinary: z.string().min(1).optional(),
  /** SimKube mode: the driver's port (its admission webhook; on this machine with the local driver). */
  driverPort: z.number().int().min(1).max(65535).default(8888),
  /** SimKube mode: where the driver reads the trace (`file://`, `s3://`, `gs://`, `azure://`); default `file://<trace path>`. */
  tracePath: z
    .string()
    .regex(/^(file|s3|gs|azure):\/\/./, 'expected a URL with a file://, s3://, gs:// or azure:// scheme')
    .optional(),
  /** SimKube mode: prefix of the namespaces the driver recreates objects in (`virtual` -> `virtual-dsb`). */
  virtualNsPrefix: dnsLabel('namespace prefix').default('virtual'),
  /** SimKube mode: wait for the Simulation's `status.state` to be `Running` before the episode starts. */
  waitForRunning: z.boolean().default(true),
  /** Run the preflight checks in create (set false only when you have just run `simenv preflight`). */
  preflight: z.boolean().default(true),
  timeouts: KubeTimeoutsSchema.default(KubeTimeoutsSchema.parse({})),
  retry: KubeRetrySchema.default(KubeRetrySchema.parse({})),
});
export type KubeOptionsInput = z.input<typeof KubeOptionsSchema>;
export type KubeOptions = z.infer<typeof KubeOptionsSchema>;

/** Validate kube options; ConfigError names the offending field as `kube.<path>`. */
export function parseKubeOptions(input: unknown): KubeOptions {
  const options = parse(KubeOptionsSchema, input ?? {}, (issue) => {
    const message =
      issue.code === 'unrecognized_keys' ? `expected one of ${Object.keys(KubeOptionsSchema.shape).join(', ')}, got unknown option(s) ${issue.keys.join(', ')}` : issue.message;
    return kubeOptionError(issue.path.length > 0 ? `kube.${issuePath(issue)}` : 'kube', message);
  });
  // The HPA controller, metrics-server (10 s minimum resolution) and the stabilisation windows
  // all run on the wall clock; at another speed they would act on a stretched or squeezed
  // simulated time, so the comparison with the memory HPA would be false.
  if (options.hpa && options.mode !== 'replay') {
    throw kubeOptionError('kube.hpa', "expected replay mode with an HPA manifest, got mode simkube (SimKube's driver replays the recorded replica changes, which would fight the HPA controller)");
  }
  if (options.hpa && options.speed !== 1) {
    throw kubeOptionError(
      'kube.speed',
      `expected speed 1 with an HPA manifest (kube-controller-manager's 15 s sync, the 300 s stabilisation and metrics-server's 15 s resolution run on the wall clock), got ${options.speed}`,
    );
  }
  return options;
}

function kubeOptionError(field: string, message: string): ConfigError {
  return new ConfigError(field, message, { hint: 'see docs/kube.md for the kube backend options' });
}
