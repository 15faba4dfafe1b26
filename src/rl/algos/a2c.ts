/**
 * A2C, synchronous advantage actor-critic (Mnih et al. 2016, as Stable-Baselines3's A2C): one gradient step
 * per rollout of nSteps x nEnvs, advantages from n-step returns (gaeLambda = 1, the default) or GAE(lambda).
 * Collection, the policy and checkpoints are in on_policy.ts.
 *
 * Over the B = nSteps x nEnvs samples of a rollout:
 *   L = -(1/B) sum log pi(a|s) A  -  c_ent (1/B) sum H  +  c_V (1/B) sum (V - R)^2
 *   dL/dlog pi = -A / B,   dL/dH = -c_ent / B,   dL/dV = 2 c_V (V - R) / B
 * The networks are separate (actor and critic); they share one optimizer and one gradient-norm clip.
 */
import type { EnvSource, MakeOptions } from '../core/registry.js';
import type { TrainContext } from '../train/context.js';
import { OnPolicyAlgorithm, ON_POLICY_DEFAULTS, type OnPolicyConfig, type PolicyEval } from './on_policy.js';
import { lossRecord, normalizeAdvantages, policyGradientTerms } from './pg_loss.js';

export interface A2CConfig extends OnPolicyConfig {
  normAdv: boolean;
}

export const A2C_DEFAULTS: A2CConfig = {
  ...ON_POLICY_DEFAULTS,
  nEnvs: 8,
  nSteps: 5,
  lr: 7e-4,
  gaeLambda: 1,
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  normAdv: false,
};

export class A2C extends OnPolicyAlgorithm<A2CConfig> {
  readonly name = 'a2c';

  constructor(env: EnvSource, config: Partial<A2CConfig> & { envKwargs?: MakeOptions } = {}) {
    super(env, A2C_DEFAULTS, config);
  }

  protected iteration(ctx: TrainContext): Record<string, number> {
    this.applySchedule(ctx);
    this.collectRollout(ctx);
    const t0 = performance.now();
    const cfg = this.cfg,
      buf = this.buffer,
      B = buf.size;
    const adv = Float64Array.from(buf.advantages);
    if (cfg.normAdv) normalizeAdvantages(adv);
    const pe: PolicyEval = { logp: new Float64Array(B), ent: new Float64Array(B), values: new Float32Array(B) };
    const out = this.evaluatePolicy(buf.obs, buf.actions, buf.masks, B, pe);
    const loss = policyGradientTerms(pe, adv, buf.returns, B, cfg);
    const target = { actions: buf.actions, masks: buf.masks };
    const gradNorm = this.applyGradients(out, target, B, loss.dLogp, loss.dEnt, loss.dV);
    return {
      ...lossRecord(loss, gradNorm, this.optimizer.lr),
      time_env_ms: this.lastTimes.envMs,
      time_inference_ms: this.lastTimes.inferenceMs,
      time_update_ms: performance.now() - t0,
    };
  }
}
