/**
 * The GRPO objective (grpo.ts's comment gives the algorithm): group-normalized advantages, the k3 estimate of
 * the KL to the reference policy, and the clipped surrogate with its gradient with respect to each step's
 * log-probability. Pure functions of arrays, so that the update's arithmetic can be tested on its own.
 */
import { describe } from '../core/rng.js';

/**
 * Group-normalized advantages: `returns` holds consecutive groups of `groupSize` returns; each gets
 * (R - mean) / (std + eps) with the sample std of its group, and a group whose returns are all equal gets 0.
 */
export function groupAdvantages(returns: ArrayLike<number>, groupSize: number, eps = 1e-8): Float64Array {
  if (!Number.isInteger(groupSize) || groupSize < 2 || returns.length % groupSize !== 0) {
    throw new RangeError(
      `groupAdvantages: ${returns.length} returns do not split into groups of groupSize = ${describe(groupSize)} (an integer >= 2)`,
    );
  }
  const adv = new Float64Array(returns.length);
  for (let s = 0; s < returns.length; s += groupSize) {
    let mean = 0,
      lo = Infinity,
      hi = -Infinity;
    for (let i = s; i < s + groupSize; i++) {
      mean += returns[i];
      lo = Math.min(lo, returns[i]);
      hi = Math.max(hi, returns[i]);
    }
    if (lo === hi) continue; // no signal in this group; (R - mean) would be rounding noise over a ~0 std
    mean /= groupSize;
    let sq = 0;
    for (let i = s; i < s + groupSize; i++) sq += (returns[i] - mean) ** 2;
    const std = Math.sqrt(sq / (groupSize - 1));
    for (let i = s; i < s + groupSize; i++) adv[i] = (returns[i] - mean) / (std + eps);
  }
  return adv;
}

/** The k3 estimate of KL(pi || pi_ref) from one sample: exp(q) - q - 1 with q = refLogp - logp (never negative). */
export function k3(logp: number, refLogp: number): number {
  const q = refLogp - logp;
  return Math.max(0, Math.expm1(q) - q);
}

export interface GRPOLossTerms {
  /** L (see the file's comment). */
  loss: number;
  /** -sum_k w_k min(rho A, clip(rho) A): the policy part of L. */
  policyLoss: number;
  /** sum_k w_k k3_k: the weighted mean KL to the reference. */
  kl: number;
  /** Fraction of the steps whose ratio is outside [1 - c, 1 + c]. */
  clipFraction: number;
}

/**
 * The GRPO loss of `n` steps and, into `dLogp`, its gradient with respect to each step's log pi:
 *   L = sum_k w_k [ -min(rho_k A_k, clip(rho_k, 1 - c, 1 + c) A_k) + beta k3_k ],   rho_k = exp(logp_k - oldLogp_k)
 *   dL/dlogp_k = -w_k rho_k A_k [the unclipped term is the smaller]  +  beta w_k (1 - exp(refLogp_k - logp_k))
 * (through the min, the gradient follows the active branch; the clipped one is constant in the parameters).
 * The file's L is this with w_k = 1 / (E |o_i|) for the steps of episode i of E.
 */
export function grpoLoss(
  n: number,
  logp: ArrayLike<number>,
  oldLogp: ArrayLike<number>,
  refLogp: ArrayLike<number>,
  adv: ArrayLike<number>,
  weight: ArrayLike<number>,
  clipRange: number,
  klCoef: number,
  dLogp?: Float64Array,
): GRPOLossTerms {
  let pl = 0,
    kl = 0,
    clipped = 0;
  for (let k = 0; k < n; k++) {
    const rho = Math.exp(logp[k] - oldLogp[k]);
    const rhoClip = Math.min(Math.max(rho, 1 - clipRange), 1 + clipRange);
    const unclippedActive = rho * adv[k] <= rhoClip * adv[k];
    pl -= weight[k] * Math.min(rho * adv[k], rhoClip * adv[k]);
    kl += weight[k] * k3(logp[k], refLogp[k]);
    if (Math.abs(rho - 1) > clipRange) clipped++;
    if (dLogp)
      dLogp[k] =
        (unclippedActive ? -weight[k] * rho * adv[k] : 0) - klCoef * weight[k] * Math.expm1(refLogp[k] - logp[k]);
  }
  return { loss: pl + klCoef * kl, policyLoss: pl, kl, clipFraction: n > 0 ? clipped / n : 0 };
}
