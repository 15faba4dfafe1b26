/**
 * What the Algorithm contract takes and gives back: the options and results of `learn`, `predict` and
 * `evaluate`, and where an episode starts (`EpisodeStart`, `StartSource`). Apart from algorithm.ts so that code
 * that only passes these around (the CLI, callbacks, benchmarks) need not import the training loop.
 */
import type { ResetOptions } from '../core/env.js';
import type { Rng } from '../core/rng.js';
import type { Callback } from './context.js';
import type { Logger } from './logger.js';

export interface LearnOptions {
  totalSteps: number;
  callbacks?: Callback[];
  logger?: Logger;
  /** Mean return of the last 20 episodes that counts as solved (default: the env's reward threshold). */
  target?: number | null;
}

export interface TrainResult {
  steps: number;
  wall_s: number;
  sps: number;
  solved_step: number | null;
  solved_s: number | null;
  final_mean_return: number | null;
  episodes: number;
}

export interface PredictOptions {
  deterministic?: boolean;
  /** For envs that put `action_mask` in their info. */
  actionMask?: ArrayLike<number>;
}

/** Where an episode starts: the arguments of `env.reset` (a seed, and env options, e.g. `{options: {workload}}`). */
export type EpisodeStart = ResetOptions;

/**
 * The start of the `index`-th episode (or group of episodes), counted from 0: over the algorithm's training
 * life (a resumed run goes on counting), or over the episodes of one `evaluate` call. `rng` is the algorithm's
 * generator, for sources that draw seeds or options.
 */
export type StartSource = (index: number, rng: Rng) => EpisodeStart;

/** What `runEpisode` reports about the episode it ran. */
export interface EpisodeSummary {
  return: number;
  length: number;
  /** The episode was cut (by the env's step limit or the runner's cap), not terminated. */
  truncated: boolean;
}

export interface EvaluateOptions {
  deterministic?: boolean;
  /** Episode e is reset with seed `seed + e` (default seed 1,000,000). */
  seed?: number;
  /** Step cap for envs without a step limit (default 10,000). */
  maxSteps?: number;
  /** Where episode e starts (e.g. one workload per episode); a start without a seed gets `seed + e`. */
  starts?: StartSource;
}

export interface EvalResult {
  returns: number[];
  lengths: number[];
  /** 1 where the episode was cut by the step cap. */
  truncated: number[];
  mean_return: number;
  std_return: number;
}
