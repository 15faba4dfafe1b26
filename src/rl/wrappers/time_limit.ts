/**
 * TimeLimit: sets `truncated = true` on the step where the episode reaches `maxEpisodeSteps` steps
 * (elapsed >= max, as the reference). The count restarts on every reset.
 */
import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.js';
import { describe } from '../core/rng.js';
import { Wrapper } from './wrapper.js';

export class TimeLimit<O, A> extends Wrapper<O, A> {
  readonly maxEpisodeSteps: number;
  /** Steps taken in the current episode. */
  elapsedSteps = 0;

  constructor(env: Env<O, A>, maxEpisodeSteps: number) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 1) {
      throw new TypeError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${describe(maxEpisodeSteps)}`);
    }
    this.maxEpisodeSteps = maxEpisodeSteps;
  }

  override reset(opts: ResetOptions = {}): ResetResult<O> {
    this.elapsedSteps = 0;
    return this.env.reset(opts);
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    if (++this.elapsedSteps >= this.maxEpisodeSteps) r.truncated = true;
    return r;
  }
}
