/**
 * What the off-policy methods (DQN, DDPG, TD3, SAC) share, as Stable-Baselines3's off_policy_algorithm does:
 * the vector env (same-step autoreset, so each stored transition keeps the episode's final observation), the
 * replay buffer (uniform or prioritized, n-step returns), the collect-then-update loop, timing, checkpoints
 * (networks, optimizers, optionally the buffer) and the NaN checks. `OffPolicyActorCritic`
 * (off_policy_actor_critic.ts) adds what the continuous-action methods share: action rescaling to the env's bounds,
 * the uniform warm-up and the critics. Each method's file keeps only how it acts and how it updates.
 *
 * One iteration = `trainFreq` vector steps, then `gradientSteps` updates (-1: one per env step collected) once
 * `learningStarts` env steps are taken AND the buffer holds a batch: a batch larger than the buffer waits.
 * For the actor-critic methods, the actions before `learningStarts` are uniform over the action box
 * (exploration warm-up, as SB3).
 *
 * Actions: the policies act in [-1, 1]^A (tanh outputs); the buffer stores those scaled actions and the env
 * gets  a_env = low + (a + 1) / 2 * (high - low)  per dimension (SB3's scale/unscale_action).
 */
import type { EnvSource, MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { Box, Discrete } from '../core/spaces/index.js';
import { makeVec } from '../vector/make_vec.js';
import type { VectorEnv } from '../vector/vector_env.js';
import { Adam } from '../nn/adam.js';
import type { Activation, MLP } from '../nn/mlp.js';
export { polyakUpdate } from '../nn/polyak.js';
import { Algorithm, NonFiniteError } from '../train/algorithm.js';
import { CheckpointError, tensorOf, type Checkpoint, type StoredArray } from '../train/checkpoint.js';
import type { TrainContext } from '../train/context.js';
import {
  NStepCollector,
  PrioritizedReplayBuffer,
  ReplayBuffer,
  nextObservations,
  type ReplaySample,
} from './replay/index.js';

/** Hyperparameters every off-policy method has. */
export interface OffPolicyConfig {
  nEnvs: number;
  bufferSize: number;
  batchSize: number;
  /** Env steps (summed over envs) of uniformly random actions before the first update. */
  learningStarts: number;
  /** Vector steps between rounds of updates. */
  trainFreq: number;
  /** Updates per round; -1 means one per env step collected (trainFreq x nEnvs). */
  gradientSteps: number;
  gamma: number;
  /** Polyak coefficient of the target networks: theta_targ <- tau theta + (1 - tau) theta_targ. */
  tau: number;
  /** Hidden layers of the networks (the actor and each critic). */
  hidden: number[];
  activation: Activation;
  /** Global gradient-norm clipping of each optimizer (Infinity, or null in JSON: none). */
  maxGradNorm: number;
  /** Keep the replay buffer in checkpoints (`--save-buffer`), so a resumed run continues with its data. */
  saveBuffer: boolean;
  backend: 'auto' | 'native' | 'tfjs' | 'js';
  seed: number;
}

/** How a method stores its transitions. */
export interface ReplayOptions {
  /** n of the n-step returns (1: plain transitions). */
  nStep: number;
  /** Prioritized replay (prioritized.ts) with these exponents, or null for uniform replay. */
  prioritized: { alpha: number; beta0: number } | null;
}

export const OFF_POLICY_DEFAULTS: OffPolicyConfig = {
  nEnvs: 1,
  bufferSize: 1_000_000,
  batchSize: 256,
  learningStarts: 100,
  trainFreq: 1,
  gradientSteps: 1,
  gamma: 0.99,
  tau: 0.005,
  hidden: [256, 256],
  activation: 'relu',
  maxGradNorm: Infinity,
  saveBuffer: false,
  backend: 'auto',
  seed: 1,
};

/** A network and its optimizer, under the name its arrays take in checkpoints. */
export interface NamedNet {
  name: string;
  net: MLP;
  /** null for target networks (never trained directly). */
  optimizer: Adam | null;
}

export abstract class OffPolicyAlgorithm<C extends OffPolicyConfig> extends Algorithm {
  readonly cfg: C;
  readonly venv: VectorEnv;
  readonly buffer: ReplayBuffer;
  readonly obsDim: number;
  /** Numbers stored per action: 1 for a Discrete action, the size of a Box one. */
  readonly actDim: number;
  protected readonly sample: ReplaySample;
  protected readonly collector: NStepCollector;
  private obs: Float32Array | null = null;
  private readonly nextObsScratch: Float32Array;
  /** The actions of the current step as the buffer stores them (nEnvs x actDim); selectActions fills it. */
  protected readonly storedActions: Float32Array;
  /** Updates done so far (across resumes): TD3's policy delay counts them. */
  updates = 0;

  /**
   * Makes the vector env and the buffer; `kind` is the action space the method needs ('Discrete' or 'Box';
   * observations are always a Box), checked with an error that names both spaces.
   */
  protected constructor(
    env: EnvSource,
    defaults: C,
    config: Partial<C> & { envKwargs?: MakeOptions },
    kind: 'Discrete' | 'Box',
    replay: (cfg: C) => ReplayOptions,
  ) {
    const { envKwargs = {}, ...rest } = config;
    const cfg = { ...defaults, ...rest };
    // JSON (checkpoints, --config files) writes Infinity as null: both mean no clipping.
    if ((cfg.maxGradNorm as number | null) === null) cfg.maxGradNorm = Infinity;
    super(env, envKwargs, cfg.seed);
    const owner = new.target.name.toLowerCase();
    for (const k of ['nEnvs', 'bufferSize', 'batchSize', 'trainFreq'] as const) {
      if (!Number.isInteger(cfg[k]) || cfg[k] < 1)
        throw new RangeError(`${owner}: ${k} must be a positive integer, got ${describe(cfg[k])}`);
    }
    if (!Number.isInteger(cfg.learningStarts) || cfg.learningStarts < 0)
      throw new RangeError(
        `${owner}: learningStarts must be a non-negative integer, got ${describe(cfg.learningStarts)}`,
      );
    if (!Number.isInteger(cfg.gradientSteps) || (cfg.gradientSteps < 1 && cfg.gradientSteps !== -1)) {
      throw new RangeError(
        `${owner}: gradientSteps must be a positive integer or -1 (one per env step), got ${describe(cfg.gradientSteps)}`,
      );
    }
    if (!(cfg.tau > 0 && cfg.tau <= 1))
      throw new RangeError(`${owner}: tau must be in (0, 1], got ${describe(cfg.tau)}`);
    if (!(cfg.gamma >= 0 && cfg.gamma <= 1))
      throw new RangeError(`${owner}: gamma must be in [0, 1], got ${describe(cfg.gamma)}`);
    if (!(cfg.maxGradNorm > 0))
      throw new RangeError(
        `${owner}: maxGradNorm must be positive (Infinity: no clipping), got ${describe(cfg.maxGradNorm)}`,
      );
    this.cfg = cfg;
    this.venv = makeVec(env, cfg.nEnvs, { autoreset: 'same-step', makeOptions: envKwargs, copy: false });
    const os = this.venv.singleObservationSpace,
      as = this.venv.singleActionSpace;
    if (!(os instanceof Box) || !(kind === 'Box' ? as instanceof Box : as instanceof Discrete)) {
      this.venv.close();
      throw new TypeError(
        `${owner} needs a Box observation space and a ${kind} action space; ${this.envId} has ${os} and ${as}`,
      );
    }
    this.obsDim = os.size;
    this.actDim = as instanceof Box ? as.size : 1;
    const { nStep, prioritized } = replay(cfg);
    const bufOpts = { capacity: cfg.bufferSize, obsDim: this.obsDim, actDim: this.actDim, storeDiscounts: true };
    this.buffer = prioritized ? new PrioritizedReplayBuffer({ ...bufOpts, ...prioritized }) : new ReplayBuffer(bufOpts);
    this.collector = new NStepCollector({
      numEnvs: cfg.nEnvs,
      n: nStep,
      gamma: cfg.gamma,
      obsDim: this.obsDim,
      actDim: this.actDim,
    });
    this.sample = this.buffer.createSample(cfg.batchSize);
    this.nextObsScratch = new Float32Array(cfg.nEnvs * this.obsDim);
    this.storedActions = new Float32Array(cfg.nEnvs * this.actDim);
  }

  get config(): Record<string, unknown> {
    return { ...this.cfg } as Record<string, unknown>;
  }

  /** Every network with its optimizer (targets included), in a fixed order: what checkpoints keep. */
  protected abstract networks(): NamedNet[];
  /**
   * The behaviour policy's actions for the `n` observations `obs` (n x obsDim): writes them as the buffer
   * stores them into `this.storedActions` and returns them as the env takes them.
   */
  protected abstract selectActions(obs: Float32Array, n: number, ctx: TrainContext): Int32Array | Float32Array;
  /** One gradient update on a batch drawn from the buffer; returns its statistics for the log. */
  protected abstract update(s: ReplaySample, step: number): Record<string, number>;
  /** Called after each round of updates (DQN's periodic target copies). */
  protected afterUpdates(_ctx: TrainContext): void {}
  /** Statistics of the iteration beyond the loop's own (DQN's epsilon). */
  protected iterationStats(): Record<string, number> {
    return {};
  }
  /** Called at the start of each episode of env i (noise processes reset). */
  protected onEpisodeStart(_env: number): void {}

  protected iteration(ctx: TrainContext): Record<string, number> {
    const cfg = this.cfg,
      N = cfg.nEnvs,
      D = this.obsDim;
    if (this.obs === null) {
      this.obs = Float32Array.from(this.venv.reset({ seed: this.rng.spawnSeed() }).obs as Float32Array);
      for (let i = 0; i < N; i++) this.onEpisodeStart(i);
    }
    const t0 = performance.now();
    let tEnv = 0;
    for (let k = 0; k < cfg.trainFreq; k++) {
      const actions = this.selectActions(this.obs, N, ctx);
      const te = performance.now();
      const r = this.venv.step(actions);
      tEnv += performance.now() - te;
      this.recordStep(ctx, r, N);
      const next = nextObservations(r.obs as Float32Array, r.info, D, this.nextObsScratch);
      checkFinite(next, `${this.name}: the env returned a non-finite observation`, ctx.numTimesteps);
      this.buffer.add(
        this.collector.push({
          obs: this.obs,
          actions: this.storedActions,
          rewards: r.rewards,
          terminated: r.terminated,
          truncated: r.truncated,
          nextObs: next,
        }),
      );
      this.obs.set(r.obs as Float32Array);
      for (let i = 0; i < N; i++) if (r.terminated[i] || r.truncated[i]) this.onEpisodeStart(i);
      if (ctx.stop) break;
    }
    const tCollect = performance.now() - t0;
    const tu = performance.now();
    // Each statistic is averaged over the updates that reported it (the actor's only come every policyDelay).
    const sums: Record<string, number> = {},
      counts: Record<string, number> = {};
    let updates = 0;
    if (ctx.numTimesteps >= cfg.learningStarts && this.buffer.canSample(cfg.batchSize)) {
      const steps = cfg.gradientSteps === -1 ? cfg.trainFreq * N : cfg.gradientSteps;
      for (let g = 0; g < steps; g++) {
        const stats = this.update(this.buffer.sample(cfg.batchSize, this.rng, this.sample), ctx.numTimesteps);
        this.updates++;
        updates++;
        for (const [key, v] of Object.entries(stats)) {
          sums[key] = (sums[key] ?? 0) + v;
          counts[key] = (counts[key] ?? 0) + 1;
        }
      }
    }
    this.afterUpdates(ctx);
    const out: Record<string, number> = this.iterationStats();
    for (const [key, v] of Object.entries(sums)) out[key] = v / counts[key];
    return {
      ...out,
      updates,
      buffer_size: this.buffer.size,
      time_env_ms: tEnv,
      time_inference_ms: tCollect - tEnv,
      time_update_ms: performance.now() - tu,
    };
  }

  protected stateArrays(): Record<string, StoredArray> {
    const arrays: Record<string, StoredArray> = {};
    for (const { name, net, optimizer } of this.networks()) {
      arrays[name] = net.params;
      if (optimizer) {
        arrays[`${name}.adam_m`] = optimizer.m[0];
        arrays[`${name}.adam_v`] = optimizer.v[0];
      }
    }
    for (const [k, v] of Object.entries(this.extraArrays())) arrays[k] = v;
    return { ...arrays, ...this.replayArrays() };
  }

  /**
   * The replay buffer's arrays (prefixed replay.) when the config keeps it in checkpoints, pending n-step windows
   * flushed.
   */
  protected replayArrays(): Record<string, StoredArray> {
    const arrays: Record<string, StoredArray> = {};
    if (!this.cfg.saveBuffer) return arrays;
    this.buffer.add(this.collector.flush());
    for (const [k, v] of Object.entries(this.buffer.toArrays())) arrays[`replay.${k}`] = v;
    return arrays;
  }

  /** Loads the buffer saved by replayArrays, when the config keeps it. */
  protected restoreReplay(ck: Checkpoint, dir: string): void {
    if (!this.cfg.saveBuffer) return;
    const replay: Record<string, StoredArray> = {};
    for (const [k, v] of Object.entries(ck.tensors)) if (k.startsWith('replay.')) replay[k.slice(7)] = v;
    if (Object.keys(replay).length === 0)
      throw new CheckpointError(`${dir}: the config keeps the replay buffer (saveBuffer) but the checkpoint has none`);
    this.buffer.loadArrays(replay, dir);
  }

  /** Arrays beyond the networks (SAC's log alpha and its optimizer moments). */
  protected extraArrays(): Record<string, StoredArray> {
    return {};
  }

  protected restoreExtra(_ck: Checkpoint, _dir: string): void {}

  protected override stateExtra(): Record<string, unknown> {
    const adamT: Record<string, number> = {};
    for (const { name, optimizer } of this.networks()) if (optimizer) adamT[name] = optimizer.t;
    return { adam_t: adamT, updates: this.updates };
  }

  restore(ck: Checkpoint, dir: string): void {
    const st = (ck.manifest.state ?? {}) as { adam_t?: Record<string, number>; updates?: number };
    for (const { name, net, optimizer } of this.networks()) {
      net.params.set(tensorOf(ck, name, Float32Array, net.numParams, dir));
      if (optimizer) {
        optimizer.m[0].set(tensorOf(ck, `${name}.adam_m`, Float32Array, net.numParams, dir));
        optimizer.v[0].set(tensorOf(ck, `${name}.adam_v`, Float32Array, net.numParams, dir));
        optimizer.t = st.adam_t?.[name] ?? 0;
      }
    }
    this.updates = st.updates ?? 0;
    this.restoreExtra(ck, dir);
    this.restoreReplay(ck, dir);
    this.restoreCommon(ck);
  }

  override close(): void {
    this.venv.close();
    for (const { net } of this.networks()) net.dispose();
  }
}

/** Throws a NonFiniteError naming the quantity and the step when x holds a NaN or an infinity. */
export function checkFinite(x: ArrayLike<number>, what: string, step: number, n = x.length): void {
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]))
      throw new NonFiniteError(
        `${what} (${x[i]} at index ${i}) at step ${step}; training stopped (the last checkpoint written is the last good one)`,
      );
  }
}
