/**
 * PPO, Proximal Policy Optimization with the clipped surrogate (Schulman et al. 2017), following CleanRL's
 * ppo.py: GAE(lambda), advantage normalization per minibatch, optional value clipping, entropy bonus, epochs
 * over shuffled minibatches, optional target-KL early stop, learning-rate annealing. Collection, the policy
 * (Categorical with action masks, or diagonal Gaussian) and checkpoints are in on_policy.ts.
 *
 * Per minibatch of M samples, with r = exp(log pi(a|s) - log pi_old(a|s)):
 *   L_pi = -(1/M) sum min(r A, clip(r, 1 - eps, 1 + eps) A)
 *   L_V  = (1/2M) sum max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2)     (or unclipped)
 *   L    = L_pi - c_ent (1/M) sum H + c_V L_V
 * Gradients through the min/max follow the active branch: dL_pi/dlog pi = -r A / M where the unclipped term
 * is the smaller one, and 0 where the clipped term is (it is constant in the parameters there).
 */
import type { EnvSource, MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import type { TrainContext } from '../train/context.js';
import { OnPolicyAlgorithm, ON_POLICY_DEFAULTS, type OnPolicyConfig, type PolicyEval } from './on_policy.js';
import { normalizeAdvantages } from './pg_loss.js';

export interface PPOConfig extends OnPolicyConfig {
  nMinibatches: number;
  nEpochs: number;
  clipCoef: number;
  clipVloss: boolean;
  normAdv: boolean;
  /** Stop the epochs of an update once the mean approximate KL of an epoch exceeds this (null: never). */
  targetKl: number | null;
}

export const PPO_DEFAULTS: PPOConfig = {
  ...ON_POLICY_DEFAULTS,
  nMinibatches: 4,
  nEpochs: 4,
  clipCoef: 0.2,
  clipVloss: true,
  normAdv: true,
  targetKl: null,
};

export class PPO extends OnPolicyAlgorithm<PPOConfig> {
  readonly name = 'ppo';

  constructor(env: EnvSource, config: Partial<PPOConfig> & { envKwargs?: MakeOptions } = {}) {
    super(env, PPO_DEFAULTS, config);
    const batch = this.cfg.nEnvs * this.cfg.nSteps;
    if (!Number.isInteger(this.cfg.nMinibatches) || this.cfg.nMinibatches < 1 || batch % this.cfg.nMinibatches !== 0) {
      this.close();
      throw new RangeError(
        `ppo: nEnvs * nSteps = ${batch} must split into nMinibatches = ${describe(this.cfg.nMinibatches)} equal minibatches`,
      );
    }
  }

  protected iteration(ctx: TrainContext): Record<string, number> {
    this.applySchedule(ctx);
    this.collectRollout(ctx);
    const t0 = performance.now();
    const stats = this.update();
    return {
      ...stats,
      lr: this.optimizer.lr,
      time_env_ms: this.lastTimes.envMs,
      time_inference_ms: this.lastTimes.inferenceMs,
      time_update_ms: performance.now() - t0,
    };
  }

  private update(): Record<string, number> {
    const cfg = this.cfg,
      buf = this.buffer,
      D = this.obsDim,
      A = this.nAct,
      aDim = this.aDim;
    const B = buf.size,
      M = B / cfg.nMinibatches;
    const idx = Int32Array.from({ length: B }, (_v, i) => i);
    const mbObs = new Float32Array(M * D),
      mbAct = new Float32Array(M * aDim),
      mbMask = this.discrete ? new Uint8Array(M * A) : null;
    const pe: PolicyEval = { logp: new Float64Array(M), ent: new Float64Array(M), values: new Float32Array(M) };
    const dLogp = new Float64Array(M),
      dEnt = new Float64Array(M).fill(-cfg.entCoef / M),
      dV = new Float32Array(M);
    const adv = new Float64Array(M);
    let pgLoss = 0,
      vLoss = 0,
      entropy = 0,
      approxKl = 0,
      clipFrac = 0,
      updates = 0,
      gradNorm = 0,
      epochs = 0;
    for (let epoch = 0; epoch < cfg.nEpochs; epoch++) {
      epochs++;
      for (let i = B - 1; i > 0; i--) {
        const j = this.rng.below(i + 1);
        const tmp = idx[i];
        idx[i] = idx[j];
        idx[j] = tmp;
      }
      let epochKl = 0;
      for (let start = 0; start < B; start += M) {
        for (let b = 0; b < M; b++) {
          const k = idx[start + b];
          mbObs.set(buf.obs.subarray(k * D, (k + 1) * D), b * D);
          mbAct.set(buf.actions.subarray(k * aDim, (k + 1) * aDim), b * aDim);
          if (mbMask) mbMask.set(buf.masks!.subarray(k * A, (k + 1) * A), b * A);
          adv[b] = buf.advantages[k];
        }
        if (cfg.normAdv) normalizeAdvantages(adv, M); // per minibatch, as Stable-Baselines3
        const out = this.evaluatePolicy(mbObs, mbAct, mbMask, M, pe);

        // Clipped surrogate: L_pi and dL_pi/dlog pi.
        let pg = 0,
          kl = 0,
          cf = 0,
          h = 0;
        for (let b = 0; b < M; b++) {
          const logRatio = pe.logp[b] - buf.logprobs[idx[start + b]];
          const ratio = Math.exp(logRatio);
          const clipped = Math.min(Math.max(ratio, 1 - cfg.clipCoef), 1 + cfg.clipCoef);
          const unclippedActive = ratio * adv[b] <= clipped * adv[b];
          pg -= Math.min(ratio * adv[b], clipped * adv[b]);
          dLogp[b] = unclippedActive ? (-adv[b] * ratio) / M : 0;
          kl += ratio - 1 - logRatio; // the k3 estimator of KL(old || new)
          if (Math.abs(ratio - 1) > cfg.clipCoef) cf++;
          h += pe.ent[b];
        }
        // Value loss: L_V and dL/dV (through the larger of the two squared errors).
        let vl = 0;
        for (let b = 0; b < M; b++) {
          const k = idx[start + b];
          const v = pe.values[b],
            ret = buf.returns[k],
            vOld = buf.values[k];
          const err = v - ret;
          if (cfg.clipVloss) {
            const clippedErr = vOld + Math.min(Math.max(v - vOld, -cfg.clipCoef), cfg.clipCoef) - ret;
            if (err * err >= clippedErr * clippedErr) {
              vl += err * err;
              dV[b] = (cfg.vfCoef * err) / M;
            } else {
              vl += clippedErr * clippedErr;
              dV[b] = Math.abs(v - vOld) < cfg.clipCoef ? (cfg.vfCoef * clippedErr) / M : 0;
            }
          } else {
            vl += err * err;
            dV[b] = (cfg.vfCoef * err) / M;
          }
        }
        gradNorm = this.applyGradients(out, { actions: mbAct, masks: mbMask }, M, dLogp, dEnt, dV);

        pgLoss += pg / M;
        vLoss += (0.5 * vl) / M;
        entropy += h / M;
        approxKl += kl / M;
        epochKl += kl / M;
        clipFrac += cf / M;
        updates++;
      }
      if (cfg.targetKl !== null && epochKl / cfg.nMinibatches > cfg.targetKl) break;
    }
    return {
      policy_loss: pgLoss / updates,
      value_loss: vLoss / updates,
      entropy: entropy / updates,
      approx_kl: approxKl / updates,
      clip_fraction: clipFrac / updates,
      grad_norm: gradNorm,
      epochs,
    };
  }
}
