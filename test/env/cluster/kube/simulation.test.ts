import { describe, expect, it } from 'vitest';
import { buildSimulation, simulationStatus } from '../../../../src/env/cluster/kube/simulation.js';

describe('buildSimulation', () => {
  it('builds a simkube.io/v1 Simulation with the fields its CRD requires', () => {
    const sim = buildSimulation({
      name: 'simenv-r1-e1',
      runId: 'r1',
      driverImage: 'quay.io/appliedcomputing/sk-driver:v2.7.0',
      driverNamespace: 'simkube',
      driverPort: 8888,
      tracePath: 'file:///data/trace.sktrace',
      secrets: ['simkube'],
      virtualNsPrefix: 'virtual',
      durationS: 1133.2,
      speed: 10,
    });
    expect(sim).toEqual({
      apiVersion: 'simkube.io/v1',
      kind: 'Simulation',
      metadata: { name: 'simenv-r1-e1', labels: { 'simenv.io/run': 'r1' } },
      spec: {
        driver: {
          image: 'quay.io/appliedcomputing/sk-driver:v2.7.0',
          namespace: 'simkube',
          port: 8888,
          tracePath: 'file:///data/trace.sktrace',
          virtualNsPrefix: 'virtual',
          secrets: ['simkube'],
        },
        duration: '1134s',
        speed: 10,
        repetitions: 1,
        lifecycleParams: {},
      },
    });
  });

  it('reads status.state, tolerating a status the controller has not written', () => {
    expect(simulationStatus({ status: { state: 'Running', observedGeneration: 1 } }).state).toBe('Running');
    expect(simulationStatus({}).state).toBeUndefined();
    expect(simulationStatus({ status: { state: 'Bogus' } }).state).toBeUndefined();
  });
});
