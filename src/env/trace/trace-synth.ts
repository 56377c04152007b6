import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { issuePath, parse } from '../parse.js';
import { Rng } from '../rng.js';
import { TRACE_FORMAT_VERSION, type KubeObject, type OwnerLifecycles, type PodLifecycle, type Trace, type TraceEvent } from './schema.js';

/**
 * Synthetic SimKube v2 traces for scale tests and benchmarks. The manifests are shaped like
 * the DeathStarBench ones SimKube's tracer records (Helm annotations, defaulted Deployment
 * spec, one or two containers with requests, config volumes), so sizes and key/value
 * repetition resemble a real trace. Deterministic: same options, same trace, bit for bit.
 */

export const SynthOptionsSchema = z.strictObject({
  /** Deployments created by the first event. */
  deployments: z.number().int().min(1).max(100_000),
  /** Events in total, the creation event included. */
  events: z.number().int().min(1).max(10_000_000),
  seed: z.number().int(),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes namespace name (lowercase letters, digits, -)')
    .max(63)
    .default('synth'),
  /** Unix seconds of the first event. */
  startTs: z.number().int().min(0).max(2 ** 40).default(1_710_892_138),
  /** Add `pod_lifecycles` (tuple keys, u64 pod-spec hashes, all three lifecycle variants). */
  podLifecycles: z.boolean().default(false),
  maxReplicas: z.number().int().min(1).max(10_000).default(20),
});
/** Options of `synthesizeTrace` (defaults filled by the schema). */
export type SynthOptions = z.input<typeof SynthOptionsSchema>;

const DEPLOYMENT_GVK = 'apps/v1.Deployment';

const SERVICE_NAMES = [
  'compose-post-service',
  'home-timeline-service',
  'home-timeline-redis',
  'media-frontend',
  'media-memcached',
  'media-mongodb',
  'media-service',
  'nginx-thrift',
  'post-storage-memcached',
  'post-storage-mongodb',
  'post-storage-service',
  'social-graph-mongodb',
  'social-graph-redis',
  'social-graph-service',
  'text-service',
  'unique-id-service',
  'url-shorten-memcached',
  'url-shorten-mongodb',
  'url-shorten-service',
  'user-memcached',
  'user-mention-service',
  'user-mongodb',
  'user-service',
  'user-timeline-mongodb',
  'user-timeline-redis',
  'user-timeline-service',
  'jaeger',
];

const IMAGES = [
  'docker.io/deathstarbench/social-network-microservices:latest',
  'docker.io/library/mongo:4.4.6',
  'docker.io/library/redis:6.2.4',
  'docker.io/library/memcached:1.6.7',
  'docker.io/yg397/openresty-thrift:xenial',
  'docker.io/jaegertracing/all-in-one:1.57',
];
const CPU_REQUESTS = ['100m', '250m', '500m', '1', '2'];
const MEMORY_REQUESTS = ['128Mi', '256Mi', '512Mi', '1Gi', '2Gi'];

interface DeploymentSpec {
  name: string;
  image: string;
  cpu: string;
  memory: string;
  port: number;
  sidecar: boolean;
}

function u64(rng: Rng): bigint {
  return (BigInt(rng.nextUint32()) << 32n) | BigInt(rng.nextUint32());
}

function deploymentSpecs(rng: Rng, n: number): DeploymentSpec[] {
  const out: DeploymentSpec[] = [];
  for (let i = 0; i < n; i++) {
    const base = SERVICE_NAMES[i % SERVICE_NAMES.length]!;
    out.push({
      name: i < SERVICE_NAMES.length ? base : `${base}-${Math.floor(i / SERVICE_NAMES.length)}`,
      image: IMAGES[rng.int(0, IMAGES.length - 1)]!,
      cpu: CPU_REQUESTS[rng.int(0, CPU_REQUESTS.length - 1)]!,
      memory: MEMORY_REQUESTS[rng.int(0, MEMORY_REQUESTS.length - 1)]!,
      port: rng.int(0, 3) === 0 ? 27017 : 9090,
      sidecar: rng.int(0, 4) === 0,
    });
  }
  return out;
}

/** A fresh Deployment manifest (a new object each call: events never share subtrees). */
function deploymentManifest(d: DeploymentSpec, namespace: string, replicas: number): KubeObject {
  const containers: unknown[] = [
    {
      command: [d.name.replace(/(^|-)([a-z])/g, (_m, _s: string, c: string) => c.toUpperCase())],
      image: d.image,
      imagePullPolicy: 'IfNotPresent',
      name: d.name,
      ports: [{ containerPort: d.port, protocol: 'TCP' }],
      resources: { requests: { cpu: d.cpu, memory: d.memory } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      volumeMounts: [
        {
          mountPath: '/social-network-microservices/config/jaeger-config.yml',
          name: `${d.name}-config`,
          subPath: 'jaeger-config.yml',
        },
        {
          mountPath: '/social-network-microservices/config/service-config.json',
          name: `${d.name}-config`,
          subPath: 'service-config.json',
        },
      ],
    },
  ];
  if (d.sidecar) {
    containers.push({
      args: ['--collector.host-port=jaeger:14267'],
      image: 'docker.io/jaegertracing/jaeger-agent:1.57',
      imagePullPolicy: 'IfNotPresent',
      name: 'jaeger-agent',
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    });
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      annotations: {
        'meta.helm.sh/release-name': 'dsb-social-network',
        'meta.helm.sh/release-namespace': namespace,
      },
      labels: { 'app.kubernetes.io/managed-by': 'Helm', service: d.name },
      name: d.name,
      namespace,
    },
    spec: {
      progressDeadlineSeconds: 600,
      replicas,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { service: d.name } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { creationTimestamp: null, labels: { app: d.name, service: d.name } },
        spec: {
          containers,
          dnsPolicy: 'ClusterFirst',
          hostname: d.name,
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
          volumes: [{ emptyDir: {}, name: `${d.name}-config` }],
        },
      },
    },
  };
}

function nextReplicas(rng: Rng, current: number, max: number): number {
  // Autoscaler-like moves: mostly doubling or halving, sometimes a small step.
  const r = rng.next();
  let next: number;
  if (r < 0.35) next = current * 2;
  else if (r < 0.65) next = Math.floor(current / 2);
  else next = current + rng.int(-2, 3);
  next = Math.min(max, Math.max(1, next));
  return next === current ? (current < max ? current + 1 : current - 1 || 1) : next;
}

function syntheticLifecycles(rng: Rng, startTs: number, endTs: number): PodLifecycle[] {
  const out: PodLifecycle[] = [];
  const n = rng.int(1, 4);
  for (let i = 0; i < n; i++) {
    const start = rng.int(startTs, Math.max(startTs, endTs));
    const kind = rng.int(0, 5);
    if (kind === 0) out.push({ state: 'Empty' });
    else if (kind <= 2) out.push({ state: 'Running', start });
    else out.push({ state: 'Finished', start, end: start + rng.int(1, 600) });
  }
  return out;
}

/** Build a valid synthetic v2 trace; throws ConfigError on invalid options. */
export function synthesizeTrace(options: SynthOptions): Trace {
  const o = parse(SynthOptionsSchema, options, (issue) => new ConfigError(issuePath(issue, 'options'), issue.message));
  const rng = new Rng(o.seed);
  const specs = deploymentSpecs(rng, o.deployments);
  const replicas = specs.map(() => 1);
  const alive = specs.map(() => true);

  const events: TraceEvent[] = [];
  let ts = o.startTs;
  events.push({ ts, applied_objs: specs.map((d) => deploymentManifest(d, o.namespace, 1)), deleted_objs: [] });
  for (let e = 1; e < o.events; e++) {
    // Real traces have bursts (several events in one second) and quiet minutes.
    ts += rng.next() < 0.2 ? 0 : rng.int(1, 60);
    const k = rng.int(0, specs.length - 1);
    const d = specs[k]!;
    if (!alive[k]) {
      alive[k] = true;
      replicas[k] = 1;
      events.push({ ts, applied_objs: [deploymentManifest(d, o.namespace, 1)], deleted_objs: [] });
    } else if (rng.next() < 0.02) {
      alive[k] = false;
      events.push({ ts, applied_objs: [], deleted_objs: [deploymentManifest(d, o.namespace, replicas[k]!)] });
    } else {
      replicas[k] = nextReplicas(rng, replicas[k]!, o.maxReplicas);
      events.push({ ts, applied_objs: [deploymentManifest(d, o.namespace, replicas[k]!)], deleted_objs: [] });
    }
  }

  const index: Trace['index'] = { [DEPLOYMENT_GVK]: {} };
  specs.forEach((d, k) => {
    if (alive[k]) index[DEPLOYMENT_GVK]![`${o.namespace}/${d.name}`] = u64(rng);
  });

  const podLifecycles: OwnerLifecycles[] = [];
  if (o.podLifecycles) {
    specs.forEach((d, k) => {
      if (k % 3 !== 0) return;
      const pods: OwnerLifecycles['pods'] = [];
      const hashes = rng.int(1, 3);
      for (let h = 0; h < hashes; h++) {
        // Mostly full-width hashes (above 2^53), plus small ones to exercise short encodings.
        const hash = h === 1 ? BigInt(rng.nextUint32()) : u64(rng) | (1n << 63n);
        pods.push({ hash, lifecycles: syntheticLifecycles(rng, o.startTs, ts) });
      }
      podLifecycles.push({ owner: [DEPLOYMENT_GVK, `${o.namespace}/${d.name}`], pods });
    });
  }

  return {
    version: TRACE_FORMAT_VERSION,
    config: {
      trackedObjects: {
        [DEPLOYMENT_GVK]: o.podLifecycles
          ? { podSpecTemplatePaths: ['/spec/template'], trackLifecycle: true }
          : { podSpecTemplatePaths: ['/spec/template'] },
      },
    },
    events,
    index,
    pod_lifecycles: podLifecycles,
  };
}
