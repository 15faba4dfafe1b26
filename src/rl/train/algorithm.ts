/**
 * Algorithm: the contract every learner of `src/rl/algos` implements, and the training loop they all share.
 *
 *   const algo = new PPO('CartPole-v1', { seed: 1 });
 *   const result = await algo.learn({ totalSteps: 100_000, callbacks: [...] });
 *   const action = algo.predict(obs, { deterministic: true });
 *   algo.save('runs/ppo');  const again = await loadAlgorithm('runs/ppo');
 *
 * The loop (`learn`) repeats `iteration()` until the step budget is spent or a callback stops it. An
 * iteration is whatever the method does between two updates: an on-policy rollout and its epochs, one step
 * and one TD update, one sweep of dynamic programming (which takes no env step, and stops itself by setting
 * `ctx.stop` on convergence), or a set of whole episodes and their update (REINFORCE-style methods, GRPO).
 * Algorithms report env steps through `recordStep`, which keeps the step count, the recent episode returns,
 * the solved step and time, the episode log and the per-step callbacks.
 *
 * Where an episode starts is part of the contract: an `EpisodeStart` is the arguments of `env.reset` (a seed,
 * and env options such as `{workload}`), and a `StartSource` gives the start of the i-th episode (or group of
 * episodes). `runEpisode` runs one whole episode of a single env from a given start and records it like any
 * training step; methods that learn from episodes that share a start (GRPO samples a group of episodes per
 * start, its "prompt") and evaluation (`evaluate(n, {starts})`) both use it.
 *
 * The env is a registered id or an env factory (registry.ts's EnvSource, as Stable-Baselines3 algorithms take
 * an id or an env): every env the algorithm makes (training, evaluation, the reward threshold) comes from it.
 * Checkpoints record the id only, so a checkpoint of an algorithm made from a factory needs the factory again
 * to load (`loadAlgorithm(dir, {env})`).
 */
import type { Env, Info } from '../core/env.js';
import { envIdOf, make, type EnvSource, type MakeOptions } from '../core/registry.js';
import { describe, Rng } from '../core/rng.js';
import type { VectorEnv, VectorStepResult } from '../vector/vector_env.js';
import { CheckpointError, writeCheckpoint, type Checkpoint, type StoredArray } from './checkpoint.js';
import { SOLVE_WINDOW, type LearningAlgorithm, type TrainContext } from './context.js';
import { Logger } from './logger.js';
import type {
  EpisodeStart,
  EpisodeSummary,
  EvalResult,
  EvaluateOptions,
  LearnOptions,
  PredictOptions,
  TrainResult,
} from './options.js';
import { registerBuiltinEnvs } from '../envs/builtin.js';

registerBuiltinEnvs(); // algorithms train on env ids: the reference envs must be known even without `rltune`'s index

export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

export abstract class Algorithm implements LearningAlgorithm {
  abstract readonly name: string;
  /** Where the algorithm's envs come from (an id or a factory). */
  readonly envSource: EnvSource;
  /** Env id the algorithm trains on (the name checkpoints record). */
  readonly envId: string;
  readonly envKwargs: MakeOptions;
  numTimesteps = 0;
  episodes = 0;
  readonly rng: Rng;
  protected readonly recentReturns: number[] = [];
  protected readonly recentLengths: number[] = [];
  private ctx: TrainContext | null = null;

  protected constructor(env: EnvSource, envKwargs: MakeOptions, seed: number) {
    this.envSource = env;
    this.envId = envIdOf(env);
    this.envKwargs = envKwargs;
    this.rng = new Rng(seed);
  }

  /** The hyperparameters, as saved in checkpoints. */
  abstract get config(): Record<string, unknown>;
  /** One collect-and-update round; returns statistics for the log (losses, entropy, ...). */
  protected abstract iteration(ctx: TrainContext): Record<string, number> | Promise<Record<string, number>>;
  /** The action for one observation. */
  abstract predict(obs: unknown, opts?: PredictOptions): unknown;
  /** Every array a checkpoint must keep. */
  protected abstract stateArrays(): Record<string, StoredArray>;
  /** Restores what `stateArrays` and `stateExtra` saved. */
  abstract restore(ck: Checkpoint, dir: string): void;
  /** JSON-able state beyond the arrays (RNG states, counters). */
  protected stateExtra(): Record<string, unknown> {
    return {};
  }
  /** One env of the algorithm's source, made with its kwargs and `overrides`. */
  protected makeEnv(overrides: MakeOptions = {}): Env {
    return make(this.envSource, { ...this.envKwargs, ...overrides });
  }

  /** Frees the algorithm's envs and networks. */
  close(): void {}

  async learn(opts: LearnOptions): Promise<TrainResult> {
    if (!Number.isSafeInteger(opts.totalSteps) || opts.totalSteps < 0) {
      throw new TypeError(
        `${this.name}.learn: totalSteps must be a non-negative integer, got ${describe(opts.totalSteps)}`,
      );
    }
    const callbacks = opts.callbacks ?? [];
    const logger = opts.logger ?? new Logger(null);
    const target = opts.target !== undefined ? opts.target : this.defaultTarget();
    const ctx: TrainContext = {
      numTimesteps: this.numTimesteps,
      startTimesteps: this.numTimesteps,
      totalSteps: opts.totalSteps,
      startTime: performance.now(),
      logger,
      recentReturns: this.recentReturns,
      recentLengths: this.recentLengths,
      episodes: this.episodes,
      target,
      solvedStep: null,
      solvedSeconds: null,
      stop: false,
      callbacks,
      algorithm: this,
    };
    this.ctx = ctx;
    for (const cb of callbacks) cb.onTrainingStart?.(ctx);
    this.checkSolved(ctx);
    while (ctx.numTimesteps < opts.totalSteps && !ctx.stop) {
      const before = ctx.numTimesteps;
      const t0 = performance.now();
      const stats = await this.iteration(ctx);
      this.numTimesteps = ctx.numTimesteps;
      for (const [k, v] of Object.entries(stats)) {
        if (!Number.isFinite(v))
          throw new NonFiniteError(
            `${this.name}: ${k} is ${v} at step ${ctx.numTimesteps}; training stopped (the last checkpoint written is the last good one)`,
          );
      }
      const elapsed = (performance.now() - ctx.startTime) / 1000;
      const sps = (ctx.numTimesteps - before) / Math.max(1e-9, (performance.now() - t0) / 1000);
      logger.log({ event: 'update', step: ctx.numTimesteps, time_s: elapsed, sps: Math.round(sps), ...stats });
      for (const cb of callbacks) {
        if ((await cb.onIterationEnd?.(ctx, stats)) === false) ctx.stop = true;
      }
    }
    for (const cb of callbacks) await cb.onTrainingEnd?.(ctx);
    this.ctx = null;
    const wall = (performance.now() - ctx.startTime) / 1000;
    const last = this.recentReturns.slice(-SOLVE_WINDOW);
    return {
      steps: ctx.numTimesteps,
      wall_s: round(wall),
      sps: Math.round((ctx.numTimesteps - ctx.startTimesteps) / Math.max(wall, 1e-9)),
      solved_step: ctx.solvedStep,
      solved_s: ctx.solvedSeconds === null ? null : round(ctx.solvedSeconds),
      final_mean_return: last.length ? last.reduce((a, b) => a + b, 0) / last.length : null,
      episodes: this.episodes,
    };
  }

  /** The env's reward threshold, if it has one. */
  protected defaultTarget(): number | null {
    let env: Env;
    try {
      env = this.makeEnv({ disableEnvChecker: true });
    } catch {
      return null;
    }
    const threshold = env.spec?.rewardThreshold ?? null;
    env.close();
    return threshold;
  }

  /**
   * Counts one vector-env step: `n` env steps, the episodes it finished (from `info.episode`), the solved
   * check and the per-step callbacks. Checks rewards for NaN/infinity.
   */
  protected recordStep(ctx: TrainContext, r: VectorStepResult<unknown>, n: number): void {
    ctx.numTimesteps += n;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(r.rewards[i]))
        throw new NonFiniteError(`${this.name}: env ${i} returned reward ${r.rewards[i]} at step ${ctx.numTimesteps}`);
    }
    const ep = r.info.episode as { r: Float64Array; l: Int32Array } | undefined;
    if (ep) {
      const mask = r.info._episode as Uint8Array;
      for (let i = 0; i < n; i++) {
        if (mask[i]) this.addEpisode(ctx, ep.r[i], ep.l[i], i);
      }
    }
    for (const cb of ctx.callbacks) if (cb.onStep?.(ctx) === false) ctx.stop = true;
  }

  /** Counts one env step of a single-env algorithm: the reward check and the per-step callbacks. */
  protected recordSingleStep(ctx: TrainContext, reward: number): void {
    ctx.numTimesteps += 1;
    if (!Number.isFinite(reward))
      throw new NonFiniteError(`${this.name}: the env returned reward ${reward} at step ${ctx.numTimesteps}`);
    for (const cb of ctx.callbacks) if (cb.onStep?.(ctx) === false) ctx.stop = true;
  }

  /** Counts one finished episode (single-env algorithms call it directly) and fires onEpisodeEnd. */
  protected addEpisode(ctx: TrainContext, ret: number, len: number, env = 0): void {
    for (const cb of ctx.callbacks) cb.onEpisodeEnd?.(ctx, { env, return: ret, length: len });
    this.episodes++;
    ctx.episodes = this.episodes;
    this.recentReturns.push(ret);
    this.recentLengths.push(len);
    if (this.recentReturns.length > 100) {
      this.recentReturns.shift();
      this.recentLengths.shift();
    }
    ctx.logger.log({
      event: 'episode',
      step: ctx.numTimesteps,
      time_s: (performance.now() - ctx.startTime) / 1000,
      return: ret,
      length: len,
    });
    this.checkSolved(ctx);
  }

  private checkSolved(ctx: TrainContext): void {
    if (ctx.solvedStep !== null || ctx.target === null || this.recentReturns.length < SOLVE_WINDOW) return;
    const last = this.recentReturns.slice(-SOLVE_WINDOW);
    if (last.reduce((a, b) => a + b, 0) / SOLVE_WINDOW >= ctx.target) {
      ctx.solvedStep = ctx.numTimesteps;
      ctx.solvedSeconds = (performance.now() - ctx.startTime) / 1000;
      ctx.logger.log({ event: 'solved', step: ctx.numTimesteps, time_s: ctx.solvedSeconds, target: ctx.target });
    }
  }

  /**
   * Runs one episode of `env` from `start` to its end, the action of each step being `act(obs, info)` (info
   * carries `action_mask` where the env has one). It ends when the env terminates or truncates it, or after
   * `cap` steps (then it counts as truncated). With a training context `ctx`, every step is recorded as a
   * training step (`recordSingleStep`: the step count, the reward check, onStep) and the episode as a finished
   * one (`addEpisode`, as env `slot`); without one (evaluation) nothing is recorded.
   */
  protected runEpisode(
    env: Env,
    start: EpisodeStart,
    act: (obs: unknown, info: Info) => unknown,
    opts: { cap: number; ctx?: TrainContext; slot?: number },
  ): EpisodeSummary {
    let { obs, info } = env.reset(start);
    let ret = 0,
      len = 0,
      truncated = false;
    for (;;) {
      const r = env.step(act(obs, info));
      if (opts.ctx) this.recordSingleStep(opts.ctx, r.reward);
      ret += r.reward;
      len++;
      obs = r.obs;
      info = r.info;
      if (r.terminated) break;
      if (r.truncated || len >= opts.cap) {
        truncated = true;
        break;
      }
    }
    if (opts.ctx) this.addEpisode(opts.ctx, ret, len, opts.slot ?? 0);
    return { return: ret, length: len, truncated };
  }

  /**
   * Runs `episodes` episodes with the policy on a fresh env (seeded `seed`, `seed + 1`, ..., or started where
   * `starts` says), capped at the env's step limit or `maxSteps` (10,000 where the env has none); a capped
   * episode counts as truncated.
   */
  evaluate(episodes: number, opts: EvaluateOptions = {}): EvalResult {
    // Evaluation must not change training: the generator (tie-breaking, exploration) is put back afterwards.
    const rngState = this.rng.getState();
    try {
      return this.runEpisodes(episodes, opts);
    } finally {
      this.rng.setState(rngState);
    }
  }

  private runEpisodes(episodes: number, opts: EvaluateOptions): EvalResult {
    const env = this.makeEnv();
    const cap = env.spec?.maxEpisodeSteps ?? opts.maxSteps ?? 10_000;
    const returns: number[] = [],
      lengths: number[] = [],
      truncated: number[] = [];
    const seed = opts.seed ?? 1_000_000;
    const deterministic = opts.deterministic ?? true;
    const act = (obs: unknown, info: Info) =>
      this.predict(obs, { deterministic, actionMask: info.action_mask as ArrayLike<number> | undefined });
    try {
      for (let e = 0; e < episodes; e++) {
        const start = opts.starts ? opts.starts(e, this.rng) : {};
        const ep = this.runEpisode(env, { ...start, seed: start.seed ?? seed + e }, act, { cap });
        returns.push(ep.return);
        lengths.push(ep.length);
        truncated.push(ep.truncated ? 1 : 0);
      }
    } finally {
      env.close();
    }
    const m = returns.reduce((a, b) => a + b, 0) / Math.max(1, returns.length);
    const sd = Math.sqrt(returns.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, returns.length));
    return { returns, lengths, truncated, mean_return: m, std_return: sd };
  }

  /** Writes a checkpoint directory (see checkpoint.ts). */
  save(dir: string): string {
    return writeCheckpoint(
      dir,
      {
        algo: this.name,
        env: this.envId,
        env_kwargs: { ...this.envKwargs },
        config: this.config,
        num_timesteps: this.numTimesteps,
        state: {
          episodes: this.episodes,
          rng: this.rng.getState(),
          recent_returns: [...this.recentReturns],
          recent_lengths: [...this.recentLengths],
          ...this.stateExtra(),
        },
      },
      this.stateArrays(),
    );
  }

  /** Restores the loop's own state from a checkpoint (algorithms call it from `restore`). */
  protected restoreCommon(ck: Checkpoint): void {
    if (!Number.isSafeInteger(ck.manifest.num_timesteps) || ck.manifest.num_timesteps < 0) {
      throw new CheckpointError(
        `checkpoint: num_timesteps is ${describe(ck.manifest.num_timesteps)}, expected a non-negative integer`,
      );
    }
    this.numTimesteps = ck.manifest.num_timesteps;
    const s = (ck.manifest.state ?? {}) as {
      episodes?: number;
      rng?: number[];
      recent_returns?: number[];
      recent_lengths?: number[];
    };
    this.episodes = s.episodes ?? 0;
    if (s.rng) this.rng.setState(s.rng as never);
    this.recentReturns.splice(0, this.recentReturns.length, ...(s.recent_returns ?? []));
    this.recentLengths.splice(0, this.recentLengths.length, ...(s.recent_lengths ?? []));
  }

  /** The context of the `learn()` call in progress (null outside one). */
  protected get training(): TrainContext | null {
    return this.ctx;
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export type { VectorEnv };
export type * from './options.js';
