/**
 * Action distributions over batches, on plain Float32Arrays, with the gradients that policy-gradient losses
 * need written out (the networks' backward pass takes dL/d(outputs) from here).
 *
 * Categorical (logits l, optional 0/1 action mask m; masked actions get probability 0):
 *   log p_k = l_k - logsumexp_{j: m_j = 1} l_j
 *   d log p_a / d l_k = [k = a] - p_k                   (k unmasked; 0 for masked k)
 *   H = -sum_k p_k log p_k,  dH/dl_k = -p_k (log p_k + H)
 *
 * Diagonal Gaussian (mean mu from the network, state-independent log std s, sigma = exp(s)):
 *   log p(a) = sum_j [ -(a_j - mu_j)^2 / (2 sigma_j^2) - s_j - log(2 pi) / 2 ]
 *   d log p / d mu_j = (a_j - mu_j) / sigma_j^2,   d log p / d s_j = (a_j - mu_j)^2 / sigma_j^2 - 1
 *   H = sum_j (s_j + (1 + log 2 pi) / 2),  dH/ds_j = 1
 */
import type { Rng } from '../core/rng.js';

const LOG_2PI = Math.log(2 * Math.PI);

/** Softmax probabilities and log-probabilities of row b (masked entries: p = 0, log p = -Infinity). */
function rowLogSoftmax(
  logits: Float32Array,
  b: number,
  k: number,
  mask: ArrayLike<number> | null,
  p: Float64Array,
  logp: Float64Array,
): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) if ((!mask || mask[b * k + j]) && logits[b * k + j] > max) max = logits[b * k + j];
  if (max === -Infinity) throw new RangeError(`Categorical: row ${b} has every action masked out`);
  let sum = 0;
  for (let j = 0; j < k; j++) {
    const e = !mask || mask[b * k + j] ? Math.exp(logits[b * k + j] - max) : 0;
    p[j] = e;
    sum += e;
  }
  const lse = Math.log(sum);
  for (let j = 0; j < k; j++) {
    const on = !mask || mask[b * k + j];
    logp[j] = on ? logits[b * k + j] - max - lse : -Infinity;
    p[j] = on ? p[j] / sum : 0;
  }
}

export class Categorical {
  private readonly p: Float64Array;
  private readonly logp: Float64Array;

  /** @param k number of actions */
  constructor(readonly k: number) {
    this.p = new Float64Array(k);
    this.logp = new Float64Array(k);
  }

  /** Samples one action per row into `out`; returns their log-probabilities in `logpOut`. */
  sample(
    logits: Float32Array,
    batch: number,
    rng: Rng,
    out: Int32Array,
    logpOut: Float32Array,
    mask: ArrayLike<number> | null = null,
  ): void {
    for (let b = 0; b < batch; b++) {
      rowLogSoftmax(logits, b, this.k, mask, this.p, this.logp);
      const u = rng.random();
      let a = -1,
        c = 0;
      for (let j = 0; j < this.k; j++) {
        if (this.p[j] === 0) continue;
        a = j;
        c += this.p[j];
        if (u < c) break;
      }
      out[b] = a;
      logpOut[b] = this.logp[a];
    }
  }

  /** The most likely action per row. */
  mode(logits: Float32Array, batch: number, out: Int32Array, mask: ArrayLike<number> | null = null): void {
    for (let b = 0; b < batch; b++) {
      let best = -1,
        bv = -Infinity;
      for (let j = 0; j < this.k; j++) {
        if (mask && !mask[b * this.k + j]) continue;
        if (logits[b * this.k + j] > bv) {
          bv = logits[b * this.k + j];
          best = j;
        }
      }
      if (best < 0) throw new RangeError(`Categorical: row ${b} has every action masked out`);
      out[b] = best;
    }
  }

  /**
   * Log-probabilities of `actions` and entropies per row; when `dLogp`/`dEnt` are given (dL/dlogp_b and
   * dL/dH_b per row), accumulates dL/dlogits into `dLogits`.
   */
  evaluate(
    logits: Float32Array,
    batch: number,
    actions: ArrayLike<number>,
    logpOut: Float64Array,
    entOut: Float64Array,
    mask: ArrayLike<number> | null = null,
    grad?: { dLogp: ArrayLike<number>; dEnt: ArrayLike<number>; dLogits: Float32Array },
  ): void {
    const k = this.k,
      p = this.p,
      logp = this.logp;
    for (let b = 0; b < batch; b++) {
      rowLogSoftmax(logits, b, k, mask, p, logp);
      let h = 0;
      for (let j = 0; j < k; j++) if (p[j] > 0) h -= p[j] * logp[j];
      const a = actions[b];
      logpOut[b] = logp[a];
      entOut[b] = h;
      if (grad) {
        const gl = grad.dLogp[b],
          ge = grad.dEnt[b];
        for (let j = 0; j < k; j++) {
          if (p[j] === 0) continue;
          grad.dLogits[b * k + j] += gl * ((j === a ? 1 : 0) - p[j]) + ge * (-p[j] * (logp[j] + h));
        }
      }
    }
  }
}

export class DiagGaussian {
  /** @param d action dimension */
  constructor(readonly d: number) {}

  sample(
    mean: Float32Array,
    logStd: Float32Array,
    batch: number,
    rng: Rng,
    out: Float32Array,
    logpOut: Float32Array,
  ): void {
    const d = this.d;
    for (let b = 0; b < batch; b++) {
      let lp = 0;
      for (let j = 0; j < d; j++) {
        const z = rng.normal();
        out[b * d + j] = mean[b * d + j] + Math.exp(logStd[j]) * z;
        lp += -0.5 * z * z - logStd[j] - 0.5 * LOG_2PI;
      }
      logpOut[b] = lp;
    }
  }

  mode(mean: Float32Array, batch: number, out: Float32Array): void {
    out.set(mean.subarray(0, batch * this.d));
  }

  /**
   * Log-probabilities and entropies; with `grad`, accumulates dL/dmean into `dMean` and dL/dlogStd into
   * `dLogStd` (summed over the batch).
   */
  evaluate(
    mean: Float32Array,
    logStd: Float32Array,
    batch: number,
    actions: Float32Array,
    logpOut: Float64Array,
    entOut: Float64Array,
    grad?: { dLogp: ArrayLike<number>; dEnt: ArrayLike<number>; dMean: Float32Array; dLogStd: Float32Array },
  ): void {
    const d = this.d;
    let hConst = 0;
    for (let j = 0; j < d; j++) hConst += logStd[j] + 0.5 * (1 + LOG_2PI);
    for (let b = 0; b < batch; b++) {
      let lp = 0;
      for (let j = 0; j < d; j++) {
        const var_ = Math.exp(2 * logStd[j]);
        const diff = actions[b * d + j] - mean[b * d + j];
        lp += (-diff * diff) / (2 * var_) - logStd[j] - 0.5 * LOG_2PI;
        if (grad) {
          const gl = grad.dLogp[b];
          grad.dMean[b * d + j] += gl * (diff / var_);
          grad.dLogStd[j] += gl * ((diff * diff) / var_ - 1) + grad.dEnt[b];
        }
      }
      logpOut[b] = lp;
      entOut[b] = hConst;
    }
  }
}
