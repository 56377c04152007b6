import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/env/errors.js';
import { episodeSeeds } from '../../src/runner/run-loop.js';
import { DEFAULT_ONE_STEP_SECONDS, deploymentOf, planRun } from '../../src/runner/run-plan.js';

/** Flags to plan: what `simenv run` / `simenv eval` decide before creating anything. */

const base = { trace: 't.sktrace', deploy: 'dsb/nginx-thrift' };

function usage(raw: Record<string, unknown>, opts?: { evalMode?: boolean }): string {
  try {
    planRun(raw, opts);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('planRun', () => {
  it('without --step: a one-step episode holding the action for --duration (default 120 s)', () => {
    const p = planRun({ ...base, target: '3' });
    expect(p.mode).toBe('one-step');
    expect(p.durationSeconds).toBe(DEFAULT_ONE_STEP_SECONDS);
    expect(p.envOptions).toMatchObject({ trace: 't.sktrace', deployment: 'dsb/nginx-thrift', backend: 'memory', oneStep: { durationSeconds: 120 } });
    expect(p.envOptions).not.toHaveProperty('horizon');
    expect(p.agent).toEqual({ kind: 'baseline', name: 'static', target: 3 });
    expect(planRun({ ...base, target: '3', duration: '45.5' }).envOptions).toMatchObject({ oneStep: { durationSeconds: 45.5 } });
  });

  it('with --step: multi-step episodes, --duration becoming the horizon', () => {
    const p = planRun({ ...base, agent: 'hpa', target: '70', step: '15', duration: '600', episodes: '4', seed: '9' });
    expect(p.mode).toBe('multi-step');
    expect(p.envOptions).toMatchObject({ stepSeconds: 15, horizon: 40, seed: 9 });
    expect(p.envOptions).not.toHaveProperty('oneStep');
    expect(p.agent).toEqual({ kind: 'baseline', name: 'hpa', target: 70 });
    expect(p.seeds).toEqual(episodeSeeds(9, 4));
    expect(planRun({ ...base, agent: 'hpa', step: '15' }).envOptions).not.toHaveProperty('horizon');
  });

  it('--deploy NAME with --ns NS, or NS/NAME', () => {
    expect(deploymentOf('web', 'test-ns')).toBe('test-ns/web');
    expect(deploymentOf('test-ns/web', undefined)).toBe('test-ns/web');
    expect(deploymentOf('test-ns/web', 'test-ns')).toBe('test-ns/web');
    expect(deploymentOf('web', undefined)).toBe('web');
    expect(() => deploymentOf('a/b', 'c')).toThrow(/--ns: expected the namespace of --deploy a\/b \("a"\) or no --ns, got "c"/);
    expect(() => deploymentOf('a/b/c', undefined)).toThrow(/--deploy: expected NAME or NS\/NAME/);
  });

  it('passes the kube flags through only with --backend kube', () => {
    const p = planRun({ ...base, target: '2', backend: 'kube', kubeconfig: '/k', context: 'kind', speed: '10', mode: 'simkube', driverImage: 'img:1', ns: 'dsb' });
    expect(p.envOptions.kube).toEqual({ kubeconfig: '/k', context: 'kind', speed: 10, mode: 'simkube', driverImage: 'img:1', namespace: 'dsb' });
    expect(usage({ ...base, target: '3', kubeconfig: '/x' })).toBe('--kubeconfig: only applies with --backend kube');
    expect(usage({ ...base, target: '3', driverImage: 'x' })).toBe('--driver-image: only applies with --backend kube');
  });

  it('eval: --episodes per seed, seeds in order', () => {
    const p = planRun({ ...base, agent: 'random', episodes: '2', seeds: '1, 2,3' }, { evalMode: true });
    expect(p.episodes).toBe(6);
    expect(p.seed).toBe(1);
    expect(p.seeds).toEqual([...episodeSeeds(1, 2), ...episodeSeeds(2, 2), ...episodeSeeds(3, 2)]);
    expect(usage({ ...base, agent: 'random', seeds: '1,2' })).toMatch(/--seeds: only `simenv eval` takes --seeds/);
    expect(usage({ ...base, agent: 'random', seeds: '1,x' }, { evalMode: true })).toMatch(/--seeds: expected comma-separated integers such as 1,2,3, got "1,x"/);
  });

  it('refuses bad flags with a message naming the flag', () => {
    expect(usage({ ...base })).toMatch(/^expected what acts: --target N/);
    expect(usage({ ...base, agent: 'dqn' })).toBe('--agent: "dqn" is a learned agent: pass its trained policy with --policy DIR instead');
    expect(usage({ ...base, agent: 'smart' })).toMatch(/^--agent: expected one of static, random, trace, hpa, got "smart"/);
    expect(usage({ ...base, agent: 'hpa', policy: 'p' })).toMatch(/either --agent NAME or --policy DIR/);
    expect(usage({ ...base, policy: 'p', target: '3' })).toMatch(/--target: a trained policy/);
    expect(usage({ ...base, target: '3', episodes: '0' })).toBe('--episodes: expected an integer 1..1000000, got "0"');
    expect(usage({ ...base, target: '3', duration: '-5' })).toBe('--duration: expected a number > 0, got "-5"');
    expect(usage({ ...base, target: '3', step: '30', duration: '10' })).toMatch(/--duration: expected at least one step/);
    expect(usage({ ...base, target: '3', maxReplicas: '0' })).toBe('--max-replicas: expected an integer >= 1, got "0"');
    expect(usage({ ...base, target: '3', runId: '../x' })).toMatch(/--run-id: expected letters/);
    expect(usage({ deploy: 'x', target: '3' })).toMatch(/^--trace: expected a trace file/);
    expect(usage({ ...base, target: '3', backend: 'cloud' })).toBe('--backend: expected memory or kube, got "cloud"');
  });
});
