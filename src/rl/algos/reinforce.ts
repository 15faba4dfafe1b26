/**
 * REINFORCE with a learned baseline (Williams 1992; Sutton & Barto ch. 13.4). Each update uses complete
 * episodes: the collector runs the vector env until at least `episodesPerUpdate` episodes have ended, and
 * the Monte Carlo returns of those episodes are the targets.
 *   G_t = sum_{k >= t} gamma^(k - t) r_k       (an episode cut by a time limit is bootstrapped: its last
 *                                               reward includes gamma V(final observation))
 *   L = -(1/B) sum log pi(a_t|s_t) (G_t - V(s_t))  -  c_ent (1/B) sum H  +  c_V (1/B) sum (V(s_t) - G_t)^2
 * Steps of episodes still running at the update are kept for the next update, so every step is used once.
 */
import type { EnvSource, MakeOptions } from '../core/registry.js';
import type { TrainContext } from '../train/context.js';
import { OnPolicyAlgorithm, ON_POLICY_DEFAULTS, type OnPolicyConfig, type PolicyEval } from './on_policy.js';
import { lossRecord, normalizeAdvantages, policyGradientTerms } from './pg_loss.js';

export interface ReinforceConfig extends OnPolicyConfig {
  /** Finished episodes per update. */
  episodesPerUpdate: number;
  normAdv: boolean;
}

export const REINFORCE_DEFAULTS: ReinforceConfig = {
  ...ON_POLICY_DEFAULTS,
  nEnvs: 8,
  nSteps: 1,
  lr: 1e-3,
  lrSchedule: 'constant',
  entCoef: 0,
  vfCoef: 0.5,
  maxGradNorm: 1,
  episodesPerUpdate: 16,
  normAdv: true,
};

interface Step {
  obs: Float32Array;
  action: Float32Array;
  mask: Uint8Array | null;
  reward: number;
}

export class Reinforce extends OnPolicyAlgorithm<ReinforceConfig> {
  readonly name = 'reinforce';
  /** Steps of the episode each env is in. */
  private running: Step[][];

  constructor(env: EnvSource, config: Partial<ReinforceConfig> & { envKwargs?: MakeOptions } = {}) {
    super(env, REINFORCE_DEFAULTS, { ...config, nSteps: 1 });
    this.running = Array.from({ length: this.cfg.nEnvs }, () => []);
  }

  protected iteration(ctx: TrainContext): Record<string, number> {
    this.applySchedule(ctx);
    this.ensureStarted();
    const cfg = this.cfg,
      N = cfg.nEnvs,
      D = this.obsDim,
      A = this.nAct,
      buf = this.buffer;
    const scratch = {
      actsI: new Int32Array(N),
      actsF: new Float32Array(N * A),
      envActs: new Float32Array(N * A),
      logp: new Float32Array(N),
    };
    const finished: Step[][] = [];
    this.lastTimes = { inferenceMs: 0, envMs: 0 };
    while (finished.length < cfg.episodesPerUpdate && !ctx.stop) {
      const r = this.collectStep(ctx, 0, scratch); // row 0 of the buffer is this step's scratch space
      for (let i = 0; i < N; i++) {
        this.running[i].push({
          obs: buf.obs.slice(i * D, (i + 1) * D),
          action: buf.actions.slice(i * this.aDim, (i + 1) * this.aDim),
          mask: buf.masks ? buf.masks.slice(i * A, (i + 1) * A) : null,
          reward: buf.rewards[i],
        });
        if (r.terminated[i] || r.truncated[i]) {
          finished.push(this.running[i]);
          this.running[i] = [];
        }
      }
    }
    const t0 = performance.now();
    // Monte Carlo returns of the finished episodes.
    const B = finished.reduce((a, e) => a + e.length, 0);
    if (B === 0) return { batch: 0, lr: this.optimizer.lr }; // stopped before any episode ended: nothing to learn from
    const obs = new Float32Array(B * D),
      actions = new Float32Array(B * this.aDim),
      masks = buf.masks ? new Uint8Array(B * A) : null;
    const returns = new Float64Array(B);
    let k = 0;
    for (const ep of finished) {
      let g = 0;
      for (let t = ep.length - 1; t >= 0; t--) {
        g = ep[t].reward + cfg.gamma * g;
        returns[k + t] = g;
      }
      ep.forEach((s, t) => {
        obs.set(s.obs, (k + t) * D);
        actions.set(s.action, (k + t) * this.aDim);
        if (masks && s.mask) masks.set(s.mask, (k + t) * A);
      });
      k += ep.length;
    }
    const pe: PolicyEval = { logp: new Float64Array(B), ent: new Float64Array(B), values: new Float32Array(B) };
    const out = this.evaluatePolicy(obs, actions, masks, B, pe);
    const adv = new Float64Array(B);
    for (let b = 0; b < B; b++) adv[b] = returns[b] - pe.values[b];
    if (cfg.normAdv) normalizeAdvantages(adv);
    const loss = policyGradientTerms(pe, adv, returns, B, cfg);
    const gradNorm = this.applyGradients(out, { actions, masks }, B, loss.dLogp, loss.dEnt, loss.dV);
    return {
      ...lossRecord(loss, gradNorm, this.optimizer.lr),
      batch: B,
      time_env_ms: this.lastTimes.envMs,
      time_inference_ms: this.lastTimes.inferenceMs,
      time_update_ms: performance.now() - t0,
    };
  }
}
