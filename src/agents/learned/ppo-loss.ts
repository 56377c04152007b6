/**
 * PPO's minibatch loss and its gradient with respect to the actor's logits and the critic's
 * values, in plain JS over typed arrays. The loss is elementwise over a few hundred rows; in JS
 * it costs microseconds, where the same as tfjs ops with autodiff cost ~100 kernel launches
 * per minibatch (see flat-mlp.ts). The formulas are the ones tfjs' autodiff gives for CleanRL's
 * loss (including which branch of a max or clip receives the gradient on ties); the unit test
 * checks them against tfjs' autodiff.
 *
 *   loss = mean(max(-A r, -A clip(r, 1-e, 1+e))) - entCoef mean(H) + vfCoef vLoss
 *   r = exp(logp(a) - oldLogp), H = -sum p log p,
 *   vLoss = 0.5 mean(max((v-R)^2, (oldV + clip(v-oldV, -e, e) - R)^2))   (or 0.5 mean((v-R)^2))
 *
 * Factorised head (MultiDiscrete, one categorical per component): the logits of a row are
 * the components' logits side by side; logp(a) and H are sums over the components, so the
 * gradient of component c's logits involves only its own probabilities and entropy. With one
 * component the arithmetic is exactly the Discrete one.
 */

export interface PpoLossConfig {
  clipCoef: number;
  clipVloss: boolean;
  entCoef: number;
  vfCoef: number;
}

/** One minibatch: network outputs and rollout data, M rows. */
export interface PpoLossBatch {
  rows: number;
  /** Logits per row (the sum of `nvec`). */
  nActions: number;
  /** Categories of each component (default: one component of nActions). */
  nvec?: ArrayLike<number>;
  /** [rows x nActions] */
  logits: ArrayLike<number>;
  /** [rows] */
  values: ArrayLike<number>;
  /** [rows x components]: the category index of each component. */
  actions: ArrayLike<number>;
  oldLogp: ArrayLike<number>;
  advantages: ArrayLike<number>;
  returns: ArrayLike<number>;
  oldValues: ArrayLike<number>;
}

/** Loss components and diagnostics of a minibatch (before the update). */
export interface PpoLossStats {
  loss: number;
  pg: number;
  v: number;
  ent: number;
  kl: number;
  clip: number;
}

/**
 * Compute the loss of `b`, writing dLoss/dLogits into `dLogits` [rows x nActions] and
 * dLoss/dValues into `dValues` [rows]. `logp` is scratch of length nActions.
 */
let componentEntropy = new Float64Array(8);
/** Probabilities of the current row (one exp per logit; the scratch `logp` holds the logs). */
let probs = new Float64Array(8);

export function ppoLossAndGrad(c: PpoLossConfig, b: PpoLossBatch, dLogits: Float32Array, dValues: Float32Array, logp: Float64Array): PpoLossStats {
  const M = b.rows;
  const nA = b.nActions;
  const e = c.clipCoef;
  let pgSum = 0;
  let entSum = 0;
  let vSum = 0;
  let klSum = 0;
  let clipCount = 0;
  const nvec = b.nvec ?? [nA];
  const D = nvec.length;
  if (componentEntropy.length < D) componentEntropy = new Float64Array(D);
  if (probs.length < nA) probs = new Float64Array(nA);
  for (let i = 0; i < M; i++) {
    const off = i * nA;
    let h = 0;
    let logpA = 0;
    for (let c = 0, co = 0; c < D; co += nvec[c]!, c++) {
      const n = nvec[c]!;
      let max = -Infinity;
      for (let j = 0; j < n; j++) max = Math.max(max, b.logits[off + co + j]!);
      let sum = 0;
      for (let j = 0; j < n; j++) {
        const e = Math.exp(b.logits[off + co + j]! - max);
        probs[co + j] = e;
        sum += e;
      }
      const logSum = Math.log(sum);
      let hc = 0;
      for (let j = 0; j < n; j++) {
        logp[co + j] = b.logits[off + co + j]! - max - logSum;
        probs[co + j]! /= sum;
        hc -= probs[co + j]! * logp[co + j]!;
      }
      componentEntropy[c] = hc;
      h += hc;
      logpA += logp[co + b.actions[i * D + c]!]!;
    }
    const logRatio = logpA - b.oldLogp[i]!;
    const r = Math.exp(logRatio);
    const adv = b.advantages[i]!;
    const rc = Math.min(Math.max(r, 1 - e), 1 + e);
    const pg1 = -adv * r;
    const pg2 = -adv * rc;
    // maximum() sends the gradient to its first argument on ties; clip passes it inside [1-e, 1+e].
    const dpgDr = pg1 >= pg2 ? -adv : r >= 1 - e && r <= 1 + e ? -adv : 0;
    pgSum += Math.max(pg1, pg2);
    entSum += h;
    klSum += r - 1 - logRatio;
    if (Math.abs(r - 1) > e) clipCount++;
    // d/dlogp(a) of the mean pg term, chained through r = exp(logRatio)
    const g = (dpgDr * r) / M;
    const entScale = c.entCoef / M;
    for (let k = 0, co = 0; k < D; co += nvec[k]!, k++) {
      const n = nvec[k]!;
      const a = b.actions[i * D + k]!;
      const hc = componentEntropy[k]!;
      for (let j = 0; j < n; j++) {
        const p = probs[co + j]!;
        // dlogp(a)/dz_j = [j = a] - p_j ; d(-entCoef mean H)/dz_j = (entCoef / M) p_j (log p_j + H_k)
        dLogits[off + co + j] = g * ((j === a ? 1 : 0) - p) + entScale * p * (logp[co + j]! + hc);
      }
    }
    const v = b.values[i]!;
    const ret = b.returns[i]!;
    const unclipped = (v - ret) ** 2;
    let dv: number;
    if (c.clipVloss) {
      const oldV = b.oldValues[i]!;
      const diff = v - oldV;
      const vClipped = oldV + Math.min(Math.max(diff, -e), e);
      const clipped = (vClipped - ret) ** 2;
      if (unclipped >= clipped) {
        vSum += unclipped;
        dv = v - ret;
      } else {
        vSum += clipped;
        dv = diff >= -e && diff <= e ? vClipped - ret : 0;
      }
    } else {
      vSum += unclipped;
      dv = v - ret;
    }
    // d(vfCoef * 0.5 * mean(sq))/dv = vfCoef * (v - target) / M
    dValues[i] = (c.vfCoef * dv) / M;
  }
  const pg = pgSum / M;
  const ent = entSum / M;
  const vLoss = (0.5 * vSum) / M;
  return { loss: pg - c.entCoef * ent + c.vfCoef * vLoss, pg, v: vLoss, ent, kl: klSum / M, clip: clipCount / M };
}
