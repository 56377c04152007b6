import { describe, expect, it } from 'vitest';
import { actionForReplicas } from '../../src/agents/agent.js';
import { RandomAgent } from '../../src/agents/random-agent.js';
import { StaticAgent } from '../../src/agents/static-agent.js';
import { TraceAgent } from '../../src/agents/trace-agent.js';
import { ConfigError } from '../../src/env/errors.js';
import { makeContext, makeInfo, obsVector } from './fixtures.js';

describe('StaticAgent', () => {
  it('asks for its target in absolute mode whatever the load', () => {
    const a = new StaticAgent(makeContext('absolute', 1, 10), 4);
    for (const util of [0, 0.5, 1]) {
      const info = makeInfo({ desired: 7, ready: 7, utilisation: util });
      expect(a.act(obsVector(info), info)).toBe(4);
    }
  });

  it('steers toward the target in delta mode, clipped to maxDelta, then holds', () => {
    const a = new StaticAgent(makeContext('delta', 1, 10, 2), 8);
    expect(a.act(new Float32Array(9), makeInfo({ desired: 3 }))).toBe(2);
    expect(a.act(new Float32Array(9), makeInfo({ desired: 7 }))).toBe(1);
    expect(a.act(new Float32Array(9), makeInfo({ desired: 8 }))).toBe(0);
  });

  it('without a target holds the count the episode starts with', () => {
    const a = new StaticAgent(makeContext('absolute', 1, 10));
    a.reset(0);
    expect(a.act(new Float32Array(9), makeInfo({ desired: 3 }))).toBe(3);
    expect(a.act(new Float32Array(9), makeInfo({ desired: 9 }))).toBe(3);
    a.reset(1);
    expect(a.act(new Float32Array(9), makeInfo({ desired: 6 }))).toBe(6);
  });

  it('refuses a target outside the env bounds (naming the range) and nonsense', () => {
    expect(new StaticAgent(makeContext('absolute', 2, 5), 5).target).toBe(5);
    expect(() => new StaticAgent(makeContext('absolute', 2, 5), 9)).toThrow(/^target: expected a replica count in \[2, 5\] \(minReplicas\.\.maxReplicas\), got 9$/);
    expect(() => new StaticAgent(makeContext('absolute', 2, 5), 1)).toThrow(ConfigError);
    expect(() => new StaticAgent(makeContext('absolute'), -1)).toThrow(ConfigError);
    expect(() => new StaticAgent(makeContext('absolute'), 2.5)).toThrow(/integer replica count/);
  });
});

describe('RandomAgent', () => {
  it('draws only actions of the space and repeats for the same seeds', () => {
    const ctx = makeContext('delta', 1, 10, 3);
    const draw = (seed: number, episode: number): number[] => {
      const a = new RandomAgent(ctx, seed);
      a.reset(episode);
      return Array.from({ length: 200 }, () => a.act(new Float32Array(9), makeInfo({})));
    };
    const x = draw(7, 1);
    expect(x.every((v) => ctx.actionSpace.contains(v))).toBe(true);
    expect(new Set(x).size).toBe(7);
    expect(draw(7, 1)).toEqual(x);
    expect(draw(8, 1)).not.toEqual(x);
    expect(draw(7, 2)).not.toEqual(x);
  });
});

describe('TraceAgent', () => {
  it('replays the recorded replicas', () => {
    const abs = new TraceAgent(makeContext('absolute', 1, 10));
    expect(abs.act(new Float32Array(9), makeInfo({ desired: 2 }, { recordedReplicas: 8 }))).toBe(8);
    const delta = new TraceAgent(makeContext('delta', 1, 10, 2));
    expect(delta.act(new Float32Array(9), makeInfo({ desired: 2 }, { recordedReplicas: 8 }))).toBe(2);
    expect(delta.act(new Float32Array(9), makeInfo({ desired: 8 }, { recordedReplicas: 7 }))).toBe(-1);
  });
});

describe('actionForReplicas', () => {
  it('respects bounds in both modes', () => {
    expect(actionForReplicas(makeContext('absolute', 2, 6), 3, 100)).toBe(6);
    expect(actionForReplicas(makeContext('absolute', 2, 6), 3, 0)).toBe(2);
    expect(actionForReplicas(makeContext('delta', 1, 10, 2), 5, 1)).toBe(-2);
  });
});
