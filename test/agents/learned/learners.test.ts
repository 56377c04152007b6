import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DqnLearner, linearSchedule } from '../../../src/agents/learned/dqn.js';
import type { Learner } from '../../../src/agents/learned/learner.js';
import { loadPolicyAgent, PolicyAgent } from '../../../src/agents/learned/policy-agent.js';
import { writePolicyDir } from '../../../src/agents/learned/policy-io.js';
import { makePolicyMetadata } from '../../../src/agents/learned/policy-metadata.js';
import { PpoLearner } from '../../../src/agents/learned/ppo.js';
import { RolloutEnv } from '../../../src/agents/learned/rollout-env.js';
import { initTfBackend, type Tf } from '../../../src/agents/tf-backend.js';
import { PolicyError } from '../../../src/env/errors.js';
import { makeInfo } from '../fixtures.js';
import { ToyScalingEnv } from './toy-env.js';

let tf: Tf;
let dir: string;

beforeAll(async () => {
  tf = (await initTfBackend()).tf;
  dir = await mkdtemp(join(tmpdir(), 'simenv-learners-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function toyEnvs(n: number, obsSize = 2): RolloutEnv {
  return new RolloutEnv(Array.from({ length: n }, () => new ToyScalingEnv(20, obsSize)), 42);
}

/** Run `iterations` learner iterations; returns the losses and the tensor counts after each. */
function train(learner: Learner, env: RolloutEnv, iterations: number, total: number): { losses: number[]; tensors: number[]; episodes: number[] } {
  const losses: number[] = [];
  const tensors: number[] = [];
  const episodes: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const s = learner.iterate(env, total, (e) => episodes.push(e.return));
    if (!Number.isNaN(s.loss)) losses.push(s.loss);
    tensors.push(tf.memory().numTensors);
  }
  return { losses, tensors, episodes };
}

const probeObs = [
  [0.2, 0.8],
  [0.8, 0.2],
  [0.6, 0.6],
  [1, 0.2],
].map((o) => Float32Array.from(o));

describe('DQN learner', () => {
  it('trains with finite losses and a flat tensor count', () => {
    const env = toyEnvs(4);
    env.reset();
    const learner = new DqnLearner(tf, 2, 3, 4, 1, { learningStarts: 100, batchSize: 32, targetUpdateInterval: 200, trainFrequency: 4 });
    const { losses, tensors, episodes } = train(learner, env, 300, 1200);
    expect(losses.length).toBeGreaterThan(200);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(episodes.length).toBeGreaterThan(40);
    // after warm-up (optimizer slots created) no iteration leaks tensors
    expect(tensors[tensors.length - 1]).toBe(tensors[100]);
    learner.dispose();
  });

  it('is reproducible: same seed, same losses', () => {
    const run = (): number[] => {
      const env = toyEnvs(2);
      env.reset();
      const l = new DqnLearner(tf, 2, 3, 2, 7, { learningStarts: 50, batchSize: 16 });
      const r = train(l, env, 80, 500).losses;
      l.dispose();
      return r;
    };
    expect(run()).toEqual(run());
  });

  it('decays epsilon linearly, then holds', () => {
    expect(linearSchedule(1, 0.05, 100, 0)).toBe(1);
    expect(linearSchedule(1, 0.05, 100, 50)).toBeCloseTo(0.525);
    expect(linearSchedule(1, 0.05, 100, 500)).toBe(0.05);
  });
});

describe('PPO learner', () => {
  it('trains with finite losses, a flat tensor count and sane diagnostics', () => {
    const env = toyEnvs(4);
    env.reset();
    const learner = new PpoLearner(tf, 2, 3, 4, 3, { numSteps: 32, numMinibatches: 4, updateEpochs: 2 });
    const tensors: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = learner.iterate(env, 6 * 128, () => {});
      expect(Number.isFinite(s.loss)).toBe(true);
      expect(s.entropy!).toBeGreaterThan(0);
      expect(s.entropy!).toBeLessThanOrEqual(Math.log(3) + 1e-6);
      expect(s.clipFraction!).toBeGreaterThanOrEqual(0);
      expect(s.updates).toBe((i + 1) * 8);
      tensors.push(tf.memory().numTensors);
    }
    expect(tensors[5]).toBe(tensors[1]);
    learner.dispose();
  });
});

describe('saved policies', () => {
  it('save, load and act identically and deterministically (DQN and PPO)', async () => {
    for (const kind of ['dqn', 'ppo'] as const) {
      const env = toyEnvs(2);
      env.reset();
      const learner: Learner =
        kind === 'dqn' ? new DqnLearner(tf, 2, 3, 2, 5, { learningStarts: 20, batchSize: 8 }) : new PpoLearner(tf, 2, 3, 2, 5, { numSteps: 16 });
      train(learner, env, kind === 'dqn' ? 60 : 2, 200);
      const ctx = env.agentContext;
      const meta = makePolicyMetadata({ agent: kind, head: learner.head, ctx, envOptions: { toy: true }, training: learner.config(), simenvVersion: 'test', fields: ['replicas', 'demand'] });
      const live = new PolicyAgent(tf, learner.policyModel, meta);
      const out = join(dir, kind);
      await writePolicyDir(tf, out, { model: learner.policyModel, metadata: meta, extras: learner.extraModels() });
      const loaded = await loadPolicyAgent(out, ctx);
      expect(loaded.name).toBe(kind);
      const info = makeInfo({});
      for (const o of probeObs) {
        expect(Array.from(loaded.outputs(o))).toEqual(Array.from(live.outputs(o)));
        const a = loaded.act(o, info);
        expect(ctx.actionSpace.contains(a)).toBe(true);
        expect(loaded.act(o, info)).toBe(a);
        expect(live.act(o, info)).toBe(a);
      }
      loaded.dispose();
      learner.dispose();
    }
  });

  it('rejects a policy trained for another observation or action shape, naming both', async () => {
    const ctx3 = new ToyScalingEnv(20, 3).agentContext;
    await expect(loadPolicyAgent(join(dir, 'dqn'), ctx3)).rejects.toThrow(/expects observations of shape \[2\], got an env with shape \[3\]/);
    const ctxAbs = { ...new ToyScalingEnv().agentContext, actionMode: 'absolute' as const };
    await expect(loadPolicyAgent(join(dir, 'dqn'), ctxAbs)).rejects.toThrow(/acts in delta Discrete\(3, start=-1\), got an env with absolute Discrete\(3, start=-1\)/);
  });

  it('reports corrupt checkpoints as PolicyError', async () => {
    const ctx = new ToyScalingEnv().agentContext;
    const src = join(dir, 'dqn');
    const bad = join(dir, 'bad');
    // truncated weights
    await writePolicyDir(tf, bad, { model: (await loadPolicyAgent(src, ctx)).model, metadata: JSON.parse(await readFile(join(src, 'policy.json'), 'utf8')) });
    const w = await readFile(join(bad, 'weights.bin'));
    await writeFile(join(bad, 'weights.bin'), w.subarray(0, w.length - 8));
    await expect(loadPolicyAgent(bad, ctx)).rejects.toThrow(/expected \d+ bytes of weights/);
    // garbage metadata
    await writeFile(join(bad, 'policy.json'), '{"format": 1, "agent": "dqn"');
    await expect(loadPolicyAgent(bad, ctx)).rejects.toBeInstanceOf(PolicyError);
    await writeFile(join(bad, 'policy.json'), '{"format": 99}');
    await expect(loadPolicyAgent(bad, ctx)).rejects.toThrow(/policy\.json at format/);
    // garbage model.json
    await writeFile(join(bad, 'policy.json'), await readFile(join(src, 'policy.json')));
    await writeFile(join(bad, 'model.json'), 'not json');
    await expect(loadPolicyAgent(bad, ctx)).rejects.toThrow(/expected a tfjs model\.json/);
    // missing directory
    await expect(loadPolicyAgent(join(dir, 'nope'), ctx)).rejects.toThrow(/expected a policy directory with policy\.json/);
  });

  it('refuses NaN or infinite weights (issue 14, defect 10): such a network would always pick the first action', async () => {
    const ctx = new ToyScalingEnv().agentContext;
    const src = join(dir, 'dqn');
    for (const [name, value] of [['nan', Number.NaN], ['inf', Number.POSITIVE_INFINITY]] as const) {
      const bad = join(dir, `bad-${name}`);
      await writePolicyDir(tf, bad, { model: (await loadPolicyAgent(src, ctx)).model, metadata: JSON.parse(await readFile(join(src, 'policy.json'), 'utf8')) });
      const w = await readFile(join(bad, 'weights.bin'));
      new DataView(w.buffer, w.byteOffset, w.byteLength).setFloat32(8, value, true);
      await writeFile(join(bad, 'weights.bin'), w);
      await expect(loadPolicyAgent(bad, ctx)).rejects.toThrow(new RegExp(`expected finite weights, got ${value} in tensor`));
    }
  });
});

describe('orthogonal initialisation', () => {
  it('gives orthonormal columns (tall) and rows (wide), times the gain', async () => {
    const { orthogonalMatrix } = await import('../../../src/agents/learned/networks.js');
    const { Rng } = await import('../../../src/env/rng.js');
    for (const [rows, cols] of [
      [9, 4],
      [4, 9],
      [16, 16],
    ] as const) {
      const m = orthogonalMatrix(rows, cols, 2, new Rng(1));
      const tall = rows >= cols;
      const nv = Math.min(rows, cols);
      const len = Math.max(rows, cols);
      const at = (v: number, i: number): number => (tall ? m[i * cols + v]! : m[v * cols + i]!);
      for (let a = 0; a < nv; a++) {
        for (let b = 0; b < nv; b++) {
          let dot = 0;
          for (let i = 0; i < len; i++) dot += at(a, i) * at(b, i);
          expect(dot).toBeCloseTo(a === b ? 4 : 0, 4);
        }
      }
    }
  });
});
