/**
 * FlattenObservation: observations become one flat typed array (`space.flatten`), the space `flattenSpace(space)`.
 * TransformObservation: applies `fn` to each observation; give the new space when `fn` changes it.
 * TransformReward: applies `fn` to each reward.
 */
import type { Env } from '../core/env.js';
import { type Space, type FlatArray, type BoxValue, flattenSpace } from '../core/spaces/index.js';
import { ObservationWrapper, RewardWrapper } from './wrapper.js';

export class FlattenObservation<O, A> extends ObservationWrapper<O, A, BoxValue> {
  private readonly inner: Space<O>;
  private readonly dim: number;
  private readonly f32: boolean;

  constructor(env: Env<O, A>) {
    super(env);
    this.inner = env.observationSpace;
    const flat = flattenSpace(this.inner);
    this.observationSpace = flat;
    this.dim = flat.size;
    this.f32 = flat.dtype === 'float32';
  }

  observation(obs: O): BoxValue {
    const out: FlatArray = this.f32 ? new Float32Array(this.dim) : new Float64Array(this.dim);
    return this.inner.flatten(obs, out, 0);
  }
}

export class TransformObservation<O, A, WO> extends ObservationWrapper<O, A, WO> {
  private readonly fn: (obs: O) => WO;

  constructor(env: Env<O, A>, fn: (obs: O) => WO, observationSpace?: Space<WO>) {
    super(env);
    if (typeof fn !== 'function') throw new TypeError('TransformObservation: fn must be a function');
    this.fn = fn;
    if (observationSpace) this.observationSpace = observationSpace;
  }

  observation(obs: O): WO {
    return this.fn(obs);
  }
}

export class TransformReward<O, A> extends RewardWrapper<O, A> {
  private readonly fn: (r: number) => number;

  constructor(env: Env<O, A>, fn: (r: number) => number) {
    super(env);
    if (typeof fn !== 'function') throw new TypeError('TransformReward: fn must be a function');
    this.fn = fn;
  }

  reward(r: number): number {
    return this.fn(r);
  }
}
