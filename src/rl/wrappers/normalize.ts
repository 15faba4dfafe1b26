/**
 * NormalizeObservation: `obs' = (obs - mean) / sqrt(var + epsilon)` with a running mean and variance of the
 * observations seen so far (updated on every reset and step while `updateRunningMean` is true); the output is
 * float32 and the space becomes Box(-inf, inf) of the same shape.
 *
 * NormalizeReward (the reference's semantics): keeps a discounted return estimate
 * `G <- G * gamma * (1 - terminated) + r` and its running variance, and returns `r / sqrt(var(G) + epsilon)`.
 * No mean is subtracted (subtracting it would change the sign of rewards).
 */
import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.js';
import { describe } from '../core/rng.js';
import { Box, type BoxValue } from '../core/spaces/index.js';
import { RunningMeanStd } from './running_mean_std.js';
import { Wrapper } from './wrapper.js';

export class NormalizeObservation<A> extends Wrapper<BoxValue, A, Float32Array, A> {
  readonly epsilon: number;
  readonly obsRms: RunningMeanStd;
  /** Freeze the statistics (e.g. for evaluation) by setting this to false. */
  updateRunningMean = true;

  constructor(env: Env<BoxValue, A>, epsilon = 1e-8) {
    super(env);
    const space = env.observationSpace;
    if (!(space instanceof Box)) {
      throw new TypeError(`NormalizeObservation: expected a Box observation space, got ${String(space)}`);
    }
    this.epsilon = epsilon;
    this.obsRms = new RunningMeanStd(space.size);
    this.observationSpace = new Box(-Infinity, Infinity, space.shape, 'float32');
  }

  private normalize(obs: BoxValue): Float32Array {
    if (this.updateRunningMean) this.obsRms.update(obs);
    const out = new Float32Array(obs.length);
    const { mean, var: v } = this.obsRms;
    for (let i = 0; i < out.length; i++) out[i] = (obs[i] - mean[i]) / Math.sqrt(v[i] + this.epsilon);
    return out;
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    const r = this.env.reset(opts);
    return { obs: this.normalize(r.obs), info: r.info };
  }

  override step(action: A): StepResult<Float32Array> {
    const r = this.env.step(action);
    return {
      obs: this.normalize(r.obs),
      reward: r.reward,
      terminated: r.terminated,
      truncated: r.truncated,
      info: r.info,
    };
  }
}

export class NormalizeReward<O, A> extends Wrapper<O, A> {
  readonly gamma: number;
  readonly epsilon: number;
  readonly returnRms = new RunningMeanStd(1);
  /** The running discounted return estimate G. */
  discountedReturn = 0;
  updateRunningMean = true;
  private readonly g = new Float64Array(1);

  constructor(env: Env<O, A>, gamma = 0.99, epsilon = 1e-8) {
    super(env);
    if (!(gamma >= 0 && gamma <= 1))
      throw new RangeError(`NormalizeReward: gamma must be in [0, 1], got ${describe(gamma)}`);
    this.gamma = gamma;
    this.epsilon = epsilon;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.discountedReturn = this.discountedReturn * this.gamma * (r.terminated ? 0 : 1) + r.reward;
    if (this.updateRunningMean) {
      this.g[0] = this.discountedReturn;
      this.returnRms.update(this.g);
    }
    r.reward = r.reward / Math.sqrt(this.returnRms.var[0] + this.epsilon);
    return r;
  }
}
