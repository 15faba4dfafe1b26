/** The state of one `learn()` call that the loop, the algorithm and the callbacks share. */
import type { Logger } from './logger.js';

/**
 * What the callbacks use of the learning algorithm (Algorithm implements it). An interface here, not Algorithm
 * itself, so that the context, the callbacks and the algorithm do not import one another in a circle.
 */
export interface LearningAlgorithm {
  evaluate(episodes: number, opts: { deterministic: boolean }): { mean_return: number; std_return: number };
  save(dir: string): string;
}

export interface EpisodeInfo {
  /** Index of the env in the vector env. */
  env: number;
  return: number;
  length: number;
}

/**
 * Hooks of the shared training loop (callbacks.ts has the standard ones, Stable-Baselines3's idea). Each is
 * optional; returning `false` from `onStep` or `onIterationEnd` stops training after the current iteration.
 */
export interface Callback {
  onTrainingStart?(ctx: TrainContext): void;
  onStep?(ctx: TrainContext): boolean | void;
  onEpisodeEnd?(ctx: TrainContext, episode: EpisodeInfo): void;
  onIterationEnd?(ctx: TrainContext, stats: Record<string, number>): boolean | void | Promise<boolean | void>;
  onTrainingEnd?(ctx: TrainContext): void | Promise<void>;
}

export interface TrainContext {
  /** Env steps taken so far (summed over the vector env's copies), across resumed runs. */
  numTimesteps: number;
  /** Env steps at the start of this learn() call (non-zero when resuming). */
  startTimesteps: number;
  totalSteps: number;
  /** performance.now() when learning started. */
  startTime: number;
  logger: Logger;
  /** Returns of the most recent finished episodes (the last 100). */
  recentReturns: number[];
  recentLengths: number[];
  episodes: number;
  /** Mean return of the last 20 episodes must reach this to count as solved (null: no target). */
  target: number | null;
  solvedStep: number | null;
  solvedSeconds: number | null;
  /** Set by a callback or the algorithm to stop after the current iteration. */
  stop: boolean;
  /** The algorithm that is learning. */
  algorithm: LearningAlgorithm | null;
  /** The callbacks of this learn() call (recordStep and addEpisode fire the per-step and per-episode ones). */
  callbacks: Callback[];
}

export const SOLVE_WINDOW = 20;
