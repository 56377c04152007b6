import { beforeAll, describe, expect, it } from 'vitest';
import { mlpApply, mlpInfer, mlpParams, mlpVariables } from '../../../src/agents/learned/mlp-ops.js';
import { buildMlp } from '../../../src/agents/learned/networks.js';
import { initTfBackend, type Tf } from '../../../src/agents/tf-backend.js';
import type * as TfModule from '@tensorflow/tfjs';

let tf: Tf;
beforeAll(async () => {
  tf = (await initTfBackend()).tf;
});

describe('mlp ops (untransposed-gradient dense layers)', () => {
  for (const activation of ['tanh', 'relu'] as const) {
    it(`match the layers model's outputs and gradients (${activation})`, () => {
      const model = buildMlp(tf, { inputSize: 5, hidden: [16, 8], outputSize: 3, activation, outputGain: 1, seed: 3, name: `m_${activation}` });
      const p = mlpParams(model, activation);
      const vars = mlpVariables(p);
      // non-zero biases so their gradients and the bias path are exercised
      tf.tidy(() => p.biases.forEach((b, i) => b.assign(tf.fill(b.shape, 0.1 * (i + 1)))));
      const x = tf.tensor2d(Array.from({ length: 7 * 5 }, (_, i) => Math.sin(i)), [7, 5]);
      const w = tf.tensor2d(Array.from({ length: 7 * 3 }, (_, i) => Math.cos(i)), [7, 3]);
      const loss = (f: () => TfModule.Tensor) => () => tf.sum(tf.mul(f(), w)) as TfModule.Scalar;
      // a second round to see that nothing leaks once tfjs' one-time caches exist
      for (let round = 0; round < 2; round++) {
      const before = tf.memory().numTensors;
      const ref = tf.variableGrads(loss(() => model.apply(x) as TfModule.Tensor), vars);
      const ours = tf.variableGrads(loss(() => mlpApply(tf, p, x)), vars);
      expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0]!, 4);
      for (const v of vars) {
        const a = Array.from(ours.grads[v.name]!.dataSync());
        const b = Array.from(ref.grads[v.name]!.dataSync());
        a.forEach((g, i) => expect(g).toBeCloseTo(b[i]!, 4));
      }
      const inf = mlpInfer(tf, p, x);
      const pred = model.predict(x) as TfModule.Tensor;
      Array.from(inf.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(pred.dataSync()[i]!, 5));
      tf.dispose([ref.value, ours.value, ...Object.values(ref.grads), ...Object.values(ours.grads), inf, pred]);
      if (round === 1) expect(tf.memory().numTensors).toBe(before);
      }
      tf.dispose([x, w]);
      model.dispose();
    });
  }
});
