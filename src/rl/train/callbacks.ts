/**
 * Callbacks of the shared training loop (Stable-Baselines3's idea, small and separate). Each hook is optional;
 * returning `false` from `onStep` or `onIterationEnd` stops training after the current iteration.
 *
 * Hooks, in order: onTrainingStart, then per env step onStep (and onEpisodeEnd for every finished episode),
 * then onIterationEnd after each collect-and-update iteration (a rollout for on-policy methods, a sweep for
 * dynamic programming), and onTrainingEnd.
 */
import type { Callback, TrainContext } from './context.js';

export type { Callback, EpisodeInfo } from './context.js';

/**
 * Stops when the mean return of the last `window` finished episodes reaches `threshold` (the env's reward
 * threshold or a user target). The loop records the first such step as `solved_step` either way; this
 * callback only adds the stop.
 */
export class StopOnRewardThreshold implements Callback {
  constructor(
    readonly threshold: number,
    readonly window = 20,
  ) {}

  onIterationEnd(ctx: TrainContext): boolean {
    return !(ctx.recentReturns.length >= this.window && mean(ctx.recentReturns.slice(-this.window)) >= this.threshold);
  }
}

/** Calls `fn` every `everySteps` env steps (at the end of the iteration that crosses the mark). */
export class EveryNSteps implements Callback {
  private next: number;

  constructor(
    readonly everySteps: number,
    private readonly fn: (ctx: TrainContext) => void | Promise<void>,
  ) {
    this.next = everySteps;
  }

  onTrainingStart(ctx: TrainContext): void {
    this.next = ctx.numTimesteps + this.everySteps;
  }

  async onIterationEnd(ctx: TrainContext): Promise<void> {
    if (ctx.numTimesteps >= this.next) {
      this.next = ctx.numTimesteps + this.everySteps;
      await this.fn(ctx);
    }
  }
}

export function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return xs.length ? s / xs.length : NaN;
}

/**
 * Evaluates the deterministic policy over `episodes` episodes every `everySteps` env steps (on its own env,
 * without disturbing training), logs an 'eval' record and keeps the results in `history`.
 */
export class EvalCallback extends EveryNSteps {
  readonly history: { step: number; mean_return: number; std_return: number }[] = [];

  constructor(
    everySteps: number,
    readonly episodes = 10,
  ) {
    super(everySteps, (ctx) => {
      const algo = ctx.algorithm;
      if (!algo) return;
      const r = algo.evaluate(this.episodes, { deterministic: true });
      this.history.push({ step: ctx.numTimesteps, mean_return: r.mean_return, std_return: r.std_return });
      ctx.logger.log({
        event: 'eval',
        step: ctx.numTimesteps,
        time_s: (performance.now() - ctx.startTime) / 1000,
        episodes: this.episodes,
        mean_return: r.mean_return,
        std_return: r.std_return,
      });
    });
  }
}

/** Writes a checkpoint into `dir` every `everySteps` env steps (the last one written is the last good one). */
export class CheckpointCallback extends EveryNSteps {
  constructor(
    everySteps: number,
    readonly dir: string,
  ) {
    super(everySteps, (ctx) => {
      ctx.algorithm?.save(dir);
      ctx.logger.log({
        event: 'checkpoint',
        step: ctx.numTimesteps,
        time_s: (performance.now() - ctx.startTime) / 1000,
        dir,
      });
    });
  }
}
