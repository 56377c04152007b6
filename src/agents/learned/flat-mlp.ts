import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../tf-backend.js';
import type { LayersModel } from './networks.js';

/**
 * The learners' MLPs during training: every weight of one or more networks in ONE flat tfjs
 * variable, with a hand-written forward and backward pass. The LayersModels stay the networks
 * that act and are saved; `writeTo` copies the trained weights back into them.
 *
 * Why (measured on the wasm backend, docs/agents.md "Training throughput"): the time went to
 * tfjs' per-op dispatch and autodiff tape, not to arithmetic. The networks are tiny (2 x 64),
 * so the cost of a gradient step is the number of kernels it launches. Here a step is a
 * forward pass keeping its activations, a backward pass of two products, a bias sum and an
 * activation derivative per layer, one concat, and one Adam update of one variable (`FlatAdam`);
 * no tape. The products never use a transpose flag: on wasm only the untransposed matMul goes
 * to XNNPACK's SIMD kernel, a transposed one to a scalar loop ~7x slower.
 */

type Tensor = TfModule.Tensor;
type Tensor1D = TfModule.Tensor1D;
type Tensor2D = TfModule.Tensor2D;

/** One dense layer's place in the flat vector. */
interface LayerSlot {
  inSize: number;
  outSize: number;
  kernelOffset: number;
  biasOffset: number;
}

/** One network (an MLP of dense layers) in the flat vector. */
export interface NetLayout {
  layers: LayerSlot[];
  activation: 'relu' | 'tanh';
}

/** A network's weights as tensors (slices of the flat vector; valid inside the caller's tidy). */
export type NetWeights = Array<{ kernel: Tensor2D; bias: Tensor1D }>;

/** Forward pass with what the backward pass needs: the input and each layer's output. */
export interface ForwardTrace {
  /** acts[0] is the input, acts[i] the (activated) output of layer i-1; the last is linear. */
  acts: Tensor2D[];
  out: Tensor2D;
}

/** Networks held in one flat variable (see the module comment). */
export class FlatMlps {
  readonly theta: TfModule.Variable<TfModule.Rank.R1>;
  readonly nets: NetLayout[];
  readonly size: number;

  /** Copy the current weights of `models` (dense layers with bias, as buildMlp makes them). */
  constructor(
    private readonly tf: Tf,
    models: ReadonlyArray<{ model: LayersModel; activation: 'relu' | 'tanh' }>,
  ) {
    let offset = 0;
    const parts: Float32Array[] = [];
    this.nets = models.map(({ model, activation }) => {
      const layers: LayerSlot[] = [];
      for (const layer of model.layers) {
        const [k, b] = layer.getWeights();
        if (!k || !b || k.shape.length !== 2) throw new RangeError(`FlatMlps: expected dense layers with a kernel and a bias, got ${layer.name}`);
        const [inSize, outSize] = k.shape as [number, number];
        layers.push({ inSize, outSize, kernelOffset: offset, biasOffset: offset + inSize * outSize });
        parts.push(k.dataSync() as Float32Array, b.dataSync() as Float32Array);
        offset += inSize * outSize + outSize;
      }
      return { layers, activation };
    });
    this.size = offset;
    const flat = new Float32Array(offset);
    let at = 0;
    for (const p of parts) {
      flat.set(p, at);
      at += p.length;
    }
    this.theta = tf.variable(tf.tensor1d(flat), true);
  }

  /** Slices of `theta` (or of another flat vector of the same layout, e.g. a target copy) for network `net`. */
  weights(net: number, from: Tensor1D = this.theta): NetWeights {
    const tf = this.tf;
    return this.nets[net]!.layers.map((l) => ({
      kernel: tf.reshape(tf.slice(from, l.kernelOffset, l.inSize * l.outSize), [l.inSize, l.outSize]) as Tensor2D,
      bias: tf.slice(from, l.biasOffset, l.outSize) as Tensor1D,
    }));
  }

  /** Output of network `net` for a batch (fused product + bias, and ReLU where it is the activation). */
  infer(net: number, w: NetWeights, x: Tensor2D): Tensor2D {
    return this.forward(net, w, x).out;
  }

  /** Forward pass keeping every layer's activated output for `backward`. */
  forward(net: number, w: NetWeights, x: Tensor2D): ForwardTrace {
    const tf = this.tf;
    const { activation } = this.nets[net]!;
    const acts: Tensor2D[] = [x];
    let h = x;
    const last = w.length - 1;
    for (let i = 0; i <= last; i++) {
      const act = i < last && activation === 'relu' ? 'relu' : 'linear';
      h = tf.fused.matMul({ a: h, b: w[i]!.kernel, bias: w[i]!.bias, activation: act }) as Tensor2D;
      if (i < last && activation === 'tanh') h = tf.tanh(h) as Tensor2D;
      if (i < last) acts.push(h);
    }
    return { acts, out: h };
  }

  /**
   * Gradients of a loss with respect to network `net`'s weights, given dLoss/dOutput, in the
   * flat layout's order ([kernel, bias] per layer), each flattened to 1-D.
   */
  backward(net: number, w: NetWeights, trace: ForwardTrace, dOut: Tensor2D): Tensor1D[] {
    const tf = this.tf;
    const { activation } = this.nets[net]!;
    const grads: Tensor1D[] = new Array<Tensor1D>(w.length * 2);
    // Bias gradients as ones(1 x rows) dz: a plain product, where sum(dz, 0) transposes dz first on wasm.
    const ones = tf.ones([1, dOut.shape[0]]) as Tensor2D;
    let dz = dOut;
    for (let i = w.length - 1; i >= 0; i--) {
      const input = trace.acts[i]!;
      grads[2 * i] = tf.reshape(tf.matMul(tf.transpose(input), dz), [-1]) as Tensor1D;
      grads[2 * i + 1] = tf.reshape(tf.matMul(ones, dz), [-1]) as Tensor1D;
      if (i === 0) break;
      const dh = tf.matMul(dz, tf.transpose(w[i]!.kernel));
      // input = act(z): relu' = [input > 0]; tanh' = 1 - input^2
      dz = (activation === 'relu' ? tf.mul(dh, tf.step(input)) : tf.mul(dh, tf.sub(1, tf.square(input)))) as Tensor2D;
    }
    return grads;
  }

  /** Concatenate per-network gradient lists (in network order) into one flat gradient. */
  flatGrad(perNet: Tensor1D[][]): Tensor1D {
    return this.tf.concat(perNet.flat(), 0);
  }

  /** Copy network `net`'s weights from `theta` into `model` (same architecture). */
  writeTo(net: number, model: LayersModel): void {
    const tf = this.tf;
    tf.tidy(() => model.setWeights(this.weights(net).flatMap((l) => [l.kernel, l.bias])));
  }

  dispose(): void {
    this.theta.dispose();
  }
}

/**
 * Adam (Kingma & Ba 2015) on one flat variable, in PyTorch's form (epsilon added to the
 * bias-corrected second moment's root), with optional global-norm gradient clipping: about ten
 * kernels per step whatever the number of layers. Bias corrections are JS scalars.
 */
export class FlatAdam {
  private readonly m: TfModule.Variable<TfModule.Rank.R1>;
  private readonly v: TfModule.Variable<TfModule.Rank.R1>;
  private t = 0;

  constructor(
    private readonly tf: Tf,
    size: number,
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = tf.variable(tf.zeros([size]), false);
    this.v = tf.variable(tf.zeros([size]), false);
  }

  /** Steps taken. */
  get steps(): number {
    return this.t;
  }

  /** theta -= lr * m_hat / (sqrt(v_hat) + eps), after scaling `grad` to global norm <= maxGradNorm (0: no clipping). */
  step(theta: TfModule.Variable<TfModule.Rank.R1>, grad: Tensor1D, maxGradNorm: number): void {
    const tf = this.tf;
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      let g: Tensor = grad;
      if (maxGradNorm > 0) {
        const norm = tf.sqrt(tf.sum(tf.square(grad)));
        g = tf.mul(grad, tf.div(maxGradNorm, tf.maximum(norm, maxGradNorm)));
      }
      const m = tf.add(tf.mul(this.m, this.beta1), tf.mul(g, 1 - this.beta1));
      const v = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
      this.m.assign(m as Tensor1D);
      this.v.assign(v as Tensor1D);
      // lr * (m / c1) / (sqrt(v / c2) + eps) = (lr / c1) * m / (sqrt(v) / sqrt(c2) + eps)
      const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(c2)), this.epsilon);
      theta.assign(tf.sub(theta, tf.mul(tf.div(m, denom), this.learningRate / c1)) as Tensor1D);
    });
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
