import { describe, expect, it } from 'vitest';
import type { PolicyInfo } from '../../src/agents/registry.js';
import { PolicyError, UsageError } from '../../src/env/errors.js';
import { episodeSeeds } from '../../src/runner/run-loop.js';
import { applyPolicyDefaults, DEFAULT_ONE_STEP_SECONDS, deploymentOf, planRun } from '../../src/runner/run-plan.js';

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

  it('--kube-ns is the cluster namespace (kube.namespace); the trace namespace stays the deployment\'s', () => {
    const p = planRun({ ...base, target: '2', backend: 'kube', kubeNs: 'simenv-a' });
    expect(p.envOptions.kube).toEqual({ namespace: 'simenv-a' });
    expect(p.envOptions.deployment).toBe('dsb/nginx-thrift');
    const bare = planRun({ trace: 't', deploy: 'nginx-thrift', ns: 'dsb', target: '2', backend: 'kube', kubeNs: 'other' });
    expect(bare.envOptions).toMatchObject({ deployment: 'dsb/nginx-thrift', kube: { namespace: 'other' } });
    // Without --kube-ns the kube backend defaults to the trace namespace itself.
    expect(planRun({ ...base, target: '2', backend: 'kube' }).envOptions.kube).toEqual({});
    expect(usage({ ...base, target: '3', kubeNs: 'x' })).toBe('--kube-ns: only applies with --backend kube');
    expect(usage({ ...base, target: '3', backend: 'kube', kubeNs: 'Bad_NS' })).toBe(
      `--kube-ns: expected a namespace of at most 63 lower-case letters, digits and '-' (RFC 1123 label), got "Bad_NS"`,
    );
  });

  it('--log-flush step (default) or batched; --max-delta', () => {
    expect(planRun({ ...base, target: '3' }).logFlush).toBe('step');
    expect(planRun({ ...base, target: '3', logFlush: 'batched' }).logFlush).toBe('batched');
    expect(usage({ ...base, target: '3', logFlush: 'never' })).toBe('--log-flush: expected step or batched, got "never"');
    expect(planRun({ ...base, target: '3', actionMode: 'delta', maxDelta: '4' }).envOptions).toMatchObject({ actionMode: 'delta', maxDelta: 4 });
    expect(usage({ ...base, target: '3', maxDelta: '0' })).toBe('--max-delta: expected an integer >= 1, got "0"');
  });

  it('--hpa FILE: the manifest goes to the memory hpa agent, or to the cluster with --agent k8s-hpa', () => {
    const hpa = 'examples/hpa/cpu-60.yaml';
    const mem = planRun({ ...base, agent: 'hpa', hpa, step: '15' });
    expect(mem.agent).toMatchObject({ kind: 'baseline', name: 'hpa', hpa: { file: hpa, options: { targetUtilisation: 60, maxReplicas: 12 } } });
    expect(mem.envOptions.kube).toBeUndefined();
    const kube = planRun({ ...base, agent: 'k8s-hpa', hpa, step: '15', backend: 'kube' });
    expect(kube.agent).toMatchObject({ kind: 'baseline', name: 'k8s-hpa', hpa: { file: hpa, manifest: { name: 'nginx-thrift' } } });
    // The cluster gets the manifest as written; the env's replica range is the manifest's, as for the port.
    expect((kube.envOptions.kube as { hpa: { metadata: unknown } }).hpa.metadata).toEqual({ name: 'nginx-thrift' });
    expect(kube.envOptions).toMatchObject({ minReplicas: 1, maxReplicas: 12 });
    expect(usage({ ...base, agent: 'k8s-hpa', hpa })).toMatch(/^--agent k8s-hpa: expected --backend kube/);
    expect(usage({ ...base, agent: 'k8s-hpa', backend: 'kube' })).toMatch(/^--hpa: expected an HPA manifest for --agent k8s-hpa/);
    expect(usage({ ...base, agent: 'random', hpa })).toBe('--hpa: the random agent does not use --hpa; it applies to --agent hpa and --agent k8s-hpa');
    expect(usage({ ...base, agent: 'k8s-hpa', hpa: 'no/such.yaml', backend: 'kube' })).toMatch(/^--hpa: hpa: expected a readable HorizontalPodAutoscaler manifest \(YAML or JSON\), got "no\/such.yaml"/);
    expect(usage({ ...base, agent: 'k8s-hpa', hpa, backend: 'kube', deploy: 'a,b' })).toMatch(/^--agent k8s-hpa: expected one deployment/);
    expect(usage({ ...base, agent: 'hpa', deploy: 'a,b', timeline: true })).toMatch(/^--timeline: expected one deployment/);
    expect(usage({ ...base, agent: 'k8s-hpa', hpa: 'package.json', backend: 'kube' })).toMatch(/^--hpa: package\.json: kind: expected HorizontalPodAutoscaler, got undefined/);
  });

  it('eval: --episodes per seed, seeds in order', () => {
    const p = planRun({ ...base, agent: 'random', episodes: '2', seeds: '1, 2,3' }, { evalMode: true });
    expect(p.episodes).toBe(6);
    expect(p.seed).toBe(1);
    expect(p.seeds).toEqual([...episodeSeeds(1, 2), ...episodeSeeds(2, 2), ...episodeSeeds(3, 2)]);
    expect(usage({ ...base, agent: 'random', seeds: '1,2' })).toMatch(/--seeds: only `simenv eval` takes --seeds/);
    expect(usage({ ...base, agent: 'random', seeds: '1,x' }, { evalMode: true })).toMatch(/--seeds: expected comma-separated integers or ranges such as 1,2,3 or 1..10, got "1,x"/);
  });

  it('refuses bad flags with a message naming the flag', () => {
    expect(usage({ ...base })).toMatch(/^expected what acts: --target N/);
    expect(usage({ ...base, agent: 'dqn' })).toBe('--agent: "dqn" is a learned agent: pass its trained policy with --policy DIR instead');
    expect(usage({ ...base, agent: 'smart' })).toMatch(/^--agent: expected one of static, random, trace, hpa, k8s-hpa, got "smart"/);
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

describe('applyPolicyDefaults', () => {
  const delta: PolicyInfo = {
    dir: '/p/dqn',
    agent: 'dqn',
    envOptions: { actionMode: 'delta', maxDelta: 3, minReplicas: 1, maxReplicas: 20, stepSeconds: 30, horizon: 8 },
    action: { n: 7, start: -3, mode: 'delta' },
    observationShape: [9],
  };
  const absolute: PolicyInfo = { ...delta, envOptions: { actionMode: 'absolute', minReplicas: 2, maxReplicas: 12, stepSeconds: 15 }, action: { n: 11, start: 2, mode: 'absolute' } };
  const policyPlan = (flags: Record<string, unknown> = {}, evalMode = false) => planRun({ ...base, policy: '/p/dqn', ...flags }, { evalMode });
  const refused = (flags: Record<string, unknown>, info: PolicyInfo): string => {
    try {
      applyPolicyDefaults(policyPlan(flags), info);
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      return (err as Error).message;
    }
    throw new Error('expected a UsageError');
  };

  it("without flags: the policy's action space, bounds and step; --duration bounds multi-step episodes", () => {
    const p = applyPolicyDefaults(policyPlan({ duration: '300' }), delta);
    expect(p.envOptions).toMatchObject({ actionMode: 'delta', maxDelta: 3, minReplicas: 1, maxReplicas: 20, stepSeconds: 30, horizon: 10 });
    expect(p.envOptions).not.toHaveProperty('oneStep');
    expect([p.mode, p.stepSeconds, p.durationSeconds]).toEqual(['multi-step', 30, 300]);
    // The training horizon is not an evaluation default: without --duration, to the trace's end.
    expect(applyPolicyDefaults(policyPlan(), delta).envOptions).not.toHaveProperty('horizon');
    const a = applyPolicyDefaults(policyPlan(), absolute);
    expect(a.envOptions).toMatchObject({ actionMode: 'absolute', minReplicas: 2, maxReplicas: 12, stepSeconds: 15 });
  });

  it('explicit flags that leave the action space alone override: --step, --min-replicas in delta mode', () => {
    const p = applyPolicyDefaults(policyPlan({ step: '60', duration: '600', minReplicas: '3' }), delta);
    expect(p.envOptions).toMatchObject({ maxDelta: 3, minReplicas: 3, stepSeconds: 60, horizon: 10 });
    expect(applyPolicyDefaults(policyPlan({ maxDelta: '3', actionMode: 'delta', maxReplicas: '20' }), delta).envOptions).toMatchObject({ maxDelta: 3, maxReplicas: 20 });
  });

  it('refuses flags that contradict the policy, naming both values', () => {
    expect(refused({ actionMode: 'absolute' }, delta)).toBe('--action-mode: expected delta (policy /p/dqn acts in delta Discrete(7, start=-3)), got absolute');
    expect(refused({ maxDelta: '2' }, delta)).toBe('--max-delta: expected 3 (policy /p/dqn acts in delta Discrete(7, start=-3)), got 2');
    expect(refused({ maxReplicas: '30' }, delta)).toBe('--max-replicas: expected 20 (policy /p/dqn was trained with maxReplicas 20, and observations are divided by it), got 30');
    expect(refused({ minReplicas: '1' }, absolute)).toBe('--min-replicas: expected 2 (policy /p/dqn acts in absolute Discrete(11, start=2)), got 1');
    expect(refused({ maxReplicas: '20' }, absolute)).toBe('--max-replicas: expected 12 (policy /p/dqn acts in absolute Discrete(11, start=2)), got 20');
    expect(refused({ duration: '10' }, delta)).toBe("--duration: expected at least one step (the policy's step of 30), got 10");
  });

  it('a one-step policy keeps one-step episodes of its duration; corrupt envOptions are a PolicyError', () => {
    const oneStep: PolicyInfo = { ...delta, envOptions: { ...delta.envOptions, stepSeconds: 90, oneStep: { durationSeconds: 90 } } };
    const p = applyPolicyDefaults(policyPlan(), oneStep);
    expect([p.mode, p.durationSeconds]).toEqual(['one-step', 90]);
    expect(p.envOptions).toMatchObject({ oneStep: { durationSeconds: 90 } });
    expect(p.envOptions).not.toHaveProperty('stepSeconds');
    expect(() => applyPolicyDefaults(policyPlan(), { ...delta, envOptions: { maxReplicas: 'many' } })).toThrow(PolicyError);
    expect(() => applyPolicyDefaults(policyPlan(), { ...delta, envOptions: { maxReplicas: 'many' } })).toThrow(/\/p\/dqn\/policy\.json at envOptions\.maxReplicas: /);
  });
});

describe('planRun: numbers that must not lie (issue 14, defect 10)', () => {
  it('--seeds is range-checked like --seed: 4294967297 and -4294967295 would alias seed 1', () => {
    expect(usage({ ...base, agent: 'random', seeds: '1,4294967297,-4294967295' }, { evalMode: true })).toMatch(/--seeds: .*\(4294967297 is outside 0\.\.2147483647\)/);
    expect(usage({ ...base, agent: 'random', seeds: '-1..2' }, { evalMode: true })).toMatch(/-1 is outside 0\.\.2147483647/);
    expect(planRun({ ...base, agent: 'random', seeds: '0,2147483647' }, { evalMode: true }).seedBlocks.map((b) => b.seed)).toEqual([0, 2147483647]);
  });

  it('--duration 0.3 --step 0.1 is 3 steps (not floor(2.9999999999999996) = 2); 0.35 / 0.1 is still 3', () => {
    expect(planRun({ ...base, agent: 'hpa', step: '0.1', duration: '0.3' }).envOptions).toMatchObject({ horizon: 3 });
    expect(planRun({ ...base, agent: 'hpa', step: '0.1', duration: '0.35' }).envOptions).toMatchObject({ horizon: 3 });
    expect(planRun({ ...base, agent: 'hpa', step: '0.1', duration: '0.7' }).envOptions).toMatchObject({ horizon: 7 });
  });

  it('--episodes x --seeds over the episode limit is refused, naming the limit', () => {
    expect(usage({ ...base, agent: 'random', episodes: '1000000', seeds: '1,2' }, { evalMode: true })).toMatch(/at most 1,000,000 episodes per run .*got 1000000 x 2 = 2000000/);
  });
});
