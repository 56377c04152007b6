import type * as TfModule from '@tensorflow/tfjs';
import type { Tf } from '../tf-backend.js';
import type { LayersModel } from './networks.js';

/**
 * The learners' MLPs during training: every weight of one or more networks in ONE flat JS
 * Float32Array (`theta`), with a hand-written forward and backward pass whose matrix products
 * run in tfjs; the optimizer (`FlatAdam`) works on the typed arrays. The LayersModels stay the
 * networks that act and are saved; `writeTo` copies the trained weights back into them.
 *
 * Why (measured on the wasm backend, docs/agents.md "Training throughput"): the networks are
 * tiny (2 x 64), so a gradient step costs what it launches, not what it multiplies.
 * - Each step's weight tensors are made from `theta` (a copy into the wasm heap, ~8 us each)
 *   instead of sliced from a tfjs variable (a kernel each, ~60 us), and Adam and the gradient
 *   clipping are one JS loop (~50 us) instead of ~20 kernels.
 * - tanh on wasm is a scalar loop (~370 us for 384 x 64, three times the layer's product).
 *   tanh(z) = 2 sigmoid(2z) - 1, and sigmoid fuses into the product kernel (~40 us more), so a tanh
 *   network runs on s = sigmoid(2z): the next layer takes s with its weights rewritten in JS
 *   (z' = (2s - 1) W + b = s (2W) + (b - 1'W)), and the backward pass uses 1 - tanh^2 = 4 s (1 - s).
 * - The products never use a transpose flag: on wasm only the untransposed matMul goes to
 *   XNNPACK's SIMD kernel, a transposed one to a scalar loop ~7x slower. W' for the backward
 *   pass is transposed in JS.
 */

type Tensor3D = TfModule.Tensor3D;
type Tensor1D = TfModule.Tensor1D;

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

/** One layer's raw weights: kernel [in x out] row-major and bias [out]. */
interface RawLayer {
  inSize: number;
  outSize: number;
  kernel: Float32Array;
  bias: Float32Array;
}

/** A network's weights as the tensors the passes use (see the module comment for the rewrite). */
export interface NetWeights {
  activation: 'relu' | 'tanh';
  layers: Array<{
    /** Kernel [1 x in x out] and bias as the fused product takes them (rewritten for tanh networks). */
    kernel: Tensor3D;
    bias: Tensor1D;
    /** dLoss/dInput = dLoss/dz times this [1 x out x in] (scaled for tanh networks); absent on layer 0 and for inference. */
    backT?: Tensor3D;
  }>;
  /** Where each layer's gradient goes in the flat vector. */
  slots: LayerSlot[];
}

/**
 * Forward pass with what the backward pass needs: each layer's input and the output, as
 * [1 x rows x width] tensors (the batched form the fused-product kernel takes, so no reshapes).
 */
export interface ForwardTrace {
  /** acts[0] is the input; acts[i] the stored activation of layer i-1 (sigmoid(2z) for tanh networks, relu(z) for relu ones). */
  acts: Tensor3D[];
  out: Tensor3D;
  /** The input as the caller gave it (row-major), and its rows. */
  x: Float32Array;
  rows: number;
}

/** Networks held in one flat JS vector (see the module comment). */
export class FlatMlps {
  readonly theta: Float32Array;
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
    this.theta = new Float32Array(offset);
    let at = 0;
    for (const p of parts) {
      this.theta.set(p, at);
      at += p.length;
    }
  }

  private raw(net: number, from: Float32Array): RawLayer[] {
    return this.nets[net]!.layers.map((l) => ({
      inSize: l.inSize,
      outSize: l.outSize,
      kernel: from.subarray(l.kernelOffset, l.kernelOffset + l.inSize * l.outSize),
      bias: from.subarray(l.biasOffset, l.biasOffset + l.outSize),
    }));
  }

  /**
   * Tensors of network `net` from `from` (theta, or another vector of the same layout such as
   * a target copy); `backward`: also the transposed kernels the backward pass needs. The caller
   * disposes them (or makes them inside a tidy).
   */
  weights(net: number, from: Float32Array = this.theta, backward = true): NetWeights {
    const { activation, layers } = this.nets[net]!;
    return this.tensors(this.raw(net, from), activation, layers, backward);
  }

  /**
   * Inference tensors of several networks of the same depth and activation run as one: the
   * first layers side by side, the later ones block-diagonal, so one pass gives every network's
   * outputs side by side (columns in `nets` order). For a few rows (one vector step) the cost
   * is the number of kernels, so this halves it for an actor and a critic.
   */
  jointWeights(nets: readonly number[], from: Float32Array = this.theta): NetWeights {
    const raws = nets.map((n) => this.raw(n, from));
    const activation = this.nets[nets[0]!]!.activation;
    const depth = raws[0]!.length;
    if (nets.some((n) => this.nets[n]!.activation !== activation || this.nets[n]!.layers.length !== depth)) {
      throw new RangeError(`FlatMlps.jointWeights: expected networks of one depth and activation, got nets ${nets.join(', ')}`);
    }
    const joint: RawLayer[] = [];
    for (let l = 0; l < depth; l++) {
      const parts = raws.map((r) => r[l]!);
      const inSize = l === 0 ? parts[0]!.inSize : parts.reduce((s, p) => s + p.inSize, 0);
      const outSize = parts.reduce((s, p) => s + p.outSize, 0);
      const kernel = new Float32Array(inSize * outSize);
      const bias = new Float32Array(outSize);
      let row0 = 0;
      let col0 = 0;
      for (const p of parts) {
        for (let i = 0; i < p.inSize; i++) kernel.set(p.kernel.subarray(i * p.outSize, (i + 1) * p.outSize), (row0 + i) * outSize + col0);
        bias.set(p.bias, col0);
        if (l > 0) row0 += p.inSize;
        col0 += p.outSize;
      }
      joint.push({ inSize, outSize, kernel, bias });
    }
    return this.tensors(joint, activation, [], false);
  }

  private tensors(raw: RawLayer[], activation: 'relu' | 'tanh', slots: LayerSlot[], backward: boolean): NetWeights {
    const tf = this.tf;
    const last = raw.length - 1;
    const layers = raw.map((r, i) => {
      const { inSize, outSize } = r;
      let kernel = r.kernel;
      let bias = r.bias;
      if (activation === 'tanh') {
        // Hidden layers output s = sigmoid(2z) (scale 2); a layer after one takes s for 2s - 1.
        const scale = i < last ? 2 : 1;
        const kScale = i > 0 ? 2 * scale : scale;
        kernel = new Float32Array(inSize * outSize);
        bias = new Float32Array(outSize);
        for (let j = 0; j < outSize; j++) bias[j] = r.bias[j]!;
        for (let p = 0; p < inSize; p++) {
          for (let j = 0; j < outSize; j++) {
            const w = r.kernel[p * outSize + j]!;
            kernel[p * outSize + j] = kScale * w;
            if (i > 0) bias[j]! -= w;
          }
        }
        for (let j = 0; j < outSize; j++) bias[j]! *= scale;
      }
      let backT: Tensor3D | undefined;
      if (backward && i > 0) {
        // dLoss/d(previous activation) = g W'; for tanh networks times 4 for 1 - tanh^2 = 4 s (1 - s).
        const f = activation === 'tanh' ? 4 : 1;
        const t = new Float32Array(inSize * outSize);
        for (let p = 0; p < inSize; p++) for (let j = 0; j < outSize; j++) t[j * inSize + p] = f * r.kernel[p * outSize + j]!;
        backT = tf.tensor3d(t, [1, outSize, inSize]);
      }
      return { kernel: tf.tensor3d(kernel, [1, inSize, outSize]), bias: tf.tensor1d(bias), backT };
    });
    return { activation, layers, slots };
  }

  /** Output of a network for `rows` observations (row-major in `x`), read into JS. */
  infer(w: NetWeights, x: Float32Array, rows: number): Float32Array {
    const out = this.tf.tidy(() => this.forward(w, x, rows).out);
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  }

  /** Forward pass keeping every layer's input for `backward`; run it inside a tidy. */
  forward(w: NetWeights, x: Float32Array, rows: number): ForwardTrace {
    const tf = this.tf;
    const engine = tf.engine();
    const hidden = w.activation === 'relu' ? 'relu' : 'sigmoid';
    let h = tf.tensor3d(x, [1, rows, x.length / rows]);
    const acts: Tensor3D[] = [h];
    const last = w.layers.length - 1;
    for (let i = 0; i <= last; i++) {
      const { kernel, bias } = w.layers[i]!;
      // The kernel itself: tf.fused.matMul adds three reshapes and a custom-gradient wrapper around it.
      const attrs = { transposeA: false, transposeB: false, activation: i < last ? hidden : 'linear', leakyreluAlpha: 0 };
      h = engine.runKernel('_FusedMatMul', { a: h, b: kernel, bias }, attrs as unknown as TfModule.NamedAttrMap) as Tensor3D;
      if (i < last) acts.push(h);
    }
    return { acts, out: h, x, rows };
  }

  /**
   * Gradient of a loss with respect to the network's weights, given dLoss/dOutput as a JS array
   * [rows x outputs], written into `grad` (a vector of theta's layout) at the network's slots.
   * Run it inside a tidy.
   */
  backward(w: NetWeights, trace: ForwardTrace, dOut: Float32Array, grad: Float32Array): void {
    const tf = this.tf;
    const L = w.layers.length;
    const rows = trace.rows;
    const tanh = w.activation === 'tanh';
    const onesRow = tf.tensor3d(onesOf(rows), [1, 1, rows]);
    let g = tf.tensor3d(dOut, [1, rows, w.slots[L - 1]!.outSize]);
    for (let i = L - 1; i >= 0; i--) {
      const slot = w.slots[i]!;
      const { inSize, outSize } = slot;
      const input = trace.acts[i]!;
      // [input | 1]' g: the kernel's gradient and, in its last row, the bias's, in one product.
      // Layer 0's input is in JS: transpose it there; later inputs are transposed by a kernel.
      const inputT = i === 0 ? tf.tensor3d(transposeWithOnes(trace.x, rows, inSize), [1, inSize + 1, rows]) : tf.concat([tf.transpose(input, [0, 2, 1]), onesRow], 1);
      const pq = tf.matMul(inputT, g).dataSync();
      const db = grad.subarray(slot.biasOffset, slot.biasOffset + outSize);
      db.set(pq.subarray(inSize * outSize, (inSize + 1) * outSize));
      const dW = grad.subarray(slot.kernelOffset, slot.kernelOffset + inSize * outSize);
      if (tanh && i > 0) {
        // input = s, the activation is 2s - 1: (2s - 1)'g = 2 s'g - 1 (x) db
        for (let q = 0, o = 0; q < inSize; q++) for (let j = 0; j < outSize; j++, o++) dW[o] = 2 * pq[o]! - db[j]!;
      } else {
        dW.set(pq.subarray(0, inSize * outSize));
      }
      if (i === 0) break;
      const dh = tf.matMul(g, w.layers[i]!.backT!);
      // relu' = [input > 0]; tanh' = 4 s (1 - s) (the 4 is in backT)
      g = (tanh ? tf.mul(dh, tf.mul(input, tf.sub(1, input))) : tf.mul(dh, tf.step(input))) as Tensor3D;
    }
  }

  /** Copy network `net`'s weights from `theta` into `model` (same architecture). */
  writeTo(net: number, model: LayersModel): void {
    const tf = this.tf;
    tf.tidy(() =>
      model.setWeights(this.raw(net, this.theta).flatMap((l) => [tf.tensor2d(l.kernel, [l.inSize, l.outSize]), tf.tensor1d(l.bias)])),
    );
  }
}

/** `x` [rows x cols] transposed, with a last row of ones: [(cols + 1) x rows]. */
function transposeWithOnes(x: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array((cols + 1) * rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c]!;
  t.fill(1, cols * rows);
  return t;
}

let onesCache = new Float32Array(0);
/** A shared array of at least `n` ones (a tensor copies what it is made from). */
function onesOf(n: number): Float32Array {
  if (onesCache.length < n) onesCache = new Float32Array(n).fill(1);
  return onesCache.subarray(0, n);
}

/**
 * Adam (Kingma & Ba 2015) on one flat JS vector, in PyTorch's form (epsilon added to the
 * bias-corrected second moment's root), with optional global-norm gradient clipping: one loop.
 */
export class FlatAdam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;

  constructor(
    size: number,
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /** Steps taken. */
  get steps(): number {
    return this.t;
  }

  /** theta -= lr * m_hat / (sqrt(v_hat) + eps), after scaling `grad` to global norm <= maxGradNorm (0: no clipping). */
  step(theta: Float32Array, grad: Float32Array, maxGradNorm: number): void {
    this.t++;
    const n = theta.length;
    let clip = 1;
    if (maxGradNorm > 0) {
      let sq = 0;
      for (let i = 0; i < n; i++) sq += grad[i]! * grad[i]!;
      clip = maxGradNorm / Math.max(Math.sqrt(sq), maxGradNorm);
    }
    const b1 = this.beta1;
    const b2 = this.beta2;
    // lr * (m / c1) / (sqrt(v / c2) + eps) = (lr / c1) * m / (sqrt(v) / sqrt(c2) + eps)
    const step = this.learningRate / (1 - b1 ** this.t);
    const rc2 = 1 / Math.sqrt(1 - b2 ** this.t);
    const eps = this.epsilon;
    const m = this.m;
    const v = this.v;
    for (let i = 0; i < n; i++) {
      const g = grad[i]! * clip;
      const mi = b1 * m[i]! + (1 - b1) * g;
      const vi = b2 * v[i]! + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      theta[i]! -= (step * mi) / (Math.sqrt(vi) * rc2 + eps);
    }
  }
}

/** Dispose the tensors of `w`. */
export function disposeWeights(tf: Tf, w: NetWeights): void {
  for (const l of w.layers) tf.dispose([l.kernel, l.bias, ...(l.backT ? [l.backT] : [])]);
}
