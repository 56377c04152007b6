import { describe, expect, it } from 'vitest';
import { hpaOptionsFromManifest, readHpaManifestFile } from '../../../src/agents/hpa/hpa-manifest-lite.js';
import { createAgent } from '../../../src/agents/registry.js';
import { HpaAgent } from '../../../src/agents/hpa-agent.js';
import { makeContext } from '../fixtures.js';

describe('the minimal HPA manifest reader', () => {
  it('maps the example manifest onto the hpa agent (same names as autoscaling/v2)', () => {
    const m = readHpaManifestFile('examples/hpa/cpu-60.yaml');
    const o = hpaOptionsFromManifest(m);
    expect(o).toMatchObject({ targetUtilisation: 60, minReplicas: 1, maxReplicas: 12 });
    expect(o.behavior?.scaleDown?.stabilizationWindowSeconds).toBe(300);
    expect(o.behavior?.scaleUp?.policies).toEqual([
      { type: 'Percent', value: 100, periodSeconds: 15 },
      { type: 'Pods', value: 4, periodSeconds: 15 },
    ]);
  });

  it('refuses metrics the port does not model and a missing maxReplicas', () => {
    const spec = { maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } }] };
    expect(() => hpaOptionsFromManifest({ spec })).toThrow(/expected exactly one Resource metric on cpu with a Utilization target/);
    const cpu = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }];
    expect(() => hpaOptionsFromManifest({ spec: { metrics: cpu } })).toThrow(/expected maxReplicas/);
  });

  it('createAgent: hpa takes the manifest; k8s-hpa needs one and holds what the controller set', () => {
    const ctx = makeContext('absolute', 1, 20);
    const m = readHpaManifestFile('examples/hpa/cpu-60.yaml');
    const hpa = createAgent('hpa', ctx, { seed: 0, hpaManifest: m }) as HpaAgent;
    expect(hpa.options.targetUtilisation).toBe(60);
    expect(hpa.describe()).toMatchObject({ minReplicas: 1, maxReplicas: 12 });
    expect(() => createAgent('k8s-hpa', ctx, { seed: 0 })).toThrow(/expected an HPA manifest for the k8s-hpa agent/);
    const k8s = createAgent('k8s-hpa', ctx, { seed: 0, hpaManifest: m });
    expect(k8s.actor).toBe('hpa-controller');
    const info = { observation: { desired: 7 } } as unknown as Parameters<typeof k8s.act>[1];
    expect(k8s.act(new Float32Array(9), info)).toBe(7);
  });
});
