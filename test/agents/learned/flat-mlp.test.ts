import type * as TfModule from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FlatAdam, FlatMlps } from '../../../src/agents/learned/flat-mlp.js';
import { buildMlp } from '../../../src/agents/learned/networks.js';
import { ppoLossAndGrad } from '../../../src/agents/learned/ppo-loss.js';
import { initTfBackend, type Tf } from '../../../src/agents/tf-backend.js';
import { Rng } from '../../../src/env/rng.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await initTfBackend()).tf;
});

const series = (n: number, f: (i: number) => number): Float32Array => Float32Array.from({ length: n }, (_, i) => f(i));

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, digits = 4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

describe('FlatMlps (hand-written forward and backward)', () => {
  for (const activation of ['tanh', 'relu'] as const) {
    it(`matches tfjs autodiff through the layers model (${activation}), without leaking tensors`, () => {
      const model = buildMlp(tf, { inputSize: 5, hidden: [16, 8], outputSize: 3, activation, outputGain: 1, seed: 3, name: `m_${activation}` });
      // non-zero biases so the bias path is exercised
      model.setWeights(model.getWeights().map((w, i) => (i % 2 === 1 ? tf.fill(w.shape, 0.05 * i) : w)));
      const flat = new FlatMlps(tf, [{ model, activation }]);
      const x = tf.tensor2d(series(7 * 5, Math.sin), [7, 5]);
      const weightsOut = tf.tensor2d(series(7 * 3, Math.cos), [7, 3]);
      // reference: d sum(out * weightsOut) / d weights by tfjs' autodiff
      const vars = model.trainableWeights.map((w) => w.read() as TfModule.Variable);
      const ref = tf.variableGrads(() => tf.sum(tf.mul(model.apply(x) as TfModule.Tensor, weightsOut)) as TfModule.Scalar, vars);
      const refFlat = tf.concat(vars.map((v) => tf.reshape(ref.grads[v.name]!, [-1])));
      for (let round = 0; round < 2; round++) {
        const before = tf.memory().numTensors;
        const grad = new Float32Array(flat.size);
        const out = tf.tidy(() => {
          const w = flat.weights(0);
          const trace = flat.forward(w, x.dataSync() as Float32Array, 7);
          flat.backward(w, trace, weightsOut.dataSync() as Float32Array, grad);
          return trace.out;
        });
        expectClose(out.dataSync(), (model.predict(x) as TfModule.Tensor).dataSync(), 5);
        expectClose(grad, refFlat.dataSync());
        tf.dispose(out);
        if (round === 1) expect(tf.memory().numTensors).toBe(before + 1); // the predict above
      }
      // writeTo round-trips
      const other = buildMlp(tf, { inputSize: 5, hidden: [16, 8], outputSize: 3, activation, outputGain: 1, seed: 9, name: `o_${activation}` });
      flat.writeTo(0, other);
      expectClose((other.predict(x) as TfModule.Tensor).dataSync(), (model.predict(x) as TfModule.Tensor).dataSync(), 6);
      tf.dispose([x, weightsOut, ref.value, refFlat, ...Object.values(ref.grads)]);
      model.dispose();
      other.dispose();
    });
  }

  it('FlatAdam takes the same steps as tfjs Adam (with clipping off)', () => {
    const theta = Float32Array.from([0.5, -1, 2]);
    const ref = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const adam = new FlatAdam(3, 0.01, 0.9, 0.999, 1e-7);
    const refAdam = tf.train.adam(0.01, 0.9, 0.999, 1e-7);
    for (let i = 0; i < 5; i++) {
      const gJs = Float32Array.from([0.3 * (i + 1), -0.2, 0.05 * i]);
      const g = tf.tensor1d(gJs);
      adam.step(theta, gJs, 0);
      refAdam.applyGradients([{ name: ref.name, tensor: g }]);
      g.dispose();
    }
    expectClose(theta, ref.dataSync(), 5);
    // clipping scales the gradient to the norm bound (Adam is scale-invariant, so compare the first moment's effect on one step)
    const clipped = new FlatAdam(3, 0.01);
    const t2 = new Float32Array(3);
    clipped.step(t2, Float32Array.from([30, 40, 0]), 5);
    // first step of Adam moves every coordinate with a non-zero gradient by ~lr, whatever the scale
    expectClose(t2, [-0.01, -0.01, 0], 4);
    tf.dispose(ref);
    refAdam.dispose();
  });
});

describe('PPO loss gradient', () => {
  it("matches tfjs autodiff of CleanRL's loss (clipped and unclipped rows, clipped value loss)", () => {
    const M = 40;
    const nA = 4;
    const rng = new Rng(5);
    const logits = series(M * nA, () => rng.normal());
    const values = series(M, () => rng.normal());
    const actions = Int32Array.from({ length: M }, () => Math.floor(rng.next() * nA));
    // old log-probs near the new ones, some far enough that the ratio is clipped
    const oldLogp = series(M, (i) => {
      let max = -Infinity;
      for (let j = 0; j < nA; j++) max = Math.max(max, logits[i * nA + j]!);
      let s = 0;
      for (let j = 0; j < nA; j++) s += Math.exp(logits[i * nA + j]! - max);
      return logits[i * nA + actions[i]!]! - max - Math.log(s) + 0.6 * rng.normal();
    });
    const adv = series(M, () => rng.normal());
    const ret = series(M, () => rng.normal());
    const oldVal = series(M, (i) => values[i]! + 0.5 * rng.normal());
    for (const clipVloss of [true, false]) {
      const cfg = { clipCoef: 0.2, clipVloss, entCoef: 0.01, vfCoef: 0.5 };
      const dLogits = new Float32Array(M * nA);
      const dValues = new Float32Array(M);
      const stats = ppoLossAndGrad(cfg, { rows: M, nActions: nA, logits, values, actions, oldLogp, advantages: adv, returns: ret, oldValues: oldVal }, dLogits, dValues, new Float64Array(nA));
      expect(stats.clip).toBeGreaterThan(0.1);
      expect(stats.clip).toBeLessThan(0.9);
      const z = tf.tensor2d(logits, [M, nA]);
      const v = tf.tensor1d(values);
      const g = tf.grads((zz: TfModule.Tensor, vv: TfModule.Tensor) => {
        const logProbs = tf.logSoftmax(zz);
        const newLogp = tf.sum(tf.mul(logProbs, tf.oneHot(tf.tensor1d(actions, 'int32'), nA)), 1);
        const ratio = tf.exp(tf.sub(newLogp, tf.tensor1d(oldLogp)));
        const a = tf.tensor1d(adv);
        const pg = tf.mean(tf.maximum(tf.mul(tf.neg(a), ratio), tf.mul(tf.neg(a), tf.clipByValue(ratio, 0.8, 1.2))));
        const r = tf.tensor1d(ret);
        const ov = tf.tensor1d(oldVal);
        const unclipped = tf.square(tf.sub(vv, r));
        const vl = clipVloss
          ? tf.mul(0.5, tf.mean(tf.maximum(unclipped, tf.square(tf.sub(tf.add(ov, tf.clipByValue(tf.sub(vv, ov), -0.2, 0.2)), r)))))
          : tf.mul(0.5, tf.mean(unclipped));
        const ent = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 1)));
        return tf.add(tf.sub(pg, tf.mul(0.01, ent)), tf.mul(0.5, vl)) as TfModule.Scalar;
      });
      const [gz, gv] = g([z, v]);
      expectClose(dLogits, gz!.dataSync(), 5);
      expectClose(dValues, gv!.dataSync(), 5);
      tf.dispose([z, v, gz!, gv!]);
    }
  });
});

describe('FlatMlps.jointWeights', () => {
  it('gives each network its own outputs side by side (first layers side by side, later ones block-diagonal)', () => {
    const a = buildMlp(tf, { inputSize: 4, hidden: [6, 5], outputSize: 3, activation: 'tanh', outputGain: 1, seed: 1, name: 'ja' });
    const c = buildMlp(tf, { inputSize: 4, hidden: [6, 5], outputSize: 1, activation: 'tanh', outputGain: 1, seed: 2, name: 'jc' });
    for (const m of [a, c]) m.setWeights(m.getWeights().map((w, i) => (i % 2 === 1 ? tf.fill(w.shape, 0.1 * i) : w)));
    const flat = new FlatMlps(tf, [
      { model: a, activation: 'tanh' },
      { model: c, activation: 'tanh' },
    ]);
    const x = tf.tensor2d(series(3 * 4, Math.cos), [3, 4]);
    const before = tf.memory().numTensors;
    const joint = tf.tidy(() => flat.infer(flat.jointWeights([0, 1]), x.dataSync() as Float32Array, 3));
    expect(tf.memory().numTensors).toBe(before);
    const pa = (a.predict(x) as TfModule.Tensor).dataSync();
    const pc = (c.predict(x) as TfModule.Tensor).dataSync();
    const expected: number[] = [];
    for (let r = 0; r < 3; r++) expected.push(...pa.slice(r * 3, r * 3 + 3), pc[r]!);
    expectClose(joint, expected, 5);
    tf.dispose(x);
    a.dispose();
    c.dispose();
  });
});
