import { describe, expect, it } from 'vitest';
import { buildScenarioTrace, scenarioNodeObjects } from '../../src/env/scenario-trace.js';
import { driverProblems } from '../../src/env/trace/driver-check.js';

describe('buildScenarioTrace for SimKube', () => {
  const scenario = {
    deployments: [
      { name: 'web', namespace: 'shop', replicas: [[0, 2]] as Array<[number, number]> },
      { name: 'db', namespace: 'shop', kind: 'StatefulSet' as const, replicas: [[0, 1]] as Array<[number, number]> },
    ],
    jobs: [{ name: 'etl', namespace: 'shop', createdAtS: 5, podRunSeconds: [10] }],
    nodes: [{ name: 'n1' }],
    durationS: 60,
  };

  it('config.trackedObjects covers every kind the trace holds, lifecycle owners tracked', () => {
    const t = buildScenarioTrace(scenario);
    expect(t.config.trackedObjects).toEqual({
      'apps/v1.Deployment': { podSpecTemplatePaths: ['/spec/template'] },
      'apps/v1.StatefulSet': { podSpecTemplatePaths: ['/spec/template'] },
      'batch/v1.Job': { podSpecTemplatePaths: ['/spec/template'], trackLifecycle: true },
    });
    // Every kind with pods is tracked; Nodes are not (SimKube rejects a tracked kind without a pod template).
    const kinds = new Set(t.events.flatMap((e) => e.applied_objs.map((o) => `${o.apiVersion}.${o.kind}`)));
    expect([...kinds].filter((k) => k !== 'v1.Node').sort()).toEqual(Object.keys(t.config.trackedObjects).sort());
  });

  it('forDriver leaves the nodes out of events (the driver panics on them); they come as manifests instead', () => {
    expect(driverProblems(buildScenarioTrace(scenario)).map((p) => p.path)).toEqual(['events[0].applied_objs[0]']);
    const t = buildScenarioTrace(scenario, { forDriver: true });
    expect(driverProblems(t)).toEqual([]);
    expect(scenarioNodeObjects(scenario).map((n) => `${n.kind} ${n.metadata.name}`)).toEqual(['Node n1']);
  });
});
