/**
 * SAC (Haarnoja et al. 2018, "Soft Actor-Critic Algorithms and Applications"): a tanh-squashed Gaussian
 * policy, twin critics with Polyak targets, and automatic entropy tuning. The actor outputs a mean m and a
 * raw log std per action dimension; log sigma = LMIN + (LMAX - LMIN) (tanh(raw) + 1) / 2 keeps it in
 * [-5, 2] smoothly (as CleanRL). With u = m + sigma eps, eps ~ N(0, I), the action is a = tanh(u) and
 *   log pi(a|s) = sum_j [ -eps_j^2 / 2 - log sigma_j - log(2 pi) / 2 - log(1 - a_j^2 + 1e-6) ]   (tanh correction)
 * Per update on a batch (s, a, r, s', terminated, d), alpha = exp(log alpha):
 *   a' ~ pi(.|s'):  y = r + d (1 - terminated) (min_i Qi_targ(s', a') - alpha log pi(a'|s'))
 *   L_Q  = (1/B) sum_b [(Q1(s, a) - y)^2 + (Q2(s, a) - y)^2]
 *   L_pi = (1/B) sum_b [alpha log pi(a~|s) - min_i Qi(s, a~)],  a~ = tanh(m + sigma eps) (reparameterized):
 *     dL/du_j = (-dQmin/da_j (1 - a_j^2) + alpha 2 a_j (1 - a_j^2) / (1 - a_j^2 + 1e-6)) / B
 *     dL/dm_j = dL/du_j;   dL/dlog sigma_j = dL/du_j sigma_j eps_j - alpha / B
 *   L_alpha = -(1/B) sum_b log alpha (log pi(a~|s) + H_target),  H_target = -A   (dL/dlog alpha = -mean(log pi +
 *   H_target))
 *   theta_targ <- tau theta + (1 - tau) theta_targ (critics only: SAC has no target actor).
 * Exploration samples from pi; the deterministic action is tanh(m).
 */
import type { EnvSource, MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { Adam } from '../nn/adam.js';
import type { MLP } from '../nn/mlp.js';
import { createMLP } from '../nn/make_mlp.js';
import { tensorOf, type Checkpoint, type StoredArray } from '../train/checkpoint.js';
import { polyakUpdate } from '../nn/polyak.js';
import { checkFinite, OFF_POLICY_DEFAULTS, type NamedNet, type OffPolicyConfig } from './off_policy.js';
import { concatRows, criticSteps, minQ, OffPolicyActorCritic } from './off_policy_actor_critic.js';
import type { ReplaySample } from './replay/index.js';

export interface SACConfig extends OffPolicyConfig {
  actorLr: number;
  criticLr: number;
  /** Actor (and alpha) updates every policyDelay critic updates. */
  policyDelay: number;
  /** Entropy coefficient alpha: a fixed number, or 'auto' to tune it towards H_target (initial value alphaInit). */
  alpha: number | 'auto';
  alphaInit: number;
  alphaLr: number;
  /** H_target; null means -(action dimension). */
  targetEntropy: number | null;
}

export const SAC_DEFAULTS: SACConfig = {
  ...OFF_POLICY_DEFAULTS,
  actorLr: 3e-4,
  criticLr: 3e-4,
  policyDelay: 1,
  alpha: 'auto',
  alphaInit: 1,
  alphaLr: 3e-4,
  targetEntropy: null,
};

const LOG_STD_MIN = -5;
const LOG_STD_MAX = 2;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const TANH_EPS = 1e-6;

export class SAC extends OffPolicyActorCritic<SACConfig> {
  readonly name = 'sac';
  /** Outputs per row: [means (A) | raw log stds (A)]. */
  readonly actor: MLP;
  readonly critics: MLP[];
  readonly criticTargets: MLP[];
  readonly actorOpt: Adam;
  readonly criticOpts: Adam[];
  /** [log alpha] and its gradient, tuned by Adam when alpha is 'auto'. */
  readonly logAlpha: Float32Array;
  private readonly logAlphaGrad: Float32Array;
  private readonly alphaOpt: Adam | null;
  readonly targetEntropy: number;
  // Per-batch scratch.
  private readonly sa: Float32Array;
  private readonly dsa: Float32Array;
  private readonly act: Float32Array;
  private readonly eps: Float32Array;
  private readonly sigma: Float32Array;
  private readonly logp: Float64Array;
  private readonly y: Float32Array;
  private readonly dq: Float32Array;
  private readonly qmin: Float32Array;
  private readonly which: Uint8Array;
  private readonly dOut: Float32Array;
  private readonly dQda: Float32Array;

  constructor(env: EnvSource, config: Partial<SACConfig> & { envKwargs?: MakeOptions } = {}) {
    super(env, SAC_DEFAULTS, config);
    const cfg = this.cfg;
    if (!Number.isInteger(cfg.policyDelay) || cfg.policyDelay < 1)
      throw new RangeError(`sac: policyDelay must be a positive integer, got ${describe(cfg.policyDelay)}`);
    if (cfg.alpha !== 'auto' && !(typeof cfg.alpha === 'number' && cfg.alpha >= 0 && Number.isFinite(cfg.alpha)))
      throw new RangeError(`sac: alpha must be 'auto' or a finite number >= 0, got ${describe(cfg.alpha)}`);
    if (!(cfg.alphaInit > 0 && Number.isFinite(cfg.alphaInit)))
      throw new RangeError(`sac: alphaInit must be a positive number, got ${describe(cfg.alphaInit)}`);
    if (cfg.targetEntropy !== null && !Number.isFinite(cfg.targetEntropy))
      throw new RangeError(
        `sac: targetEntropy must be a number or null (-action dimension), got ${describe(cfg.targetEntropy)}`,
      );
    const D = this.obsDim,
      A = this.actDim,
      B = cfg.batchSize;
    const hiddenGains = cfg.hidden.map(() => Math.SQRT2);
    this.actor = createMLP(
      {
        sizes: [D, ...cfg.hidden, 2 * A],
        activation: cfg.activation,
        gains: [...hiddenGains, 0.01],
        seed: this.rng.spawnSeed(),
      },
      { backend: cfg.backend },
    );
    ({
      critics: this.critics,
      targets: this.criticTargets,
      optimizers: this.criticOpts,
    } = this.makeCritics(2, cfg.criticLr));
    this.actorOpt = new Adam([{ params: this.actor.params, grads: this.actor.grads }], {
      lr: cfg.actorLr,
      maxGradNorm: cfg.maxGradNorm,
      fused: true,
    });
    this.logAlpha = Float32Array.of(Math.log(cfg.alpha === 'auto' ? cfg.alphaInit : Math.max(cfg.alpha, 1e-30)));
    this.logAlphaGrad = new Float32Array(1);
    this.alphaOpt =
      cfg.alpha === 'auto'
        ? new Adam([{ params: this.logAlpha, grads: this.logAlphaGrad }], { lr: cfg.alphaLr })
        : null;
    this.targetEntropy = cfg.targetEntropy ?? -A;
    this.sa = new Float32Array(B * (D + A));
    this.dsa = new Float32Array(B * (D + A));
    this.act = new Float32Array(B * A);
    this.eps = new Float32Array(B * A);
    this.sigma = new Float32Array(B * A);
    this.logp = new Float64Array(B);
    this.y = new Float32Array(B);
    this.dq = new Float32Array(B);
    this.qmin = new Float32Array(B);
    this.which = new Uint8Array(B);
    this.dOut = new Float32Array(B * 2 * A);
    this.dQda = new Float32Array(B * A);
  }

  /** The entropy coefficient in use. */
  get alpha(): number {
    return this.cfg.alpha === 'auto' ? Math.exp(this.logAlpha[0]) : this.cfg.alpha;
  }

  protected networks(): NamedNet[] {
    const nets: NamedNet[] = [{ name: 'actor', net: this.actor, optimizer: this.actorOpt }];
    this.critics.forEach((q, i) => {
      nets.push(
        { name: `critic${i + 1}`, net: q, optimizer: this.criticOpts[i] },
        { name: `critic${i + 1}_target`, net: this.criticTargets[i], optimizer: null },
      );
    });
    return nets;
  }

  protected override extraArrays(): Record<string, StoredArray> {
    return this.alphaOpt
      ? { log_alpha: this.logAlpha, 'log_alpha.adam_m': this.alphaOpt.m[0], 'log_alpha.adam_v': this.alphaOpt.v[0] }
      : {};
  }

  protected override stateExtra(): Record<string, unknown> {
    return { ...super.stateExtra(), alpha_adam_t: this.alphaOpt?.t ?? 0 };
  }

  protected override restoreExtra(ck: Checkpoint, dir: string): void {
    if (!this.alphaOpt) return;
    this.logAlpha.set(tensorOf(ck, 'log_alpha', Float32Array, 1, dir));
    this.alphaOpt.m[0].set(tensorOf(ck, 'log_alpha.adam_m', Float32Array, 1, dir));
    this.alphaOpt.v[0].set(tensorOf(ck, 'log_alpha.adam_v', Float32Array, 1, dir));
    this.alphaOpt.t = Number((ck.manifest.state as { alpha_adam_t?: number }).alpha_adam_t ?? 0);
  }

  /**
   * Samples a = tanh(m + sigma eps) for `n` rows of actor outputs `out` into `act`, keeping eps and sigma,
   * and returns log pi(a|s) per row in `logp`.
   */
  private samplePolicy(out: Float32Array, n: number, act: Float32Array, logp: Float64Array): void {
    const A = this.actDim;
    for (let b = 0; b < n; b++) {
      let lp = 0;
      for (let j = 0; j < A; j++) {
        const k = b * A + j;
        const logStd = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (Math.tanh(out[b * 2 * A + A + j]) + 1);
        const sd = Math.exp(logStd),
          e = this.rng.normal();
        const a = Math.tanh(out[b * 2 * A + j] + sd * e);
        this.eps[k] = e;
        this.sigma[k] = sd;
        act[k] = a;
        lp += -0.5 * e * e - logStd - HALF_LOG_2PI - Math.log(1 - a * a + TANH_EPS);
      }
      logp[b] = lp;
    }
  }

  protected explore(obs: Float32Array, n: number, out: Float32Array): void {
    this.samplePolicy(this.actor.forward(obs, n), n, out, this.logp);
  }

  protected policyAction(obs: Float32Array, deterministic: boolean, out: Float32Array): void {
    const y = this.actor.forward(obs, 1);
    if (deterministic) for (let j = 0; j < this.actDim; j++) out[j] = Math.tanh(y[j]);
    else this.samplePolicy(y, 1, out, this.logp);
  }

  protected update(s: ReplaySample, step: number): Record<string, number> {
    const cfg = this.cfg,
      B = cfg.batchSize,
      D = this.obsDim,
      A = this.actDim,
      alpha = this.alpha;
    // Target: a' ~ pi(.|s'); y = r + d (1 - terminated) (min_i Qi_targ(s', a') - alpha log pi(a'|s')).
    this.samplePolicy(this.actor.forward(s.nextObs, B), B, this.act, this.logp);
    concatRows(s.nextObs, D, this.act, A, B, this.sa);
    minQ(this.criticTargets, this.sa, B, this.y);
    for (let b = 0; b < B; b++) {
      this.y[b] =
        s.rewards[b] +
        (s.discounts ? s.discounts[b] : cfg.gamma) * (1 - s.terminated[b]) * (this.y[b] - alpha * this.logp[b]);
    }
    checkFinite(this.y, 'sac: critic target y is not finite', step, B);
    concatRows(s.obs, D, s.actions, A, B, this.sa);
    const { loss: criticLoss, meanQ } = criticSteps(this.critics, this.criticOpts, this.sa, this.y, B, this.dq);
    const stats: Record<string, number> = { critic_loss: criticLoss, mean_q: meanQ, alpha };
    if ((this.updates + 1) % cfg.policyDelay === 0) this.updateActor(s, stats, alpha);
    this.critics.forEach((q, i) => polyakUpdate(this.criticTargets[i].params, q.params, cfg.tau));
    return stats;
  }

  /** The reparameterized actor step and the alpha step (equations at the top). */
  private updateActor(s: ReplaySample, stats: Record<string, number>, alpha: number): void {
    const { loss, meanLogp } = this.actorObjective(s.obs, this.cfg.batchSize, alpha);
    this.actorOpt.step();
    this.actor.zeroGrad();
    if (this.alphaOpt) {
      this.logAlphaGrad[0] = -(meanLogp + this.targetEntropy);
      this.alphaOpt.step();
    }
    stats.actor_loss = loss;
    stats.entropy = -meanLogp;
  }

  /**
   * L_pi = (1/B) sum_b [alpha log pi(a~|s) - min_i Qi(s, a~)] for `B` rows of `obs` (eps drawn from the
   * algorithm's generator); adds dL/dtheta into the actor's grads and leaves the critics' grads alone.
   */
  actorObjective(obs: Float32Array, B: number, alpha: number): { loss: number; meanLogp: number } {
    const D = this.obsDim,
      A = this.actDim,
      W = D + A;
    const out = this.actor.forwardTrain(obs, B);
    this.samplePolicy(out, B, this.act, this.logp);
    concatRows(obs, D, this.act, A, B, this.sa);
    // min_i Qi(s, a~), which critic gives it, and that critic's dQ/da.
    this.qmin.fill(Infinity);
    this.critics.forEach((q, i) => {
      const qv = q.forwardTrain(this.sa, B);
      for (let b = 0; b < B; b++)
        if (qv[b] < this.qmin[b]) {
          this.qmin[b] = qv[b];
          this.which[b] = i;
        }
    });
    const dQda = this.dQda;
    this.dq.fill(1);
    this.critics.forEach((q, i) => {
      q.backward(this.dq, this.dsa, { accumulate: false });
      for (let b = 0; b < B; b++)
        if (this.which[b] === i) for (let j = 0; j < A; j++) dQda[b * A + j] = this.dsa[b * W + D + j];
    });
    let loss = 0,
      meanLogp = 0;
    for (let b = 0; b < B; b++) {
      loss += (alpha * this.logp[b] - this.qmin[b]) / B;
      meanLogp += this.logp[b] / B;
      for (let j = 0; j < A; j++) {
        const k = b * A + j,
          a = this.act[k],
          g = 1 - a * a;
        const du = (-dQda[k] * g + (alpha * 2 * a * g) / (g + TANH_EPS)) / B;
        const dLogStd = du * this.sigma[k] * this.eps[k] - alpha / B;
        const th = Math.tanh(out[b * 2 * A + A + j]);
        this.dOut[b * 2 * A + j] = du;
        this.dOut[b * 2 * A + A + j] = dLogStd * 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (1 - th * th);
      }
    }
    this.actor.backward(this.dOut);
    return { loss, meanLogp };
  }
}
