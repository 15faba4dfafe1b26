/**
 * ClipAction: clips each action entry into the inner env's Box bounds; the wrapper accepts any real vector
 * (its action space is Box(-inf, inf) of the same shape).
 *
 * RescaleAction: the agent acts in [minAction, maxAction] (per entry); the action is mapped affinely onto the
 * inner env's bounds: `a_env = low + (high - low) * (a - minAction) / (maxAction - minAction)`.
 */
import type { Env } from '../core/env.js';
import { describe } from '../core/rng.js';
import { Box, type BoxValue } from '../core/spaces/index.js';
import { ActionWrapper } from './wrapper.js';

type BoxAction = BoxValue | ArrayLike<number> | number;

function boxOf(env: Env, who: string): Box {
  const space = env.actionSpace;
  if (!(space instanceof Box)) throw new TypeError(`${who}: expected a Box action space, got ${String(space)}`);
  return space as Box;
}

function toArray(a: BoxAction, size: number, who: string): ArrayLike<number> {
  const arr = typeof a === 'number' ? [a] : a;
  if (arr === null || typeof arr !== 'object' || arr.length !== size) {
    throw new TypeError(`${who}: action must have ${size} numbers, got ${describe(a)}`);
  }
  return arr;
}

export class ClipAction<O> extends ActionWrapper<O, BoxValue, BoxAction> {
  private readonly box: Box;

  constructor(env: Env<O, BoxValue>) {
    super(env);
    this.box = boxOf(env, 'ClipAction');
    this.actionSpace = new Box(-Infinity, Infinity, this.box.shape, this.box.dtype);
  }

  action(a: BoxAction): BoxValue {
    const arr = toArray(a, this.box.size, 'ClipAction');
    const out = this.box.dtype === 'float32' ? new Float32Array(arr.length) : new Float64Array(arr.length);
    for (let i = 0; i < arr.length; i++) out[i] = Math.min(Math.max(arr[i], this.box.low[i]), this.box.high[i]);
    return out;
  }
}

export class RescaleAction<O> extends ActionWrapper<O, BoxValue, BoxAction> {
  private readonly box: Box;
  private readonly min: Float64Array;
  private readonly max: Float64Array;

  constructor(env: Env<O, BoxValue>, minAction: number | ArrayLike<number>, maxAction: number | ArrayLike<number>) {
    super(env);
    this.box = boxOf(env, 'RescaleAction');
    if (!this.box.isBounded())
      throw new TypeError(`RescaleAction: the inner action space must be bounded, got ${this.box}`);
    const n = this.box.size;
    const fill = (v: number | ArrayLike<number>, name: string) => {
      const arr = typeof v === 'number' ? new Float64Array(n).fill(v) : Float64Array.from(v);
      if (arr.length !== n || arr.some((x) => !Number.isFinite(x))) {
        throw new TypeError(
          `RescaleAction: ${name} must be a finite number or ${n} finite numbers, got ${describe(v)}`,
        );
      }
      return arr;
    };
    const min = fill(minAction, 'minAction');
    const max = fill(maxAction, 'maxAction');
    const outer = new Box<BoxValue>(min, max, this.box.shape, this.box.dtype);
    // Map from the bounds as the wrapper's Box stores them (float32-rounded), so that its own bounds map onto
    // the inner bounds exactly.
    this.min = Float64Array.from(outer.low);
    this.max = Float64Array.from(outer.high);
    for (let i = 0; i < n; i++) {
      if (!(this.min[i] < this.max[i]))
        throw new RangeError(
          `RescaleAction: minAction[${i}] = ${this.min[i]} must be below maxAction[${i}] = ${this.max[i]}`,
        );
    }
    this.actionSpace = outer;
  }

  action(a: BoxAction): BoxValue {
    const arr = toArray(a, this.box.size, 'RescaleAction');
    const out = this.box.dtype === 'float32' ? new Float32Array(arr.length) : new Float64Array(arr.length);
    const { low, high } = this.box;
    for (let i = 0; i < arr.length; i++) {
      const a = arr[i];
      const v = low[i] + ((high[i] - low[i]) * (a - this.min[i])) / (this.max[i] - this.min[i]);
      // Rounding must not push an in-range action out of the inner bounds; an out-of-range action stays out
      // (the inner checker then names it).
      out[i] = a >= this.min[i] && a <= this.max[i] ? Math.min(Math.max(v, low[i]), high[i]) : v;
    }
    return out;
  }
}
