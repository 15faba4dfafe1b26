/**
 * The pieces of the policy-gradient loss that the on-policy methods share (Stable-Baselines3's a2c.py and
 * ppo.py compute the same): advantage normalization, and the vanilla policy-gradient loss with a learned value
 * baseline and an entropy bonus (A2C, REINFORCE with baseline),
 *   L = -mean(log pi(a|s) A) + vfCoef mean((V(s) - R)^2) - entCoef mean(H(pi(.|s))),
 * as gradients with respect to each sample's log-probability, entropy and value.
 */
import type { PolicyEval } from './on_policy_config.js';

/** Normalizes adv[0..n) in place to mean 0 and (sample) standard deviation 1; fewer than 2 are left as they are. */
export function normalizeAdvantages(adv: Float64Array, n = adv.length): void {
  if (n < 2) return;
  let m = 0;
  for (let b = 0; b < n; b++) m += adv[b];
  m /= n;
  let sq = 0;
  for (let b = 0; b < n; b++) sq += (adv[b] - m) ** 2;
  const sd = Math.sqrt(sq / (n - 1));
  for (let b = 0; b < n; b++) adv[b] = (adv[b] - m) / (sd + 1e-8);
}

/** The loss's gradients per sample, and its three terms as means over the batch (what the methods report). */
export interface PolicyGradientTerms {
  dLogp: Float64Array;
  dEnt: Float64Array;
  dV: Float32Array;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
}

/** The vanilla policy-gradient loss (header) over B samples evaluated in `pe`, with advantages and returns. */
export function policyGradientTerms(
  pe: PolicyEval,
  adv: ArrayLike<number>,
  returns: ArrayLike<number>,
  B: number,
  coef: { entCoef: number; vfCoef: number },
): PolicyGradientTerms {
  const dLogp = new Float64Array(B),
    dEnt = new Float64Array(B).fill(-coef.entCoef / B),
    dV = new Float32Array(B);
  let pg = 0,
    vl = 0,
    h = 0;
  for (let b = 0; b < B; b++) {
    pg -= pe.logp[b] * adv[b];
    dLogp[b] = -adv[b] / B;
    const err = pe.values[b] - returns[b];
    vl += err * err;
    dV[b] = (2 * coef.vfCoef * err) / B;
    h += pe.ent[b];
  }
  return { dLogp, dEnt, dV, policyLoss: pg / B, valueLoss: vl / B, entropy: h / B };
}

/** The loss's record in an update's log line, with the gradient norm and the learning rate. */
export function lossRecord(loss: PolicyGradientTerms, gradNorm: number, lr: number): Record<string, number> {
  return { policy_loss: loss.policyLoss, value_loss: loss.valueLoss, entropy: loss.entropy, grad_norm: gradNorm, lr };
}
