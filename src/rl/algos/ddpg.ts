/**
 * DDPG (Lillicrap et al. 2016, "Continuous control with deep reinforcement learning"): TD3's update (td3.ts)
 * with one critic, no target policy smoothing and the actor updated on every critic update, as
 * Stable-Baselines3 builds it:
 *   y = r + d (1 - terminated) Q_targ(s', mu_targ(s'));   L_Q = (1/B) sum (Q(s, a) - y)^2
 *   L_mu = -(1/B) sum Q(s, mu(s));   theta_targ <- tau theta + (1 - tau) theta_targ after every update.
 */
import type { EnvSource, MakeOptions } from '../core/registry.js';
import { TD3, TD3_DEFAULTS, type TD3Config } from './td3.js';

export type DDPGConfig = TD3Config;

export const DDPG_DEFAULTS: DDPGConfig = { ...TD3_DEFAULTS, policyDelay: 1, targetPolicyNoise: 0, twinCritics: false };

export class DDPG extends TD3 {
  override readonly name: string = 'ddpg';

  constructor(env: EnvSource, config: Partial<DDPGConfig> & { envKwargs?: MakeOptions } = {}) {
    super(env, config, DDPG_DEFAULTS);
  }
}
