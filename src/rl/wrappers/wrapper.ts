/**
 * Wrapper: an Env that holds another env and changes part of its behaviour (Gymnasium's `Wrapper`).
 * By default every call and attribute is forwarded; `observationSpace`/`actionSpace` can be replaced by
 * assigning them in a subclass constructor. `ObservationWrapper`, `ActionWrapper` and `RewardWrapper` change
 * just one thing each.
 */
import { Env, type ResetOptions, type ResetResult, type StepResult } from '../core/env.js';
import type { Rng } from '../core/rng.js';
import type { Space } from '../core/spaces/index.js';

export class Wrapper<O = unknown, A = unknown, WO = O, WA = A> extends Env<WO, WA> {
  readonly env: Env<O, A>;
  private obsSpaceOverride: Space<WO> | null = null;
  private actSpaceOverride: Space<WA> | null = null;

  constructor(env: Env<O, A>) {
    super();
    if (!(env instanceof Env)) throw new TypeError(`${new.target.name}: expected an Env to wrap, got ${String(env)}`);
    this.env = env;
    // Copied, not forwarded: they are fixed once the inner env is built (make() sets spec before wrapping).
    this.metadata = env.metadata;
    this.renderMode = env.renderMode;
    this.spec = env.spec;
  }

  get observationSpace(): Space<WO> {
    return this.obsSpaceOverride ?? (this.env.observationSpace as unknown as Space<WO>);
  }
  set observationSpace(space: Space<WO>) {
    this.obsSpaceOverride = space;
  }
  get actionSpace(): Space<WA> {
    return this.actSpaceOverride ?? (this.env.actionSpace as unknown as Space<WA>);
  }
  set actionSpace(space: Space<WA>) {
    this.actSpaceOverride = space;
  }

  override get rng(): Rng {
    return this.env.rng;
  }

  override reset(opts: ResetOptions = {}): ResetResult<WO> {
    return this.env.reset(opts) as unknown as ResetResult<WO>;
  }

  step(action: WA): StepResult<WO> {
    return this.env.step(action as unknown as A) as unknown as StepResult<WO>;
  }

  override render(): string | null {
    return this.env.render();
  }

  override close(): void {
    this.env.close();
  }

  override get unwrapped(): Env {
    return this.env.unwrapped;
  }

  override toString(): string {
    return `<${this.constructor.name}${this.env.toString()}>`;
  }
}

/** Changes observations only: override `observation(obs)`. */
export abstract class ObservationWrapper<O, A, WO> extends Wrapper<O, A, WO, A> {
  abstract observation(obs: O): WO;

  override reset(opts: ResetOptions = {}): ResetResult<WO> {
    const r = this.env.reset(opts);
    return { obs: this.observation(r.obs), info: r.info };
  }

  override step(action: A): StepResult<WO> {
    const r = this.env.step(action) as unknown as StepResult<WO>;
    r.obs = this.observation(r.obs as unknown as O);
    return r;
  }
}

/** Changes actions only: override `action(act)`, mapping the wrapper's action to the inner env's. */
export abstract class ActionWrapper<O, A, WA> extends Wrapper<O, A, O, WA> {
  abstract action(act: WA): A;

  override step(action: WA): StepResult<O> {
    return this.env.step(this.action(action));
  }
}

/** Changes rewards only: override `reward(r)`. */
export abstract class RewardWrapper<O, A> extends Wrapper<O, A> {
  abstract reward(r: number): number;

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    r.reward = this.reward(r.reward);
    return r;
  }
}

/** Walks down the wrapper chain; returns the first layer that is an instance of `cls`, or null. */
export function findWrapper<T>(env: Env, cls: abstract new (...args: never[]) => T): T | null {
  let e: Env = env;
  for (;;) {
    if (e instanceof cls) return e;
    if (e instanceof Wrapper) e = e.env;
    else return null;
  }
}
