/**
 * TD3 (Fujimoto et al. 2018, "Addressing Function Approximation Error in Actor-Critic Methods"): a
 * deterministic actor mu(s) = tanh(f(s)) in [-1, 1]^A (rescaled to the env's bounds by off_policy.ts), twin
 * critics Q1, Q2, target networks for all three, and per update on a batch (s, a, r, s', terminated, d):
 *
 *   a~ = clip(mu_targ(s') + clip(N(0, sigma~), -c, c), -1, 1)          target policy smoothing
 *   y  = r + d (1 - terminated) min(Q1_targ(s', a~), Q2_targ(s', a~))   clipped double Q (truncation bootstraps)
 *   L_Q = (1/B) sum_b [(Q1(s, a) - y)^2 + (Q2(s, a) - y)^2]          dL/dQi = 2 (Qi - y) / B
 * and every `policyDelay` updates (delayed policy updates):
 *   L_mu = -(1/B) sum_b Q1(s, mu(s))                                  dL/dmu = -dQ1/da / B,  dL/df = dL/dmu (1 - mu^2)
 *   theta_targ <- tau theta + (1 - tau) theta_targ                     for the actor and both critics
 * Exploration: a = clip(mu(s) + noise, -1, 1), Gaussian N(0, explorationNoise) or Ornstein-Uhlenbeck
 *   x <- x + theta (0 - x) dt + explorationNoise sqrt(dt) N(0, 1)   (theta 0.15, dt 0.01, reset each episode).
 *
 * DDPG (Lillicrap et al. 2016) is the same update with one critic, no smoothing and no delay: ddpg.ts.
 */
import type { EnvSource, MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { Adam } from '../nn/adam.js';
import type { MLP } from '../nn/mlp.js';
import { createMLP } from '../nn/make_mlp.js';
import { polyakUpdate } from '../nn/polyak.js';
import { checkFinite, OFF_POLICY_DEFAULTS, type NamedNet, type OffPolicyConfig } from './off_policy.js';
import { concatRows, criticSteps, minQ, OffPolicyActorCritic } from './off_policy_actor_critic.js';
import type { ReplaySample } from './replay/index.js';

export interface TD3Config extends OffPolicyConfig {
  actorLr: number;
  criticLr: number;
  /** Critic updates per actor (and target) update. */
  policyDelay: number;
  /** sigma~ and c of target policy smoothing (0: none). */
  targetPolicyNoise: number;
  targetNoiseClip: number;
  /** Std of the exploration noise, in the [-1, 1] action scale. */
  explorationNoise: number;
  noiseType: 'normal' | 'ornstein-uhlenbeck';
  /** Two critics and the min of their targets (false: DDPG's single critic). */
  twinCritics: boolean;
}

export const TD3_DEFAULTS: TD3Config = {
  ...OFF_POLICY_DEFAULTS,
  actorLr: 1e-3,
  criticLr: 1e-3,
  policyDelay: 2,
  targetPolicyNoise: 0.2,
  targetNoiseClip: 0.5,
  explorationNoise: 0.1,
  noiseType: 'normal',
  twinCritics: true,
};

const OU_THETA = 0.15;
const OU_DT = 1e-2;

export class TD3 extends OffPolicyActorCritic<TD3Config> {
  readonly name: string = 'td3';
  readonly actor: MLP;
  readonly actorTarget: MLP;
  readonly critics: MLP[];
  readonly criticTargets: MLP[];
  readonly actorOpt: Adam;
  readonly criticOpts: Adam[];
  /** Ornstein-Uhlenbeck state per env and action dimension. */
  private readonly ou: Float64Array;
  // Per-batch scratch.
  private readonly sa: Float32Array;
  private readonly dsa: Float32Array;
  private readonly act: Float32Array;
  private readonly y: Float32Array;
  private readonly dq: Float32Array;
  private readonly dz: Float32Array;

  constructor(
    env: EnvSource,
    config: Partial<TD3Config> & { envKwargs?: MakeOptions } = {},
    defaults: TD3Config = TD3_DEFAULTS,
  ) {
    super(env, defaults, config);
    const cfg = this.cfg,
      owner = this.constructor.name.toLowerCase();
    if (!Number.isInteger(cfg.policyDelay) || cfg.policyDelay < 1)
      throw new RangeError(`${owner}: policyDelay must be a positive integer, got ${describe(cfg.policyDelay)}`);
    for (const k of ['targetPolicyNoise', 'targetNoiseClip', 'explorationNoise'] as const) {
      if (!(cfg[k] >= 0 && Number.isFinite(cfg[k])))
        throw new RangeError(`${owner}: ${k} must be a finite number >= 0, got ${describe(cfg[k])}`);
    }
    if (cfg.noiseType !== 'normal' && cfg.noiseType !== 'ornstein-uhlenbeck')
      throw new RangeError(
        `${owner}: noiseType must be 'normal' or 'ornstein-uhlenbeck', got ${describe(cfg.noiseType)}`,
      );
    const D = this.obsDim,
      A = this.actDim,
      B = cfg.batchSize;
    const hiddenGains = cfg.hidden.map(() => Math.SQRT2);
    const actorSpec = {
      sizes: [D, ...cfg.hidden, A],
      activation: cfg.activation,
      gains: [...hiddenGains, 1],
      seed: this.rng.spawnSeed(),
    };
    this.actor = createMLP(actorSpec, { backend: cfg.backend });
    this.actorTarget = createMLP(actorSpec, { backend: cfg.backend });
    this.actorTarget.params.set(this.actor.params);
    ({
      critics: this.critics,
      targets: this.criticTargets,
      optimizers: this.criticOpts,
    } = this.makeCritics(cfg.twinCritics ? 2 : 1, cfg.criticLr));
    this.actorOpt = new Adam([{ params: this.actor.params, grads: this.actor.grads }], {
      lr: cfg.actorLr,
      maxGradNorm: cfg.maxGradNorm,
      fused: true,
    });
    this.ou = new Float64Array(cfg.nEnvs * A);
    this.sa = new Float32Array(B * (D + A));
    this.dsa = new Float32Array(B * (D + A));
    this.act = new Float32Array(B * A);
    this.y = new Float32Array(B);
    this.dq = new Float32Array(B);
    this.dz = new Float32Array(B * A);
  }

  protected networks(): NamedNet[] {
    const nets: NamedNet[] = [
      { name: 'actor', net: this.actor, optimizer: this.actorOpt },
      { name: 'actor_target', net: this.actorTarget, optimizer: null },
    ];
    this.critics.forEach((q, i) => {
      nets.push(
        { name: `critic${i + 1}`, net: q, optimizer: this.criticOpts[i] },
        { name: `critic${i + 1}_target`, net: this.criticTargets[i], optimizer: null },
      );
    });
    return nets;
  }

  protected override onEpisodeStart(env: number): void {
    this.ou.fill(0, env * this.actDim, (env + 1) * this.actDim);
  }

  protected explore(obs: Float32Array, n: number, out: Float32Array): void {
    const z = this.actor.forward(obs, n),
      sigma = this.cfg.explorationNoise,
      ou = this.cfg.noiseType === 'ornstein-uhlenbeck';
    for (let k = 0; k < n * this.actDim; k++) {
      let noise: number;
      if (ou) noise = this.ou[k] += -OU_THETA * this.ou[k] * OU_DT + sigma * Math.sqrt(OU_DT) * this.rng.normal();
      else noise = sigma * this.rng.normal();
      out[k] = clip1(Math.tanh(z[k]) + noise);
    }
  }

  protected policyAction(obs: Float32Array, deterministic: boolean, out: Float32Array): void {
    const z = this.actor.forward(obs, 1);
    for (let j = 0; j < this.actDim; j++)
      out[j] = deterministic ? Math.tanh(z[j]) : clip1(Math.tanh(z[j]) + this.cfg.explorationNoise * this.rng.normal());
  }

  protected update(s: ReplaySample, step: number): Record<string, number> {
    const cfg = this.cfg,
      B = cfg.batchSize,
      D = this.obsDim,
      A = this.actDim;
    // Target: a~ = clip(mu_targ(s') + clip(eps, -c, c), -1, 1); y = r + d (1 - terminated) min_i Qi_targ(s', a~).
    const zt = this.actorTarget.forward(s.nextObs, B);
    for (let k = 0; k < B * A; k++) {
      const eps =
        cfg.targetPolicyNoise > 0
          ? Math.max(-cfg.targetNoiseClip, Math.min(cfg.targetNoiseClip, cfg.targetPolicyNoise * this.rng.normal()))
          : 0;
      this.act[k] = clip1(Math.tanh(zt[k]) + eps);
    }
    concatRows(s.nextObs, D, this.act, A, B, this.sa);
    minQ(this.criticTargets, this.sa, B, this.y);
    for (let b = 0; b < B; b++)
      this.y[b] = s.rewards[b] + (s.discounts ? s.discounts[b] : cfg.gamma) * (1 - s.terminated[b]) * this.y[b];
    checkFinite(this.y, `${this.name}: critic target y is not finite`, step, B);
    concatRows(s.obs, D, s.actions, A, B, this.sa);
    const { loss: criticLoss, meanQ } = criticSteps(this.critics, this.criticOpts, this.sa, this.y, B, this.dq);
    const stats: Record<string, number> = { critic_loss: criticLoss, mean_q: meanQ };
    if ((this.updates + 1) % cfg.policyDelay !== 0) return stats;
    const actorLoss = this.actorObjective(s.obs, B);
    this.actorOpt.step();
    this.actor.zeroGrad();
    polyakUpdate(this.actorTarget.params, this.actor.params, cfg.tau);
    this.critics.forEach((q, i) => polyakUpdate(this.criticTargets[i].params, q.params, cfg.tau));
    stats.actor_loss = actorLoss;
    return stats;
  }

  /**
   * L_mu = -(1/B) sum_b Q1(s, mu(s)) for `B` rows of `obs`; adds dL/dtheta into the actor's grads through the
   * critic's input gradient dQ1/da, leaving the critic's grads alone.
   */
  actorObjective(obs: Float32Array, B: number): number {
    const D = this.obsDim,
      A = this.actDim;
    const z = this.actor.forwardTrain(obs, B);
    for (let k = 0; k < B * A; k++) this.act[k] = Math.tanh(z[k]);
    concatRows(obs, D, this.act, A, B, this.sa);
    const q1 = this.critics[0].forwardTrain(this.sa, B);
    let loss = 0;
    for (let b = 0; b < B; b++) loss -= q1[b] / B;
    this.dq.fill(-1 / B);
    this.critics[0].backward(this.dq, this.dsa, { accumulate: false });
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < A; j++) {
        const mu = this.act[b * A + j];
        this.dz[b * A + j] = this.dsa[b * (D + A) + D + j] * (1 - mu * mu);
      }
    }
    this.actor.backward(this.dz);
    return loss;
  }
}

function clip1(x: number): number {
  return x < -1 ? -1 : x > 1 ? 1 : x;
}
