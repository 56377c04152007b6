import { describe, expect, it } from 'vitest';
import { DEFAULT_DRIVER_IMAGE, parseKubeOptions } from '../../../../src/env/cluster/kube/kube-options.js';
import { ConfigError } from '../../../../src/env/errors.js';

describe('parseKubeOptions', () => {
  it('fills the defaults: replay mode, speed 1, SimKube driver image, KWOK node selector', () => {
    const o = parseKubeOptions(undefined);
    expect(o.mode).toBe('replay');
    expect(o.speed).toBe(1);
    expect(o.driverImage).toBe(DEFAULT_DRIVER_IMAGE);
    expect(DEFAULT_DRIVER_IMAGE).toBe('quay.io/appliedcomputing/sk-driver:v2.7.0');
    expect(o.nodeSelector).toEqual({ type: 'virtual' });
    expect(o.timeouts.connectMs).toBeLessThan(o.timeouts.requestMs);
    expect(o.retry.attempts).toBeGreaterThan(1);
  });

  it('accepts exactly what the runner passes for --backend kube', () => {
    const o = parseKubeOptions({ kubeconfig: '/k', context: 'c', namespace: 'dsb', mode: 'simkube', speed: 20, driverImage: 'img:1', runId: 'run-1' });
    expect(o).toMatchObject({ kubeconfig: '/k', context: 'c', namespace: 'dsb', mode: 'simkube', speed: 20, driverImage: 'img:1', runId: 'run-1' });
  });

  it('names the offending field as kube.<path>', () => {
    const bad = (input: unknown, field: string) => {
      try {
        parseKubeOptions(input);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).field).toBe(field);
        return (err as ConfigError).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ speed: 0 }, 'kube.speed')).toMatch(/kube\.speed/);
    expect(bad({ namespace: 'Not_A_Namespace' }, 'kube.namespace')).toMatch(/RFC 1123/);
    expect(bad({ mode: 'kind' }, 'kube.mode')).toMatch(/kube\.mode/);
    expect(bad({ timeouts: { requestMs: -1 } }, 'kube.timeouts.requestMs')).toMatch(/requestMs/);
    expect(bad({ tracePath: '/abs/no-scheme' }, 'kube.tracePath')).toMatch(/file:\/\//);
    expect(bad({ namespce: 'dsb' }, 'kube')).toMatch(/unknown option\(s\) namespce/);
  });
});
