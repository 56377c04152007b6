import type * as TfModule from '@tensorflow/tfjs';
import { Rng } from '../../env/rng.js';
import type { Tf } from '../tf-backend.js';

/**
 * The small multilayer perceptrons the learned agents use. Weights are initialised from
 * explicit seeds so a training run with the same seed starts from the same network.
 */

export type LayersModel = TfModule.LayersModel;
export type Tensor = TfModule.Tensor;

/** Shape of an MLP: hidden widths and activation. */
export interface MlpSpec {
  inputSize: number;
  hidden: number[];
  outputSize: number;
  activation: 'relu' | 'tanh';
  /** Orthogonal init gain of the output layer (PPO uses 0.01 for logits, 1 for values). */
  outputGain: number;
  /** Seed of the initial weights. */
  seed: number;
  name: string;
}

/**
 * A `rows x cols` matrix (row-major) with orthonormal columns (or rows, if wider than tall)
 * times `gain`: Gram-Schmidt on a seeded Gaussian matrix, as torch.nn.init.orthogonal_ does
 * with QR. Done in JS with simenv's Rng so initial weights do not depend on tfjs' RNG.
 */
export function orthogonalMatrix(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const long = Math.max(rows, cols);
  const short = Math.min(rows, cols);
  // q holds `short` vectors of length `long`.
  const q = new Float64Array(short * long);
  for (let j = 0; j < short; j++) {
    const v = q.subarray(j * long, (j + 1) * long);
    for (;;) {
      for (let i = 0; i < long; i++) v[i] = rng.normal();
      for (let p = 0; p < j; p++) {
        const u = q.subarray(p * long, (p + 1) * long);
        let dot = 0;
        for (let i = 0; i < long; i++) dot += u[i]! * v[i]!;
        for (let i = 0; i < long; i++) v[i]! -= dot * u[i]!;
      }
      let norm = 0;
      for (let i = 0; i < long; i++) norm += v[i]! * v[i]!;
      norm = Math.sqrt(norm);
      if (norm > 1e-8) {
        for (let i = 0; i < long; i++) v[i]! /= norm;
        break;
      }
    }
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // rows >= cols: column c is vector c; otherwise row r is vector r.
      out[r * cols + c] = gain * (rows >= cols ? q[c * long + r]! : q[r * long + c]!);
    }
  }
  return out;
}

/** Build an MLP with orthogonal initialisation (gain sqrt(2) for hidden layers), zero biases. */
export function buildMlp(tf: Tf, spec: MlpSpec): LayersModel {
  const model = tf.sequential({ name: spec.name });
  const widths = [...spec.hidden, spec.outputSize];
  widths.forEach((units, i) => {
    const last = i === widths.length - 1;
    model.add(
      tf.layers.dense({
        units,
        activation: last ? 'linear' : spec.activation,
        inputShape: i === 0 ? [spec.inputSize] : undefined,
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
        name: last ? `${spec.name}_out` : `${spec.name}_h${i}`,
      }),
    );
  });
  const rng = new Rng(spec.seed);
  const weights: Tensor[] = [];
  let fanIn = spec.inputSize;
  widths.forEach((units, i) => {
    const gain = i === widths.length - 1 ? spec.outputGain : Math.SQRT2;
    weights.push(tf.tensor2d(orthogonalMatrix(fanIn, units, gain, rng), [fanIn, units]));
    weights.push(tf.zeros([units]));
    fanIn = units;
  });
  model.setWeights(weights);
  for (const w of weights) w.dispose();
  return model;
}

/** Index of the largest value in `values[offset .. offset + n)` (first on ties, so it is deterministic). */
export function argmax(values: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  let bestV = values[offset]!;
  for (let i = 1; i < n; i++) {
    const v = values[offset + i]!;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}
