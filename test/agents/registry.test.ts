import { describe, expect, it } from 'vitest';
import { AGENT_NAMES, createAgent, loadAgent } from '../../src/agents/registry.js';
import { ConfigError, PolicyError } from '../../src/env/errors.js';
import { makeContext } from './fixtures.js';

describe('agent registry', () => {
  it('builds every baseline by name', () => {
    const ctx = makeContext('absolute');
    for (const name of ['static', 'random', 'trace', 'hpa']) {
      expect(createAgent(name, ctx, { seed: 1 }).name).toBe(name);
    }
    expect(AGENT_NAMES).toEqual(['static', 'random', 'trace', 'hpa', 'dqn', 'ppo', 'k8s-hpa']);
  });

  it('passes target to static (replicas) and hpa (percent)', () => {
    const ctx = makeContext('absolute', 1, 10);
    expect(createAgent('static', ctx, { seed: 1, target: 3 }).describe?.()).toMatchObject({ replicas: 3 });
    expect(createAgent('hpa', ctx, { seed: 1, target: 75 }).describe?.()).toMatchObject({ targetUtilisation: 75 });
    expect(() => createAgent('hpa', ctx, { seed: 1, target: 0.75 })).toThrow(/integer percent/);
  });

  it('rejects an unknown name, listing the known ones', () => {
    const err = (() => {
      try {
        createAgent('hpa2', makeContext('absolute'), { seed: 1 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe('agent');
    expect((err as Error).message).toContain('static, random, trace, hpa, dqn, ppo');
    expect((err as Error).message).toContain('"hpa2"');
  });

  it('points learned names at --policy', () => {
    expect(() => createAgent('dqn', makeContext('delta'), { seed: 1 })).toThrow(/--policy DIR|trained policy/);
  });

  it('loadAgent on a missing directory is a PolicyError', async () => {
    await expect(loadAgent('/nonexistent/policy', makeContext('delta'))).rejects.toBeInstanceOf(PolicyError);
  });
});
