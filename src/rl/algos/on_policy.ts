/**
 * What the on-policy methods (REINFORCE, A2C, PPO) share, as Stable-Baselines3's on_policy_algorithm does:
 * the actor-critic policy (`policy`, mlp_policy.ts: the networks, a Categorical or diagonal-Gaussian head,
 * observation normalization, acting), Adam over everything with global gradient-norm clipping, the vector env,
 * rollout collection into a RolloutBuffer (with action masks and the truncation bootstrap), reward
 * normalization and checkpoints. Each method's file keeps only its own update.
 *
 * Normalization (as Stable-Baselines3's VecNormalize, inside the algorithm so that the episode returns it
 * reports stay raw): observations o' = clip((o - mean) / sqrt(var + 1e-8), +-clipObs) with running statistics
 * over every env's observations; rewards r' = clip(r / sqrt(var(G) + 1e-8), +-clipReward) where G is each
 * env's running discounted return (G <- gamma G + r, reset at episode ends). The statistics are saved in
 * checkpoints and frozen in `predict`.
 */
import { Box, Discrete } from '../core/spaces/index.js';
import type { EnvSource, MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { makeVec, MAX_VECTOR_ENVS } from '../vector/make_vec.js';
import type { VectorEnv, VectorStepResult } from '../vector/vector_env.js';
import { Adam, scheduleFactor } from '../nn/adam.js';
import type { MLP } from '../nn/mlp.js';
import { ActorCriticPolicy } from './mlp_policy.js';
import {
  Algorithm,
  NonFiniteError,
  type LearnOptions,
  type PredictOptions,
  type TrainResult,
} from '../train/algorithm.js';
import { tensorOf, type Checkpoint, type StoredArray } from '../train/checkpoint.js';
import type { TrainContext } from '../train/context.js';
import { RolloutBuffer } from './rollout.js';
import { RunningMeanStd } from '../wrappers/running_mean_std.js';
import type { OnPolicyConfig, PolicyEval } from './on_policy_config.js';

export { ON_POLICY_DEFAULTS, type OnPolicyConfig, type PolicyEval } from './on_policy_config.js';

export abstract class OnPolicyAlgorithm<C extends OnPolicyConfig> extends Algorithm {
  readonly cfg: C;
  readonly venv: VectorEnv;
  /** The actor-critic: acting, log-probabilities and weights (train/policy.ts's StochasticPolicy). */
  readonly policy: ActorCriticPolicy;
  readonly optimizer: Adam;
  readonly obsDim: number;
  readonly discrete: boolean;
  /** Number of actions (Discrete) or action dimension (Box). */
  readonly nAct: number;
  /** Numbers stored per action in buffers: 1 (Discrete) or nAct (Box). */
  readonly aDim: number;
  protected readonly buffer: RolloutBuffer;
  protected nextObs: Float32Array | null = null;
  protected nextMask: Uint8Array | null = null;
  private scheduleTotal = 0;
  /** Milliseconds spent in policy inference and in env steps during the last rollout. */
  protected lastTimes = { inferenceMs: 0, envMs: 0 };
  readonly retRms: RunningMeanStd | null;
  /** Each env's running discounted return, for reward normalization. */
  private readonly discounted: Float64Array;
  /** The raw observations after the last step (nextObs holds them normalized). */
  private rawObs: Float32Array | null = null;

  protected constructor(
    env: EnvSource,
    defaults: C,
    config: Partial<C> & { envKwargs?: MakeOptions },
    bufferSteps?: number,
  ) {
    const { envKwargs = {}, ...rest } = config;
    const cfg = { ...defaults, ...rest };
    super(env, envKwargs, cfg.seed);
    this.cfg = cfg;
    if (!Number.isInteger(cfg.nEnvs) || cfg.nEnvs < 1 || cfg.nEnvs > MAX_VECTOR_ENVS)
      throw new RangeError(
        `${new.target.name}: nEnvs must be a positive integer up to ${MAX_VECTOR_ENVS}, got ${describe(cfg.nEnvs)}`,
      );
    if (!Number.isInteger(cfg.nSteps) || cfg.nSteps < 1)
      throw new RangeError(`${new.target.name}: nSteps must be a positive integer, got ${describe(cfg.nSteps)}`);
    this.venv = makeVec(env, cfg.nEnvs, { autoreset: 'same-step', makeOptions: envKwargs, copy: false });
    const os = this.venv.singleObservationSpace,
      as = this.venv.singleActionSpace;
    const algo = this.constructor.name.toLowerCase();
    if (!(os instanceof Box)) {
      this.venv.close();
      throw new TypeError(
        `${algo} needs a Box observation space (wrap others with FlattenObservation); ${this.envId} has ${os}`,
      );
    }
    if (!(as instanceof Discrete || as instanceof Box)) {
      this.venv.close();
      throw new TypeError(`${algo} supports Discrete and Box action spaces; ${this.envId} has ${as}`);
    }
    this.policy = new ActorCriticPolicy(algo, os as Box, as, cfg, this.rng);
    this.obsDim = this.policy.obsDim;
    this.discrete = this.policy.discrete;
    this.nAct = this.policy.nAct;
    this.aDim = this.discrete ? 1 : this.nAct;
    const { actor, critic, logStd, logStdGrad } = this.policy;
    this.optimizer = new Adam(
      [
        { params: actor.params, grads: actor.grads },
        { params: critic?.params ?? new Float32Array(0), grads: critic?.grads ?? new Float32Array(0) },
        { params: logStd, grads: logStdGrad },
      ],
      { lr: cfg.lr, eps: 1e-5, maxGradNorm: cfg.maxGradNorm },
    );
    this.buffer = new RolloutBuffer(
      bufferSteps ?? cfg.nSteps,
      cfg.nEnvs,
      this.obsDim,
      this.aDim,
      this.discrete ? this.nAct : 0,
    );
    this.retRms = cfg.normalizeReward ? new RunningMeanStd(1) : null;
    this.discounted = new Float64Array(cfg.nEnvs);
  }

  /** The policy network (with sharedNetwork: the one network, outputs [action outputs..., value]). */
  get actor(): MLP {
    return this.policy.actor;
  }

  /** The value network (null with sharedNetwork). */
  get critic(): MLP | null {
    return this.policy.critic;
  }

  get obsRms(): RunningMeanStd | null {
    return this.policy.obsRms;
  }

  /** V(obs) for `batch` normalized observations. */
  stateValues(obs: Float32Array, batch: number): Float32Array {
    return this.policy.values(obs, batch);
  }

  /** Takes new raw observations of every env: updates the statistics, refreshes nextObs. */
  private takeObs(raw: Float32Array): void {
    const N = this.cfg.nEnvs;
    this.rawObs = Float32Array.from(raw.subarray(0, N * this.obsDim));
    this.policy.obsRms?.updateBatch(this.rawObs, N);
    this.nextObs = this.policy.normalizeObs(this.rawObs, N, this.nextObs ?? undefined);
  }

  /** The reward as the learner sees it (scaled by the std of the discounted return when normalizeReward is on). */
  private scaleReward(i: number, r: number, done: boolean): number {
    if (this.retRms === null) return r;
    this.discounted[i] = this.discounted[i] * this.cfg.gamma + r;
    this.retRms.update([this.discounted[i]]);
    if (done) this.discounted[i] = 0;
    const c = this.cfg.clipReward;
    return Math.min(Math.max(r / Math.sqrt(this.retRms.var[0] + 1e-8), -c), c);
  }

  get config(): Record<string, unknown> {
    return { ...this.cfg } as Record<string, unknown>;
  }

  override async learn(opts: LearnOptions): Promise<TrainResult> {
    this.scheduleTotal = opts.totalSteps;
    return super.learn(opts);
  }

  /**
   * Sets the optimizer's rate from the schedule at progress numTimesteps / totalSteps (absolute, so a resumed run goes
   * on where it stopped).
   */
  protected applySchedule(ctx: TrainContext): void {
    const progress = ctx.numTimesteps / Math.max(1, this.scheduleTotal);
    this.optimizer.lr = this.cfg.lr * scheduleFactor(this.cfg.lrSchedule, progress);
  }

  /** Fills `mask` (n x nAct, 1 = allowed) from the vector info's action_mask, or all ones. */
  private readMask(info: Record<string, unknown>, n: number, mask: Uint8Array): void {
    mask.fill(1);
    const m = info.action_mask as ArrayLike<ArrayLike<number> | null> | undefined;
    const has = info._action_mask as Uint8Array | undefined;
    if (!m || !has) return;
    for (let i = 0; i < n; i++) {
      const row = has[i] ? m[i] : null;
      if (row) for (let j = 0; j < this.nAct; j++) mask[i * this.nAct + j] = row[j] ? 1 : 0;
    }
  }

  /** Resets the vector env on the first rollout. */
  protected ensureStarted(): void {
    if (this.nextObs !== null) return;
    const r = this.venv.reset({ seed: this.rng.spawnSeed() });
    this.checkFinite(r.obs as Float32Array, 'reset observation', this.numTimesteps);
    this.takeObs(r.obs as Float32Array);
    if (this.discrete) {
      this.nextMask = new Uint8Array(this.cfg.nEnvs * this.nAct);
      this.readMask(r.info, this.cfg.nEnvs, this.nextMask);
    }
  }

  /**
   * One step of every env with the current policy, stored at row `t` of the buffer. Returns the vector
   * step's result. Truncation is not termination: the reward of a truncated step gets gamma V(final obs).
   */
  protected collectStep(
    ctx: TrainContext,
    t: number,
    scratch: { actsI: Int32Array; actsF: Float32Array; envActs: Float32Array; logp: Float32Array },
  ): VectorStepResult<unknown> {
    const N = this.cfg.nEnvs,
      D = this.obsDim,
      buf = this.buffer;
    const obs = this.nextObs!;
    buf.obs.set(obs, t * N * D);
    const t0 = performance.now();
    const { cat, gauss } = this.policy;
    const { out, values } = this.policy.forward(obs, N, false);
    if (cat) {
      cat.sample(out, N, this.rng, scratch.actsI, scratch.logp, this.nextMask);
      for (let i = 0; i < N; i++) buf.actions[t * N + i] = scratch.actsI[i];
      buf.masks!.set(this.nextMask!, t * N * this.nAct);
    } else {
      gauss!.sample(out, this.policy.logStd, N, this.rng, scratch.actsF, scratch.logp);
      buf.actions.set(scratch.actsF, t * N * this.nAct);
      // The env gets the action clipped to its bounds; the buffer keeps the sampled one (as CleanRL).
      this.policy.clipToBounds(scratch.actsF, scratch.envActs);
    }
    buf.logprobs.set(scratch.logp, t * N);
    buf.values.set(values.subarray(0, N), t * N);
    const t1 = performance.now();
    const r = this.venv.step(cat ? scratch.actsI : scratch.envActs);
    const t2 = performance.now();
    this.recordStep(ctx, r, N);
    const nextObs = r.obs as Float32Array;
    this.checkFinite(nextObs, 'observation', ctx.numTimesteps);
    for (let i = 0; i < N; i++) {
      const done = r.terminated[i] === 1 || r.truncated[i] === 1;
      let rew = this.scaleReward(i, r.rewards[i], done);
      if (r.truncated[i] && !r.terminated[i]) {
        const raw = Float32Array.from((r.info.final_obs as Float32Array[])[i]);
        this.checkFinite(raw, `final observation of env ${i}`, ctx.numTimesteps);
        const fin = this.policy.normalizeObs(raw, 1);
        rew += this.cfg.gamma * this.stateValues(fin, 1)[0];
      }
      buf.rewards[t * N + i] = rew;
      buf.dones[t * N + i] = done ? 1 : 0;
    }
    this.takeObs(nextObs);
    if (this.nextMask) this.readMask(r.info, N, this.nextMask);
    this.lastTimes.inferenceMs += t1 - t0 + (performance.now() - t2);
    this.lastTimes.envMs += t2 - t1;
    return r;
  }

  /** Stops training with a NonFiniteError naming the quantity and the step when `x` holds NaN or infinity. */
  protected checkFinite(x: ArrayLike<number>, what: string, step: number): void {
    for (let k = 0; k < x.length; k++) {
      if (!Number.isFinite(x[k]))
        throw new NonFiniteError(
          `${this.name}: ${what} entry ${k} is ${x[k]} at step ${step}; training stopped (the last checkpoint written is the last good one)`,
        );
    }
  }

  /** Fills the whole buffer (nSteps x nEnvs) and computes GAE advantages and returns. */
  protected collectRollout(ctx: TrainContext): void {
    this.ensureStarted();
    const N = this.cfg.nEnvs;
    const scratch = {
      actsI: new Int32Array(N),
      actsF: new Float32Array(N * this.nAct),
      envActs: new Float32Array(N * this.nAct),
      logp: new Float32Array(N),
    };
    this.lastTimes = { inferenceMs: 0, envMs: 0 };
    for (let t = 0; t < this.buffer.steps; t++) this.collectStep(ctx, t, scratch);
    const lastValues = Float32Array.from(this.stateValues(this.nextObs!, N));
    this.buffer.computeAdvantages(lastValues, this.cfg.gamma, this.cfg.gaeLambda);
  }

  /**
   * Forward pass of both networks on `batch` rows (training mode), then the distribution's log-probs and
   * entropies of `actions`.
   */
  protected evaluatePolicy(
    obs: Float32Array,
    actions: Float32Array,
    masks: Uint8Array | null,
    batch: number,
    into: PolicyEval,
  ): Float32Array {
    const { out, values } = this.policy.forward(obs, batch, true);
    this.checkFinite(out, 'policy output', this.training?.numTimesteps ?? this.numTimesteps);
    this.checkFinite(values, 'value estimate', this.training?.numTimesteps ?? this.numTimesteps);
    into.values = values;
    const { cat, gauss, logStd } = this.policy;
    if (cat) cat.evaluate(out, batch, actions, into.logp, into.ent, masks);
    else gauss!.evaluate(out, logStd, batch, actions, into.logp, into.ent);
    return out;
  }

  /**
   * Backward pass and one optimizer step, given dL/dlog pi and dL/dH per row and dL/dV: the distribution
   * turns the first two into dL/d(actor outputs). Returns the gradient norm before clipping.
   */
  protected applyGradients(
    out: Float32Array,
    obsActions: { actions: Float32Array; masks: Uint8Array | null },
    batch: number,
    dLogp: ArrayLike<number>,
    dEnt: ArrayLike<number>,
    dV: Float32Array,
  ): number {
    const dOut = new Float32Array(batch * this.nAct);
    const logp = new Float64Array(batch),
      ent = new Float64Array(batch);
    const { cat, gauss, logStd, logStdGrad } = this.policy;
    if (cat) cat.evaluate(out, batch, obsActions.actions, logp, ent, obsActions.masks, { dLogp, dEnt, dLogits: dOut });
    else
      gauss!.evaluate(out, logStd, batch, obsActions.actions, logp, ent, {
        dLogp,
        dEnt,
        dMean: dOut,
        dLogStd: logStdGrad,
      });
    this.policy.backward(dOut, dV, batch);
    const preNorm = this.optimizer.gradNorm();
    if (!Number.isFinite(preNorm)) {
      throw new NonFiniteError(
        `${this.name}: the gradient norm is ${preNorm} at step ${this.training?.numTimesteps ?? this.numTimesteps}; training stopped (the last checkpoint written is the last good one)`,
      );
    }
    const norm = this.optimizer.step();
    this.actor.zeroGrad();
    this.critic?.zeroGrad();
    logStdGrad.fill(0);
    return norm;
  }

  predict(obs: unknown, opts: PredictOptions = {}): number | Float32Array {
    return this.policy.act(obs as ArrayLike<number>, opts);
  }

  protected stateArrays(): Record<string, StoredArray> {
    const o = this.optimizer;
    const arrays: Record<string, StoredArray> = {
      actor: this.actor.params,
      critic: this.critic?.params ?? new Float32Array(0),
      log_std: this.policy.logStd,
      adam_m_actor: o.m[0],
      adam_v_actor: o.v[0],
      adam_m_critic: o.m[1],
      adam_v_critic: o.v[1],
      adam_m_log_std: o.m[2],
      adam_v_log_std: o.v[2],
    };
    for (const [name, rms] of [
      ['obs_rms', this.obsRms],
      ['ret_rms', this.retRms],
    ] as const) {
      if (rms === null) continue;
      arrays[`${name}_mean`] = rms.mean;
      arrays[`${name}_var`] = rms.var;
      arrays[`${name}_count`] = Float64Array.of(rms.count);
    }
    return arrays;
  }

  protected override stateExtra(): Record<string, unknown> {
    return { adam_t: this.optimizer.t };
  }

  restore(ck: Checkpoint, dir: string): void {
    const arrays = this.stateArrays();
    for (const [name, arr] of Object.entries(arrays)) {
      if (name.endsWith('_count')) continue;
      if (arr instanceof Float64Array) arr.set(tensorOf(ck, name, Float64Array, arr.length, dir));
      else (arr as Float32Array).set(tensorOf(ck, name, Float32Array, arr.length, dir));
    }
    if (this.obsRms) this.obsRms.count = tensorOf(ck, 'obs_rms_count', Float64Array, 1, dir)[0];
    if (this.retRms) this.retRms.count = tensorOf(ck, 'ret_rms_count', Float64Array, 1, dir)[0];
    this.optimizer.t = Number((ck.manifest.state as { adam_t?: number } | undefined)?.adam_t ?? 0);
    this.restoreCommon(ck);
  }

  override close(): void {
    this.venv.close();
    this.policy.dispose();
  }
}
