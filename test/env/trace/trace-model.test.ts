import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../../src/env/errors.js';
import type { KubeObject } from '../../../src/env/trace/schema.js';
import { readTrace } from '../../../src/env/trace/trace-codec.js';
import {
  buildTraceModel,
  findWorkload,
  podTemplateFacts,
  replicasAt,
  replicaTimeline,
  requestTimeline,
  versionAt,
  workloadsOfKind,
} from '../../../src/env/trace/trace-model.js';
import { DSB_SCALING, deployment, readBytes, richTrace, traceWith } from './fixtures.js';

const GI = 2 ** 30;

describe('the model of dsb-scaling.sktrace (matches the shared traces README)', () => {
  const model = buildTraceModel(readTrace(readBytes(DSB_SCALING)));
  const timeline = (name: string) => replicaTimeline(findWorkload(model, name)!);

  it('spans 1134 s over 19 events with 27 Deployments in namespace dsb', () => {
    expect(model.durationS).toBe(1134);
    expect(model.events).toHaveLength(19);
    const deployments = workloadsOfKind(model);
    expect(deployments).toHaveLength(27);
    expect(new Set(deployments.map((w) => w.namespace))).toEqual(new Set(['dsb']));
    expect(model.objects.get('apps/v1.Deployment')!.size).toBe(27);
    expect(model.nodes).toEqual([]);
  });

  it('has nginx-thrift go 1 -> 2 -> 4 -> 8 -> 10', () => {
    expect(timeline('nginx-thrift')).toEqual([
      [0, 1],
      [556, 2],
      [797, 4],
      [812, 8],
      [827, 10],
    ]);
  });

  it('has compose-post-service go 1 -> 4 -> 6 -> 2', () => {
    expect(timeline('dsb/compose-post-service').map(([, r]) => r)).toEqual([1, 4, 6, 2]);
  });

  it('has 17 replica-change events after the creation event (19 changes in all)', () => {
    const changes = workloadsOfKind(model).reduce((n, w) => n + replicaTimeline(w).length - 1, 0);
    expect(changes).toBe(19);
    expect(model.events.slice(2).every((e) => e.applied_objs.length > 0)).toBe(true);
    expect(model.events.length - 2).toBe(17);
  });

  it('reads cpu: 1 and memory: 1Gi requests for every deployment', () => {
    for (const w of workloadsOfKind(model)) {
      for (const v of w.versions) expect(v.template).toMatchObject({ cpu: 1, memory: GI, terminationGracePeriodS: 30 });
    }
  });

  it('answers replicas at any time: 0 before creation, the recorded value after', () => {
    const w = findWorkload(model, 'nginx-thrift')!;
    expect(replicasAt(w, -1)).toBe(0);
    expect(replicasAt(w, 0)).toBe(1);
    expect(replicasAt(w, 555)).toBe(1);
    expect(replicasAt(w, 556)).toBe(2);
    expect(replicasAt(w, 10_000)).toBe(10);
    expect(versionAt(w, 800).replicas).toBe(4);
  });
});

describe('workload timelines', () => {
  it('keeps the last version of a second, and ends a deleted workload at 0', () => {
    const model = buildTraceModel(richTrace());
    const web = findWorkload(model, 'ns/web')!;
    expect(web.versions.map((v) => v.replicas)).toEqual([2, 4]);
    expect(replicaTimeline(web)).toEqual([
      [0, 4],
      [60, 0],
    ]);
    expect(replicasAt(web, 0)).toBe(4);
    expect(replicasAt(web, 60)).toBe(0);
    expect(model.objects.get('apps/v1.Deployment')!.has('ns/web')).toBe(false);
  });

  it('starts a new workload when a deleted one is applied again; findWorkload returns the latest', () => {
    const model = buildTraceModel(
      traceWith([
        { ts: 0, applied_objs: [deployment('a', 3)], deleted_objs: [] },
        { ts: 10, applied_objs: [], deleted_objs: [deployment('a', 3)] },
        { ts: 20, applied_objs: [deployment('a', 5)], deleted_objs: [] },
      ]),
    );
    const all = workloadsOfKind(model);
    expect(all.map((w) => replicaTimeline(w))).toEqual([
      [
        [0, 3],
        [10, 0],
      ],
      [[20, 5]],
    ]);
    expect(findWorkload(model, 'a')).toBe(all[1]);
  });

  it('finds by bare name only when the name is unambiguous across namespaces', () => {
    const other = { ...deployment('a', 1), metadata: { name: 'a', namespace: 'other' } };
    const model = buildTraceModel(traceWith([{ ts: 0, applied_objs: [deployment('a', 1), other], deleted_objs: [] }]));
    expect(findWorkload(model, 'a')).toBeUndefined();
    expect(findWorkload(model, 'other/a')!.namespace).toBe('other');
    expect(findWorkload(model, 'missing')).toBeUndefined();
  });

  it('tracks request changes over time', () => {
    const bigger = deployment('a', 1);
    ((bigger.spec as { template: { spec: { containers: Array<{ resources: unknown }> } } }).template.spec.containers[0]!).resources = {
      requests: { cpu: '2', memory: '1Gi' },
    };
    const model = buildTraceModel(
      traceWith([
        { ts: 0, applied_objs: [deployment('a', 1)], deleted_objs: [] },
        { ts: 5, applied_objs: [deployment('a', 2)], deleted_objs: [] },
        { ts: 9, applied_objs: [bigger], deleted_objs: [] },
      ]),
    );
    expect(requestTimeline(findWorkload(model, 'a')!)).toEqual([
      [0, { cpu: 0.25, memory: 64 * 2 ** 20 }],
      [9, { cpu: 2, memory: GI }],
    ]);
  });

  it('gives replicas per kind: Deployment default 1, Job parallelism, Pod 1, CronJob 0', () => {
    const noReplicas = deployment('d', 1);
    delete (noReplicas.spec as { replicas?: number }).replicas;
    const objs: KubeObject[] = [
      noReplicas,
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'ns' }, spec: { parallelism: 4, template: { spec: { containers: [] } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ resources: { requests: { cpu: '100m' } } }] } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'ns' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [{ resources: { requests: { cpu: '3' } } }] } } } } } },
      { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } },
    ];
    const model = buildTraceModel(traceWith([{ ts: 0, applied_objs: objs, deleted_objs: [] }]));
    expect(model.workloads.map((w) => [w.kind, w.versions[0]!.replicas])).toEqual([
      ['Deployment', 1],
      ['Job', 4],
      ['Pod', 1],
      ['CronJob', 0],
    ]);
    expect(model.workloads.find((w) => w.kind === 'Pod')!.versions[0]!.template.cpu).toBe(0.1);
    expect(model.workloads.find((w) => w.kind === 'CronJob')!.versions[0]!.template.cpu).toBe(3);
    expect(model.nodes.map((n) => n.metadata.name)).toEqual(['n1']);
  });

  it('refuses events out of time order with the path', () => {
    const t = traceWith([
      { ts: 10, applied_objs: [], deleted_objs: [] },
      { ts: 9, applied_objs: [], deleted_objs: [] },
    ]);
    expect(() => buildTraceModel(t)).toThrow(TraceFormatError);
    expect(() => buildTraceModel(t)).toThrow(/events\[1\]\.ts: expected events in time order, got ts 9 after 10/);
  });
});

describe('pod requests as the scheduler computes them', () => {
  const pod = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec });

  it('sums containers in millicores, so 100m + 200m is exactly 0.3', () => {
    const facts = podTemplateFacts(
      pod({ containers: [{ resources: { requests: { cpu: '100m', memory: '1Mi' } } }, { resources: { requests: { cpu: '200m', memory: '1M' } } }] }),
      'Pod',
    );
    expect(facts.cpu).toBe(0.3);
    expect(facts.memory).toBe(2 ** 20 + 1e6);
  });

  it('takes limits as requests when requests are unset (Pod defaulting)', () => {
    const facts = podTemplateFacts(pod({ containers: [{ resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { memory: '512Mi' } } }] }), 'Pod');
    expect(facts.cpu).toBe(2);
    expect(facts.memory).toBe(512 * 2 ** 20);
  });

  it('takes the larger of app containers + sidecars and each init container (+ earlier sidecars), plus overhead', () => {
    const spec = {
      initContainers: [
        { name: 'big-init', resources: { requests: { cpu: '3' } } },
        { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '500m' } } },
        { name: 'late-init', resources: { requests: { cpu: '2800m' } } },
      ],
      containers: [{ resources: { requests: { cpu: '1' } } }],
      overhead: { cpu: '100m', memory: '10Mi' },
    };
    // app 1 + sidecar 0.5 = 1.5; init peaks: 3, 2.8 + 0.5 = 3.3 -> 3.3, plus overhead 0.1.
    const facts = podTemplateFacts(pod(spec), 'Pod');
    expect(facts.cpu).toBe(3.4);
    expect(facts.memory).toBe(10 * 2 ** 20);
  });

  it('reads node selector, tolerations and grace period, with defaults', () => {
    const facts = podTemplateFacts(
      pod({ containers: [], nodeSelector: { zone: 'a' }, tolerations: [{ key: 'k', operator: 'Exists' }], terminationGracePeriodSeconds: 5 }),
      'Pod',
    );
    expect(facts).toEqual({ cpu: 0, cpuMilli: 0, memory: 0, nodeSelector: { zone: 'a' }, tolerations: [{ key: 'k', operator: 'Exists' }], terminationGracePeriodS: 5 });
    expect(podTemplateFacts(pod({}), 'Pod').terminationGracePeriodS).toBe(30);
  });

  it('names the full path of a bad quantity', () => {
    const bad = deployment('a', 1);
    ((bad.spec as { template: { spec: { containers: Array<{ resources: unknown }> } } }).template.spec.containers[0]!).resources = { requests: { cpu: '1 core' } };
    expect(() => buildTraceModel(traceWith([{ ts: 0, applied_objs: [bad], deleted_objs: [] }]))).toThrow(
      /^events\[0\]\.applied_objs\[0\]\.spec\.template\.spec\.containers\[0\]\.resources\.requests\.cpu: expected a Kubernetes quantity/,
    );
  });

  it("follows the trace config's podSpecTemplatePaths when they point into the object", () => {
    const sts: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 's', namespace: 'ns' },
      spec: { replicas: 2, template: { spec: { containers: [{ resources: { requests: { cpu: '1' } } }] } }, alt: { spec: { containers: [{ resources: { requests: { cpu: '7' } } }] } } },
    };
    const withConfig = (paths: string[]) =>
      buildTraceModel(traceWith([{ ts: 0, applied_objs: [sts], deleted_objs: [] }], { config: { trackedObjects: { 'apps/v1.StatefulSet': { podSpecTemplatePaths: paths } } } }));
    expect(withConfig(['/spec/alt']).workloads[0]!.versions[0]!.template.cpu).toBe(7);
    // A path the object does not have falls back to the kind's default template.
    expect(withConfig(['/spec/missing']).workloads[0]!.versions[0]!.template.cpu).toBe(1);
  });
});
