/** The state of one `learn()` call that the loop, the algorithm and the callbacks share. */
import type { Algorithm } from './algorithm.js';
import type { Callback } from './callbacks.js';
import type { Logger } from './logger.js';

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
  algorithm: Algorithm | null;
  /** The callbacks of this learn() call (recordStep and addEpisode fire the per-step and per-episode ones). */
  callbacks: Callback[];
}

export const SOLVE_WINDOW = 20;
