import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../tf-backend.js';
import type { LayersModel } from './networks.js';

/**
 * The training-time forward pass of the learners' MLPs, written against the layers' own
 * variables (so saving and the acting PolicyAgent still use the LayersModel) with a dense op
 * whose gradient avoids transposed matrix products.
 *
 * Why: tfjs' matMul gradient calls `matMul(dy, W, false, true)` and `matMul(x, dy, true,
 * false)`. On the wasm backend only the untransposed product goes to XNNPACK's SIMD
 * fully-connected kernel; a transpose flag falls back to a scalar loop, ~7x slower at 256x64 by
 * 64x64 (measured: 2.5 ms vs 0.35 ms on a loaded 2-core machine). An explicit `transpose` then a
 * plain product costs about as much as the plain product. See docs/agents.md (throughput).
 */

type Tensor = TfModule.Tensor;
type Tensor2D = TfModule.Tensor2D;
type Variable = TfModule.Variable;

/** The variables of one MLP: kernel and bias per dense layer, hidden activation. */
export interface MlpParams {
  kernels: Variable[];
  biases: Variable[];
  activation: 'relu' | 'tanh';
}

/** The kernels and biases of an MLP built by `buildMlp` (dense layers with bias, in order). */
export function mlpParams(model: LayersModel, activation: 'relu' | 'tanh'): MlpParams {
  const kernels: Variable[] = [];
  const biases: Variable[] = [];
  for (const layer of model.layers) {
    const w = layer.weights;
    if (w.length !== 2) throw new RangeError(`mlpParams: expected dense layers with a kernel and a bias, got ${w.length} weights in ${layer.name}`);
    kernels.push(w[0]!.read() as Variable);
    biases.push(w[1]!.read() as Variable);
  }
  return { kernels, biases, activation };
}

/** All variables of `p` in the order of the model's trainable weights. */
export function mlpVariables(p: MlpParams): Variable[] {
  return p.kernels.flatMap((k, i) => [k, p.biases[i]!]);
}

type DenseOp = (x: Tensor2D, w: Tensor2D, b: TfModule.Tensor1D) => Tensor2D;
const denseOps = new WeakMap<object, DenseOp>();

/** `x W + b` with gradients dX = dY transpose(W), dW = transpose(X) dY, db = sum(dY) (untransposed products only). */
export function denseOp(tf: Tf): DenseOp {
  let op = denseOps.get(tf);
  if (!op) {
    const custom = tf.customGrad((...args: unknown[]) => {
      const [x, w, b, save] = args as [Tensor2D, Tensor2D, TfModule.Tensor1D, (ts: Tensor[]) => void];
      save([x, w]);
      return {
        value: tf.fused.matMul({ a: x, b: w, bias: b }),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [sx, sw] = saved as [Tensor2D, Tensor2D];
          const dy2 = dy as Tensor2D;
          return [tf.matMul(dy2, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy2), tf.sum(dy2, 0)];
        },
      };
    });
    op = custom as unknown as DenseOp;
    denseOps.set(tf, op);
  }
  return op;
}

/** The MLP's output for a batch `x` (hidden layers activated, the last linear), differentiable. */
export function mlpApply(tf: Tf, p: MlpParams, x: Tensor2D): Tensor2D {
  const dense = denseOp(tf);
  let h = x;
  const last = p.kernels.length - 1;
  for (let i = 0; i <= last; i++) {
    h = dense(h, p.kernels[i] as unknown as Tensor2D, p.biases[i] as unknown as TfModule.Tensor1D);
    if (i < last) h = p.activation === 'tanh' ? tf.tanh(h) : tf.relu(h);
  }
  return h;
}

/** Forward pass without gradients (rollouts, targets): fused product, bias and ReLU in one kernel where possible. */
export function mlpInfer(tf: Tf, p: MlpParams, x: Tensor2D): Tensor2D {
  return tf.tidy(() => {
    let h: Tensor2D = x;
    const last = p.kernels.length - 1;
    for (let i = 0; i <= last; i++) {
      const act = i < last && p.activation === 'relu' ? 'relu' : 'linear';
      h = tf.fused.matMul({ a: h, b: p.kernels[i] as unknown as Tensor2D, bias: p.biases[i], activation: act }) as Tensor2D;
      if (i < last && p.activation === 'tanh') h = tf.tanh(h) as Tensor2D;
    }
    return h;
  });
}
