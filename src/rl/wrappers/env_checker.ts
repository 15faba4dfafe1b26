/**
 * EnvChecker: the order and contract checker that `make()` puts around every env (outermost, so it also sees
 * truncation by TimeLimit). It turns misuse into clear errors instead of silent nonsense:
 * - `step()` or `render()` before the first `reset()`;
 * - `step()` after the episode ended (terminated or truncated) without a `reset()`;
 * - an action outside the action space (the error names the space and the value).
 * The first reset and first step are also checked against the contract (observation in its space, info an
 * object, reward a number, flags booleans), as the reference's passive checker does. Later steps check only
 * the cheap things, so the wrapper costs a few nanoseconds per step.
 */
import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.js';
import { describe } from '../core/rng.js';
import { Wrapper } from './wrapper.js';

export class ResetNeededError extends Error {
  override name = 'ResetNeededError';
}

export class InvalidActionError extends TypeError {
  override name = 'InvalidActionError';
}

export class EnvContractError extends Error {
  override name = 'EnvContractError';
}

export class EnvChecker<O, A> extends Wrapper<O, A> {
  private hasReset = false;
  private episodeOver = false;
  private checkedStep = false;

  private get envName(): string {
    return this.spec?.id ?? this.unwrapped.constructor.name;
  }

  override reset(opts: ResetOptions = {}): ResetResult<O> {
    if (opts === null || typeof opts !== 'object') {
      throw new TypeError(`${this.envName}: reset() takes an object {seed?, options?}, got ${describe(opts)}`);
    }
    const r = this.env.reset(opts);
    if (!this.hasReset) {
      if (r === null || typeof r !== 'object' || !('obs' in r)) {
        throw new EnvContractError(`${this.envName}: reset() must return {obs, info}, got ${describe(r)}`);
      }
      if (!this.observationSpace.contains(r.obs)) {
        throw new EnvContractError(
          `${this.envName}: reset() returned observation ${describe(r.obs)} which is not in ${this.observationSpace}`,
        );
      }
      if (r.info === null || typeof r.info !== 'object') {
        throw new EnvContractError(`${this.envName}: reset() must return an info object, got ${describe(r.info)}`);
      }
    }
    this.hasReset = true;
    this.episodeOver = false;
    return r;
  }

  override step(action: A): StepResult<O> {
    if (!this.hasReset) {
      throw new ResetNeededError(`${this.envName}: step() called before reset(); call reset() first`);
    }
    if (this.episodeOver) {
      throw new ResetNeededError(
        `${this.envName}: step() called after the episode ended (terminated or truncated); call reset() first`,
      );
    }
    if (!this.actionSpace.contains(action)) {
      throw new InvalidActionError(
        `${this.envName}: action ${describe(action)} is not in the action space ${this.actionSpace}`,
      );
    }
    const r = this.env.step(action);
    if (!this.checkedStep) this.checkFirstStep(r);
    if (r.terminated || r.truncated) this.episodeOver = true;
    return r;
  }

  private checkFirstStep(r: StepResult<O>): void {
    if (r === null || typeof r !== 'object') {
      throw new EnvContractError(
        `${this.envName}: step() must return {obs, reward, terminated, truncated, info}, got ${describe(r)}`,
      );
    }
    if (typeof r.reward !== 'number' || Number.isNaN(r.reward)) {
      throw new EnvContractError(`${this.envName}: step() returned reward ${describe(r.reward)}; expected a number`);
    }
    if (typeof r.terminated !== 'boolean' || typeof r.truncated !== 'boolean') {
      throw new EnvContractError(
        `${this.envName}: step() returned terminated=${describe(r.terminated)}, truncated=${describe(r.truncated)}; expected booleans`,
      );
    }
    if (!this.observationSpace.contains(r.obs)) {
      throw new EnvContractError(
        `${this.envName}: step() returned observation ${describe(r.obs)} which is not in ${this.observationSpace}`,
      );
    }
    if (r.info === null || typeof r.info !== 'object') {
      throw new EnvContractError(`${this.envName}: step() must return an info object, got ${describe(r.info)}`);
    }
    this.checkedStep = true;
  }

  override render(): string | null {
    if (!this.hasReset)
      throw new ResetNeededError(`${this.envName}: render() called before reset(); call reset() first`);
    return this.env.render();
  }
}

/** Wraps `env` in the checker (a convenience for envs built without `make`). */
export function withChecker<O, A>(env: Env<O, A>): EnvChecker<O, A> {
  return new EnvChecker(env);
}
