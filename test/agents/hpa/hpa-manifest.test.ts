import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HpaAgent } from '../../../src/agents/hpa-agent.js';
import { createAgent } from '../../../src/agents/registry.js';
import { loadHpaManifest, parseHpaManifest } from '../../../src/agents/hpa/hpa-manifest.js';
import { ConfigError } from '../../../src/env/errors.js';
import { REPO, tempDir } from '../../runner/helpers.js';
import { makeContext } from '../fixtures.js';

const HEAD = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
`;
const CPU60 = `  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
`;

function err(text: string): string {
  try {
    parseHpaManifest(text, 'hpa.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected an error');
}

describe('HPA manifest (autoscaling/v2)', () => {
  it('reads the shipped examples, YAML and JSON, into the agent options', () => {
    const d = loadHpaManifest(join(REPO, 'examples/hpa/default.yaml'));
    expect(d).toMatchObject({ name: 'compose-post-service', scaleTargetName: 'compose-post-service', options: { targetUtilisation: 60, minReplicas: 1, maxReplicas: 20 } });
    expect(d.options).toEqual({ targetUtilisation: 60, minReplicas: 1, maxReplicas: 20 });
    // The document as written, for --agent k8s-hpa to apply to the cluster.
    expect(d.document).toMatchObject({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', spec: { maxReplicas: 20 } });
    const t = loadHpaManifest(join(REPO, 'examples/hpa/tuned.yaml'));
    expect(t.options).toEqual({
      targetUtilisation: 75,
      minReplicas: 2,
      maxReplicas: 16,
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }, { type: 'Pods', value: 4, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 120, selectPolicy: 'Min', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }, { type: 'Percent', value: 10, periodSeconds: 60 }] },
      },
    });
    const j = loadHpaManifest(join(REPO, 'examples/hpa/tuned.json'));
    expect(j.options).toMatchObject({ targetUtilisation: 70, minReplicas: 2, maxReplicas: 12, behavior: { scaleDown: { stabilizationWindowSeconds: 180 } } });
    // The agent takes them as they are.
    const agent = new HpaAgent(makeContext('absolute', 1, 20), t.options);
    expect(agent.describe()).toMatchObject({ targetUtilisation: 75, minReplicas: 2, maxReplicas: 16 });
  });

  it('applies the API defaults: minReplicas 1, 80% CPU without metrics; accepts status and tolerance quantities', () => {
    const m = parseHpaManifest(`${HEAD}  behavior:\n    scaleDown: {tolerance: 50m}\nstatus: {currentReplicas: 3}\n`, 'x');
    expect(m.options).toEqual({ targetUtilisation: 80, minReplicas: 1, maxReplicas: 10, behavior: { scaleDown: { tolerance: 0.05 } } });
  });

  it('an unsupported field is a one-line error naming its path', () => {
    const metric = (m: string) => `${HEAD}  metrics:\n${m}`;
    const cases: Array<[string, RegExp]> = [
      [metric('    - type: External\n      external: {metric: {name: q}, target: {type: Value, value: 3}}\n'), /^hpa\.yaml: spec\.metrics\[0\]\.type: expected Resource \(CPU utilisation, the only metric simenv models\), got "External"$/],
      [metric('    - type: Pods\n      pods: {}\n'), /^hpa\.yaml: spec\.metrics\[0\]\.type: expected Resource .*got "Pods"$/],
      [metric('    - type: Resource\n      resource: {name: memory, target: {type: Utilization, averageUtilization: 60}}\n'), /^hpa\.yaml: spec\.metrics\[0\]\.resource\.name: expected cpu \(the only resource simenv models\), got "memory"$/],
      [metric('    - type: Resource\n      resource: {name: cpu, target: {type: AverageValue, averageValue: 500m}}\n'), /^hpa\.yaml: spec\.metrics\[0\]\.resource\.target\.type: expected Utilization .*got "AverageValue"$/],
      [metric('    - type: Resource\n      resource: {name: cpu, target: {type: Utilization, averageUtilization: 60, averageValue: 1}}\n'), /^hpa\.yaml: spec\.metrics\[0\]\.resource\.target\.averageValue: not supported/],
      [metric('    - type: Resource\n      resource: {name: cpu, target: {type: Utilization, averageUtilization: 150}}\n'), /^hpa\.yaml: spec\.metrics\[0\]\.resource\.target\.averageUtilization: expected an integer percent in \(0, 100\], got 150$/],
      [`${HEAD}${CPU60}    - type: Resource\n      resource: {name: memory, target: {type: Utilization, averageUtilization: 60}}\n`, /^hpa\.yaml: spec\.metrics\[1\]: expected one metric .*got 2$/],
      [`${HEAD}  targetCPUUtilizationPercentage: 50\n`, /^hpa\.yaml: spec\.targetCPUUtilizationPercentage: not supported/],
      [`${HEAD}  behavior:\n    scaleUp: {policies: [{type: Pods, value: 0, periodSeconds: 15}]}\n`, /^hpa\.yaml: spec\.behavior\.scaleUp\.policies\[0\]\.value: /],
      [`${HEAD}  minReplicas: 12\n`, /^hpa\.yaml: spec\.minReplicas: expected minReplicas <= maxReplicas \(10\), got 12$/],
      [HEAD.replace('  maxReplicas: 10\n', ''), /^hpa\.yaml: spec\.maxReplicas: expected an integer >= 1 \(required\)$/],
      [HEAD.replace('autoscaling/v2', 'autoscaling/v1'), /^hpa\.yaml: apiVersion: expected autoscaling\/v2, got "autoscaling\/v1" \(convert it/],
      [HEAD.replace('HorizontalPodAutoscaler', 'Deployment'), /^hpa\.yaml: kind: expected HorizontalPodAutoscaler, got "Deployment"$/],
      [`${HEAD}---\n${HEAD}`, /^hpa\.yaml: expected one document, got several/],
      ['spec: [1,\n', /^hpa\.yaml: expected YAML or JSON, got a syntax error: /],
      ['{"kind": "HorizontalPodAutoscaler", "apiVersion": "autoscaling/v2", "spec": {"maxReplicas": 3}}', /^hpa\.yaml: spec\.scaleTargetRef: /],
    ];
    for (const [text, re] of cases) {
      const m = err(text);
      expect(m, text).toMatch(re);
      expect(m).not.toContain('\n');
    }
  });

  it('a missing file names the path', () => {
    const dir = tempDir();
    expect(() => loadHpaManifest(join(dir, 'nope.yaml'))).toThrow(/^hpa: expected a readable HorizontalPodAutoscaler manifest \(YAML or JSON\), got ".*nope\.yaml" \(ENOENT\)$/);
    writeFileSync(join(dir, 'empty.yaml'), '');
    expect(() => loadHpaManifest(join(dir, 'empty.yaml'))).toThrow(/^empty\.yaml: \(document\): expected a HorizontalPodAutoscaler object, got an empty document$/);
  });
});

describe('the HPA manifest in createAgent', () => {
  it('maps the k8s-hpa example onto the hpa agent; k8s-hpa needs a manifest and holds what the controller set', () => {
    const m = loadHpaManifest(join(REPO, 'examples/hpa/cpu-60.yaml'));
    expect(m.options).toMatchObject({ targetUtilisation: 60, minReplicas: 1, maxReplicas: 12 });
    expect(m.options.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(300);
    const ctx = makeContext('absolute', 1, 20);
    const hpa = createAgent('hpa', ctx, { seed: 0, hpaManifest: m }) as HpaAgent;
    expect(hpa.options.targetUtilisation).toBe(60);
    expect(hpa.describe()).toMatchObject({ minReplicas: 1, maxReplicas: 12 });
    expect(() => createAgent('k8s-hpa', ctx, { seed: 0 })).toThrow(/expected an HPA manifest for the k8s-hpa agent/);
    const k8s = createAgent('k8s-hpa', ctx, { seed: 0, hpaManifest: m });
    expect(k8s.actor).toBe('hpa-controller');
    expect(k8s.describe?.()).toMatchObject({ hpa: m.name });
    const info = { observation: { desired: 7 } } as unknown as Parameters<typeof k8s.act>[1];
    expect(k8s.act(new Float32Array(9), info)).toBe(7);
  });
});
