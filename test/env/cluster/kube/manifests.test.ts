import { describe, expect, it } from 'vitest';
import { clusterManifest, KWOK_TOLERATION, READY_DELAY_ANNOTATION, readyDelayFor } from '../../../../src/env/cluster/kube/manifests.js';
import { RUN_LABEL, WORKLOAD_LABEL } from '../../../../src/env/cluster/kube/labels.js';
import type { KubeObject } from '../../../../src/env/trace/schema.js';

const recorded: KubeObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'nginx-thrift',
    namespace: 'dsb',
    uid: 'u-1',
    resourceVersion: '42',
    managedFields: [{}],
    ownerReferences: [{ kind: 'X' }],
    finalizers: ['example.com/never'],
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    labels: { service: 'nginx-thrift' },
  },
  spec: {
    replicas: 10,
    selector: { matchLabels: { service: 'nginx-thrift' } },
    template: {
      metadata: { creationTimestamp: null, labels: { service: 'nginx-thrift' } },
      spec: {
        nodeName: 'prod-node-7',
        serviceAccountName: 'dsb-sa',
        priorityClassName: 'high',
        nodeSelector: { 'topology.kubernetes.io/zone': 'a', type: 'real' },
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } },
        tolerations: [{ key: 'dedicated', operator: 'Exists' }],
        containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '1' } } }],
      },
    },
  },
  status: { readyReplicas: 10 },
};

const opts = { namespace: 'sim-ns', runId: 'r1', nodeSelector: { type: 'virtual' }, kwokToleration: true };

describe('clusterManifest', () => {
  it('keeps the object, moves it to the run namespace, labels it, and drops server-owned fields', () => {
    const m = clusterManifest(recorded, opts) as Record<string, any>;
    expect(m.metadata).toEqual({ name: 'nginx-thrift', namespace: 'sim-ns', labels: { service: 'nginx-thrift', [RUN_LABEL]: 'r1' } });
    expect(m.status).toBeUndefined();
    expect(m.spec.replicas).toBe(10);
    expect(m.spec.selector).toEqual({ matchLabels: { service: 'nginx-thrift' } });
    // the input is left alone
    expect((recorded.metadata as Record<string, unknown>).uid).toBe('u-1');
    expect((recorded as Record<string, any>).spec.template.spec.nodeName).toBe('prod-node-7');
  });

  it('steers the pods onto KWOK virtual nodes like SimKube\'s driver', () => {
    const m = clusterManifest(recorded, { ...opts, readyDelay: '1500ms' }) as Record<string, any>;
    const tpl = m.spec.template;
    expect(tpl.metadata.labels).toEqual({ service: 'nginx-thrift', [RUN_LABEL]: 'r1', [WORKLOAD_LABEL]: 'deployment.nginx-thrift' });
    expect(tpl.metadata.annotations).toEqual({ [READY_DELAY_ANNOTATION]: '1500ms' });
    expect(tpl.spec.nodeSelector).toEqual({ 'topology.kubernetes.io/zone': 'a', type: 'virtual' });
    expect(tpl.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }, KWOK_TOLERATION]);
    for (const k of ['nodeName', 'serviceAccountName', 'priorityClassName', 'affinity']) expect(tpl.spec[k]).toBeUndefined();
    expect(tpl.spec.containers).toEqual([{ name: 'c', image: 'i', resources: { requests: { cpu: '1' } } }]);
  });

  it('overrides replicas for the controlled deployment only when asked', () => {
    expect((clusterManifest(recorded, { ...opts, replicas: 3 }) as Record<string, any>).spec.replicas).toBe(3);
  });

  it('does not add the toleration twice, nor when disabled', () => {
    const once = clusterManifest(clusterManifest(recorded, opts), opts) as Record<string, any>;
    expect(once.spec.template.spec.tolerations.filter((t: { key: string }) => t.key === 'kwok-provider')).toHaveLength(1);
    const none = clusterManifest(recorded, { ...opts, kwokToleration: false }) as Record<string, any>;
    expect(none.spec.template.spec.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }]);
  });

  it('adapts bare pods, CronJob templates and Services', () => {
    const pod = clusterManifest({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'dsb' }, spec: { nodeName: 'n', containers: [] } }, opts) as Record<string, any>;
    expect(pod.metadata.labels[WORKLOAD_LABEL]).toBe('pod.p');
    expect(pod.spec.nodeName).toBeUndefined();
    expect(pod.spec.nodeSelector).toEqual({ type: 'virtual' });
    const cron = clusterManifest(
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'dsb' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [] } } } } } },
      opts,
    ) as Record<string, any>;
    expect(cron.spec.jobTemplate.spec.template.spec.tolerations).toEqual([KWOK_TOLERATION]);
    const svc = clusterManifest(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'dsb' }, spec: { clusterIP: '10.0.0.7', clusterIPs: ['10.0.0.7'], ports: [{ port: 80, nodePort: 30080 }] } },
      opts,
    ) as Record<string, any>;
    expect(svc.spec).toEqual({ ports: [{ port: 80 }] });
    const headless = clusterManifest({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'h', namespace: 'dsb' }, spec: { clusterIP: 'None' } }, opts) as Record<string, any>;
    expect(headless.spec.clusterIP).toBe('None');
  });

  it('turns a simulated start-up delay into a KWOK delay scaled by speed', () => {
    expect(readyDelayFor(0, 10)).toBeUndefined();
    expect(readyDelayFor(15, 10)).toBe('1500ms');
    expect(readyDelayFor(2, 1)).toBe('2000ms');
  });
});
