/** GRPO's hyperparameters (grpo.ts explains them in the algorithm), their defaults and their checks. */
import { describe } from '../core/rng.js';
import type { Schedule } from '../nn/adam.js';
import type { Activation } from '../nn/mlp.js';

export interface GRPOConfig {
  /** G: episodes per prompt (at least 2: the advantage compares the episodes of a group). */
  groupSize: number;
  /** P: prompts (groups) per iteration. */
  promptsPerIteration: number;
  /** c: the probability ratio is clipped to [1 - c, 1 + c]. */
  clipRange: number;
  /** beta: weight of the k3 KL penalty to the reference policy (0: none). */
  klCoef: number;
  /** Passes over the iteration's episodes. */
  updateEpochs: number;
  /** Episodes per minibatch (null: all the iteration's episodes, one gradient step per epoch). */
  minibatchSize: number | null;
  lr: number;
  lrSchedule: Schedule;
  maxGradNorm: number;
  /**
   * Copy the current policy into the reference every this many iterations (null: the initial policy stays the
   * reference).
   */
  refUpdateInterval: number | null;
  /** eps of the advantage's denominator. */
  advEps: number;
  hidden: number[];
  activation: Activation;
  backend: 'auto' | 'native' | 'tfjs' | 'js';
  seed: number;
}

export const GRPO_DEFAULTS: GRPOConfig = {
  groupSize: 8,
  promptsPerIteration: 4,
  clipRange: 0.2,
  klCoef: 0.04,
  updateEpochs: 4,
  minibatchSize: 8,
  lr: 1e-3,
  lrSchedule: 'constant',
  maxGradNorm: 1,
  refUpdateInterval: null,
  advEps: 1e-8,
  hidden: [64, 64],
  activation: 'tanh',
  backend: 'auto',
  seed: 1,
};

/** RangeErrors naming the first bad hyperparameter. */
export function checkConfig(c: GRPOConfig): void {
  const bad = (name: string, want: string, v: unknown) =>
    new RangeError(`grpo: ${name} must be ${want}, got ${describe(v)}`);
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!Number.isInteger(c.groupSize) || c.groupSize < 2)
    throw bad('groupSize', 'an integer >= 2 (the advantage compares the episodes of a group)', c.groupSize);
  if (!posInt(c.promptsPerIteration)) throw bad('promptsPerIteration', 'a positive integer', c.promptsPerIteration);
  if (!(typeof c.clipRange === 'number' && c.clipRange > 0 && c.clipRange < 1))
    throw bad('clipRange', 'a number in (0, 1)', c.clipRange);
  if (!(typeof c.klCoef === 'number' && c.klCoef >= 0 && Number.isFinite(c.klCoef)))
    throw bad('klCoef', 'a finite number >= 0', c.klCoef);
  if (!posInt(c.updateEpochs)) throw bad('updateEpochs', 'a positive integer', c.updateEpochs);
  if (c.minibatchSize !== null && !posInt(c.minibatchSize))
    throw bad('minibatchSize', 'a positive integer (episodes) or null (all)', c.minibatchSize);
  if (!(typeof c.lr === 'number' && c.lr > 0 && Number.isFinite(c.lr))) throw bad('lr', 'a positive number', c.lr);
  if (c.lrSchedule !== 'constant' && c.lrSchedule !== 'linear')
    throw bad('lrSchedule', "'constant' or 'linear'", c.lrSchedule);
  if (!(typeof c.maxGradNorm === 'number' && c.maxGradNorm > 0))
    throw bad('maxGradNorm', 'a positive number (Infinity: no clipping)', c.maxGradNorm);
  if (c.refUpdateInterval !== null && !posInt(c.refUpdateInterval))
    throw bad(
      'refUpdateInterval',
      'a positive integer or null (the reference stays the initial policy)',
      c.refUpdateInterval,
    );
  if (!(typeof c.advEps === 'number' && c.advEps >= 0 && Number.isFinite(c.advEps)))
    throw bad('advEps', 'a finite number >= 0', c.advEps);
  if (!Array.isArray(c.hidden) || !c.hidden.every(posInt))
    throw bad('hidden', 'an array of positive integer layer widths', c.hidden);
}
