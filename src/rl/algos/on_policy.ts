/**
 * What the on-policy methods (REINFORCE, A2C, PPO) share, as Stable-Baselines3's on_policy_algorithm does:
 * the actor-critic policy (separate actor and critic MLPs, or with `sharedNetwork` one MLP whose last layer
 * gives the action outputs and the value side by side, i.e. a shared trunk with two linear heads; a
 * Categorical or diagonal-Gaussian head; Adam over everything with global gradient-norm clipping), the vector env, rollout collection into a RolloutBuffer (with
 * action masks and the truncation bootstrap), observation and reward normalization, prediction and
 * checkpoints. Each method's file keeps only its own update.
 *
 * Normalization (as Stable-Baselines3's VecNormalize, inside the algorithm so that the episode returns it
 * reports stay raw): observations o' = clip((o - mean) / sqrt(var + 1e-8), +-clipObs) with running statistics
 * over every env's observations; rewards r' = clip(r / sqrt(var(G) + 1e-8), +-clipReward) where G is each
 * env's running discounted return (G <- gamma G + r, reset at episode ends). The statistics are saved in
 * checkpoints and frozen in `predict`.
 */
import { Box, Discrete } from '../core/spaces/index.js';
import type { MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { makeVec } from '../vector/make_vec.js';
import type { VectorEnv, VectorStepResult } from '../vector/vector_env.js';
import { Adam, scheduleFactor, type Schedule } from '../nn/adam.js';
import { Categorical, DiagGaussian } from '../nn/distributions.js';
import type { Activation, MLP } from '../nn/mlp.js';
import { createMLP } from '../nn/make_mlp.js';
import { Algorithm, NonFiniteError, type LearnOptions, type PredictOptions, type TrainResult } from '../train/algorithm.js';
import { tensorOf, type Checkpoint, type StoredArray } from '../train/checkpoint.js';
import type { TrainContext } from '../train/context.js';
import { RolloutBuffer } from './rollout.js';
import { RunningMeanStd } from '../wrappers/running_mean_std.js';

/** Hyperparameters every on-policy method has. */
export interface OnPolicyConfig {
  nEnvs: number;
  /** Steps per env per rollout. */
  nSteps: number;
  lr: number;
  lrSchedule: Schedule;
  gamma: number;
  gaeLambda: number;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  hidden: number[];
  activation: Activation;
  /** Initial log std of the Gaussian policy (Box actions). */
  logStdInit: number;
  /** One network with a policy head and a value head on shared hidden layers (else two networks). */
  sharedNetwork: boolean;
  normalizeObs: boolean;
  normalizeReward: boolean;
  clipObs: number;
  clipReward: number;
  backend: 'auto' | 'native' | 'tfjs' | 'js';
  seed: number;
}

export const ON_POLICY_DEFAULTS: OnPolicyConfig = {
  nEnvs: 4, nSteps: 128, lr: 2.5e-4, lrSchedule: 'linear', gamma: 0.99, gaeLambda: 0.95, entCoef: 0.01, vfCoef: 0.5,
  maxGradNorm: 0.5, hidden: [64, 64], activation: 'tanh', logStdInit: 0, sharedNetwork: false, normalizeObs: false, normalizeReward: false,
  clipObs: 10, clipReward: 10, backend: 'auto', seed: 1,
};

/** Scratch arrays of a minibatch pass through the policy. */
export interface PolicyEval {
  /** log pi(a|s) and entropy per row. */
  logp: Float64Array;
  ent: Float64Array;
  values: Float32Array;
}

export abstract class OnPolicyAlgorithm<C extends OnPolicyConfig> extends Algorithm {
  readonly cfg: C;
  readonly venv: VectorEnv;
  /** The policy network (with sharedNetwork: the one network, outputs [action outputs..., value]). */
  readonly actor: MLP;
  /** The value network (null with sharedNetwork). */
  readonly critic: MLP | null;
  readonly logStd: Float32Array;
  readonly logStdGrad: Float32Array;
  readonly optimizer: Adam;
  readonly obsDim: number;
  readonly discrete: boolean;
  /** Number of actions (Discrete) or action dimension (Box). */
  readonly nAct: number;
  /** Numbers stored per action in buffers: 1 (Discrete) or nAct (Box). */
  readonly aDim: number;
  protected readonly buffer: RolloutBuffer;
  protected readonly cat: Categorical | null;
  protected readonly gauss: DiagGaussian | null;
  private readonly actLow: Float32Array | null = null;
  private readonly actHigh: Float32Array | null = null;
  protected nextObs: Float32Array | null = null;
  protected nextMask: Uint8Array | null = null;
  private scheduleTotal = 0;
  /** Milliseconds spent in policy inference and in env steps during the last rollout. */
  protected lastTimes = { inferenceMs: 0, envMs: 0 };
  readonly obsRms: RunningMeanStd | null;
  readonly retRms: RunningMeanStd | null;
  /** Each env's running discounted return, for reward normalization. */
  private readonly discounted: Float64Array;
  /** The raw observations after the last step (nextObs holds them normalized). */
  private rawObs: Float32Array | null = null;

  protected constructor(envId: string, defaults: C, config: Partial<C> & { envKwargs?: MakeOptions }, bufferSteps?: number) {
    const { envKwargs = {}, ...rest } = config;
    const cfg = { ...defaults, ...rest } as C;
    super(envId, envKwargs, cfg.seed);
    this.cfg = cfg;
    if (!Number.isInteger(cfg.nEnvs) || cfg.nEnvs < 1) throw new RangeError(`${new.target.name}: nEnvs must be a positive integer, got ${describe(cfg.nEnvs)}`);
    if (!Number.isInteger(cfg.nSteps) || cfg.nSteps < 1) throw new RangeError(`${new.target.name}: nSteps must be a positive integer, got ${describe(cfg.nSteps)}`);
    this.venv = makeVec(envId, cfg.nEnvs, { autoreset: 'same-step', makeOptions: envKwargs, copy: false });
    const os = this.venv.singleObservationSpace, as = this.venv.singleActionSpace;
    const algo = this.constructor.name.toLowerCase();
    if (!(os instanceof Box)) {
      this.venv.close();
      throw new TypeError(`${algo} needs a Box observation space (wrap others with FlattenObservation); ${envId} has ${os}`);
    }
    this.obsDim = os.size;
    if (as instanceof Discrete) {
      this.discrete = true;
      this.nAct = as.n;
    } else if (as instanceof Box) {
      this.discrete = false;
      this.nAct = as.size;
      this.actLow = Float32Array.from(as.low);
      this.actHigh = Float32Array.from(as.high);
    } else {
      this.venv.close();
      throw new TypeError(`${algo} supports Discrete and Box action spaces; ${envId} has ${as}`);
    }
    this.aDim = this.discrete ? 1 : this.nAct;
    const hiddenGains = cfg.hidden.map(() => Math.SQRT2);
    // Small output gains, as CleanRL: the initial policy is near uniform and the initial values near 0.
    if (cfg.sharedNetwork) {
      this.actor = createMLP({ sizes: [this.obsDim, ...cfg.hidden, this.nAct + 1], activation: cfg.activation, gains: [...hiddenGains, 0.01], seed: this.rng.spawnSeed() }, { backend: cfg.backend });
      // The value column of the last layer gets gain 1, the action columns 0.01 (scaling columns keeps them orthogonal).
      const h = cfg.hidden.length ? cfg.hidden[cfg.hidden.length - 1] : this.obsDim, w = this.nAct + 1;
      const last = this.actor.numParams - (h * w + w);
      for (let i = 0; i < h; i++) this.actor.params[last + i * w + this.nAct] *= 100;
      this.critic = null;
    } else {
      this.actor = createMLP({ sizes: [this.obsDim, ...cfg.hidden, this.nAct], activation: cfg.activation, gains: [...hiddenGains, 0.01], seed: this.rng.spawnSeed() }, { backend: cfg.backend });
      this.critic = createMLP({ sizes: [this.obsDim, ...cfg.hidden, 1], activation: cfg.activation, gains: [...hiddenGains, 1], seed: this.rng.spawnSeed() }, { backend: cfg.backend });
    }
    this.logStd = new Float32Array(this.discrete ? 0 : this.nAct).fill(cfg.logStdInit);
    this.logStdGrad = new Float32Array(this.logStd.length);
    this.optimizer = new Adam(
      [{ params: this.actor.params, grads: this.actor.grads }, { params: this.critic?.params ?? new Float32Array(0), grads: this.critic?.grads ?? new Float32Array(0) }, { params: this.logStd, grads: this.logStdGrad }],
      { lr: cfg.lr, eps: 1e-5, maxGradNorm: cfg.maxGradNorm },
    );
    this.cat = this.discrete ? new Categorical(this.nAct) : null;
    this.gauss = this.discrete ? null : new DiagGaussian(this.nAct);
    this.buffer = new RolloutBuffer(bufferSteps ?? cfg.nSteps, cfg.nEnvs, this.obsDim, this.aDim, this.discrete ? this.nAct : 0);
    this.obsRms = cfg.normalizeObs ? new RunningMeanStd(this.obsDim) : null;
    this.retRms = cfg.normalizeReward ? new RunningMeanStd(1) : null;
    this.discounted = new Float64Array(cfg.nEnvs);
  }

  /**
   * Action outputs (batch x nAct) and values (batch) of the policy for `obs`; `train` keeps what backward
   * needs. With a shared network the one output row [outputs..., value] is split into the two.
   */
  protected policyForward(obs: Float32Array, batch: number, train: boolean): { out: Float32Array; values: Float32Array } {
    if (this.critic !== null) {
      const out = train ? this.actor.forwardTrain(obs, batch) : this.actor.forward(obs, batch);
      const values = train ? this.critic.forwardTrain(obs, batch) : this.critic.forward(obs, batch);
      return { out, values };
    }
    const y = train ? this.actor.forwardTrain(obs, batch) : this.actor.forward(obs, batch);
    const A = this.nAct, w = A + 1;
    const out = new Float32Array(batch * A), values = new Float32Array(batch);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < A; j++) out[b * A + j] = y[b * w + j];
      values[b] = y[b * w + A];
    }
    return { out, values };
  }

  /** Backward through the network(s) from dL/d(action outputs) and dL/dV. */
  private policyBackward(dOut: Float32Array, dV: Float32Array, batch: number): void {
    if (this.critic !== null) {
      this.actor.backward(dOut);
      this.critic.backward(dV);
      return;
    }
    const A = this.nAct, w = A + 1;
    const d = new Float32Array(batch * w);
    for (let b = 0; b < batch; b++) {
      for (let j = 0; j < A; j++) d[b * w + j] = dOut[b * A + j];
      d[b * w + A] = dV[b];
    }
    this.actor.backward(d);
  }

  /** V(obs) for `batch` normalized observations. */
  stateValues(obs: Float32Array, batch: number): Float32Array {
    return this.critic !== null ? this.critic.forward(obs, batch).subarray(0, batch) : this.policyForward(obs, batch, false).values;
  }

  /** Observations as the networks see them (normalized and clipped when normalizeObs is on). */
  protected normalizeObs(raw: Float32Array, n: number, out: Float32Array = new Float32Array(n * this.obsDim)): Float32Array {
    const rms = this.obsRms, D = this.obsDim, c = this.cfg.clipObs;
    if (rms === null) {
      out.set(raw.subarray(0, n * D));
      return out;
    }
    for (let b = 0; b < n; b++) {
      for (let j = 0; j < D; j++) {
        const v = (raw[b * D + j] - rms.mean[j]) / Math.sqrt(rms.var[j] + 1e-8);
        out[b * D + j] = Math.min(Math.max(v, -c), c);
      }
    }
    return out;
  }

  /** Takes new raw observations of every env: updates the statistics, refreshes nextObs. */
  private takeObs(raw: Float32Array): void {
    const N = this.cfg.nEnvs;
    this.rawObs = Float32Array.from(raw.subarray(0, N * this.obsDim));
    this.obsRms?.updateBatch(this.rawObs, N);
    this.nextObs = this.normalizeObs(this.rawObs, N, this.nextObs ?? undefined);
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

  /** Sets the optimizer's rate from the schedule at progress numTimesteps / totalSteps (absolute, so a resumed run goes on where it stopped). */
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
  protected collectStep(ctx: TrainContext, t: number, scratch: { actsI: Int32Array; actsF: Float32Array; envActs: Float32Array; logp: Float32Array }): VectorStepResult<unknown> {
    const N = this.cfg.nEnvs, D = this.obsDim, buf = this.buffer;
    const obs = this.nextObs!;
    buf.obs.set(obs, t * N * D);
    const t0 = performance.now();
    const { out, values } = this.policyForward(obs, N, false);
    if (this.cat) {
      this.cat.sample(out, N, this.rng, scratch.actsI, scratch.logp, this.nextMask);
      for (let i = 0; i < N; i++) buf.actions[t * N + i] = scratch.actsI[i];
      buf.masks!.set(this.nextMask!, t * N * this.nAct);
    } else {
      this.gauss!.sample(out, this.logStd, N, this.rng, scratch.actsF, scratch.logp);
      buf.actions.set(scratch.actsF, t * N * this.nAct);
      // The env gets the action clipped to its bounds; the buffer keeps the sampled one (as CleanRL).
      for (let k = 0; k < scratch.actsF.length; k++) {
        const j = k % this.nAct;
        scratch.envActs[k] = Math.min(Math.max(scratch.actsF[k], this.actLow![j]), this.actHigh![j]);
      }
    }
    buf.logprobs.set(scratch.logp, t * N);
    buf.values.set(values.subarray(0, N), t * N);
    const t1 = performance.now();
    const r = this.venv.step(this.cat ? scratch.actsI : scratch.envActs);
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
        const fin = this.normalizeObs(raw, 1);
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
      if (!Number.isFinite(x[k])) throw new NonFiniteError(`${this.name}: ${what} entry ${k} is ${x[k]} at step ${step}; training stopped (the last checkpoint written is the last good one)`);
    }
  }

  /** Fills the whole buffer (nSteps x nEnvs) and computes GAE advantages and returns. */
  protected collectRollout(ctx: TrainContext): void {
    this.ensureStarted();
    const N = this.cfg.nEnvs;
    const scratch = { actsI: new Int32Array(N), actsF: new Float32Array(N * this.nAct), envActs: new Float32Array(N * this.nAct), logp: new Float32Array(N) };
    this.lastTimes = { inferenceMs: 0, envMs: 0 };
    for (let t = 0; t < this.buffer.steps; t++) this.collectStep(ctx, t, scratch);
    const lastValues = Float32Array.from(this.stateValues(this.nextObs!, N));
    this.buffer.computeAdvantages(lastValues, this.cfg.gamma, this.cfg.gaeLambda);
  }

  /**
   * Forward pass of both networks on `batch` rows (training mode), then the distribution's log-probs and
   * entropies of `actions`.
   */
  protected evaluatePolicy(obs: Float32Array, actions: Float32Array, masks: Uint8Array | null, batch: number, into: PolicyEval): Float32Array {
    const { out, values } = this.policyForward(obs, batch, true);
    this.checkFinite(out, 'policy output', this.training?.numTimesteps ?? this.numTimesteps);
    this.checkFinite(values, 'value estimate', this.training?.numTimesteps ?? this.numTimesteps);
    into.values = values;
    if (this.cat) this.cat.evaluate(out, batch, actions, into.logp, into.ent, masks);
    else this.gauss!.evaluate(out, this.logStd, batch, actions, into.logp, into.ent);
    return out;
  }

  /**
   * Backward pass and one optimizer step, given dL/dlog pi and dL/dH per row and dL/dV: the distribution
   * turns the first two into dL/d(actor outputs). Returns the gradient norm before clipping.
   */
  protected applyGradients(out: Float32Array, obsActions: { actions: Float32Array; masks: Uint8Array | null }, batch: number, dLogp: ArrayLike<number>, dEnt: ArrayLike<number>, dV: Float32Array): number {
    const dOut = new Float32Array(batch * this.nAct);
    const logp = new Float64Array(batch), ent = new Float64Array(batch);
    if (this.cat) this.cat.evaluate(out, batch, obsActions.actions, logp, ent, obsActions.masks, { dLogp, dEnt, dLogits: dOut });
    else this.gauss!.evaluate(out, this.logStd, batch, obsActions.actions, logp, ent, { dLogp, dEnt, dMean: dOut, dLogStd: this.logStdGrad });
    this.policyBackward(dOut, dV, batch);
    const preNorm = this.optimizer.gradNorm();
    if (!Number.isFinite(preNorm)) {
      throw new NonFiniteError(`${this.name}: the gradient norm is ${preNorm} at step ${this.training?.numTimesteps ?? this.numTimesteps}; training stopped (the last checkpoint written is the last good one)`);
    }
    const norm = this.optimizer.step();
    this.actor.zeroGrad();
    this.critic?.zeroGrad();
    this.logStdGrad.fill(0);
    return norm;
  }

  predict(obs: unknown, opts: PredictOptions = {}): number | Float32Array {
    const raw = Float32Array.from(obs as ArrayLike<number>);
    if (raw.length !== this.obsDim) throw new TypeError(`${this.name}.predict: expected an observation of ${this.obsDim} numbers, got ${describe(obs)}`);
    const x = this.normalizeObs(raw, 1);
    const { out } = this.policyForward(x, 1, false);
    if (this.cat) {
      const a = new Int32Array(1);
      const mask = opts.actionMask ? Uint8Array.from(opts.actionMask, (v) => (v ? 1 : 0)) : null;
      if (opts.deterministic ?? true) this.cat.mode(out, 1, a, mask);
      else this.cat.sample(out, 1, this.rng, a, new Float32Array(1), mask);
      return a[0];
    }
    const act = new Float32Array(this.nAct);
    if (opts.deterministic ?? true) this.gauss!.mode(out, 1, act);
    else this.gauss!.sample(out, this.logStd, 1, this.rng, act, new Float32Array(1));
    for (let j = 0; j < this.nAct; j++) act[j] = Math.min(Math.max(act[j], this.actLow![j]), this.actHigh![j]);
    return act;
  }

  protected stateArrays(): Record<string, StoredArray> {
    const o = this.optimizer;
    const arrays: Record<string, StoredArray> = {
      actor: this.actor.params, critic: this.critic?.params ?? new Float32Array(0), log_std: this.logStd,
      adam_m_actor: o.m[0], adam_v_actor: o.v[0], adam_m_critic: o.m[1], adam_v_critic: o.v[1], adam_m_log_std: o.m[2], adam_v_log_std: o.v[2],
    };
    for (const [name, rms] of [['obs_rms', this.obsRms], ['ret_rms', this.retRms]] as const) {
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
    this.actor.dispose();
    this.critic?.dispose();
  }
}
