/**
 * Box: a (possibly unbounded) box in R^n, `low[i] <= x[i] <= high[i]`, of float32 or float64 values.
 *
 * Values are typed arrays in row-major order (Float32Array for float32, Float64Array for float64).
 * Bounds are stored in the box's dtype, so a float32 box's bounds are float32-rounded as in Gymnasium.
 * Sampling (Gymnasium's rule): uniform on bounded dimensions, `low + Exp(1)` / `high - Exp(1)` on half-bounded
 * ones, standard normal on unbounded ones.
 */
import {
  Space,
  type SpaceJSON,
  type FlatArray,
  decodeBound,
  describeValue,
  encodeBound,
  formatNumber,
  formatShape,
  isArrayLikeOfNumbers,
  shortestFloat32,
} from './space.js';

export type BoxDType = 'float32' | 'float64';
export type BoxValue = Float32Array | Float64Array;

/** Checked at run time too: JavaScript callers can pass anything. */
function isShape(x: unknown): x is readonly number[] {
  return Array.isArray(x) && x.every((d) => Number.isInteger(d) && d >= 0);
}

/**
 * The type parameter is the value type: Float32Array (the default, matching dtype 'float32') or Float64Array
 * (write `new Box<Float64Array>(low, high, shape, 'float64')`).
 */
export class Box<T extends BoxValue = Float32Array> extends Space<T> {
  readonly shape: readonly number[];
  readonly dtype: BoxDType;
  readonly low: BoxValue;
  readonly high: BoxValue;
  readonly size: number;
  private readonly boundedBelow: Uint8Array;
  private readonly boundedAbove: Uint8Array;

  /**
   * @param low a number (broadcast) or one bound per entry
   * @param high a number (broadcast) or one bound per entry
   * @param shape shape of a value; taken from `low`/`high` when they are arrays and `shape` is omitted
   */
  constructor(
    low: number | ArrayLike<number>,
    high: number | ArrayLike<number>,
    shape?: readonly number[],
    dtype: BoxDType = 'float32',
  ) {
    super();
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new TypeError(`Box: dtype must be "float32" or "float64", got ${describeValue(dtype)}`);
    }
    let resolved: number[];
    if (shape !== undefined) {
      if (!isShape(shape)) {
        throw new TypeError(`Box: shape must be an array of non-negative integers, got ${describeValue(shape)}`);
      }
      resolved = [...shape];
    } else if (typeof low !== 'number') {
      resolved = [low.length];
    } else if (typeof high !== 'number') {
      resolved = [high.length];
    } else {
      throw new TypeError('Box: give a shape when low and high are both scalars');
    }
    const size = resolved.reduce((a, b) => a * b, 1);
    const Ctor = dtype === 'float32' ? Float32Array : Float64Array;
    const fill = (b: number | ArrayLike<number>, name: string): BoxValue => {
      if (typeof b === 'number') {
        if (Number.isNaN(b)) throw new TypeError(`Box: ${name} is NaN`);
        return new Ctor(size).fill(b);
      }
      if (!isArrayLikeOfNumbers(b) || b.length !== size) {
        throw new TypeError(
          `Box: ${name} must have ${size} numbers for shape ${formatShape(resolved)}, got ${describeValue(b)}`,
        );
      }
      const arr = Ctor.from(b);
      if (arr.some(Number.isNaN)) throw new TypeError(`Box: ${name} contains NaN: ${describeValue(b)}`);
      return arr;
    };
    this.low = fill(low, 'low');
    this.high = fill(high, 'high');
    for (let i = 0; i < size; i++) {
      if (this.low[i] > this.high[i]) {
        throw new RangeError(`Box: low[${i}] = ${this.low[i]} is above high[${i}] = ${this.high[i]}`);
      }
    }
    this.shape = Object.freeze(resolved);
    this.dtype = dtype;
    this.size = size;
    this.boundedBelow = Uint8Array.from(this.low, (v) => (v > -Infinity ? 1 : 0));
    this.boundedAbove = Uint8Array.from(this.high, (v) => (v < Infinity ? 1 : 0));
  }

  /** True when every dimension has finite bounds on both sides. */
  isBounded(): boolean {
    return this.boundedBelow.every((b) => b === 1) && this.boundedAbove.every((b) => b === 1);
  }

  sample(): T {
    const out = (this.dtype === 'float32' ? new Float32Array(this.size) : new Float64Array(this.size)) as T;
    const rng = this.rng;
    for (let i = 0; i < this.size; i++) {
      const lo = this.boundedBelow[i],
        hi = this.boundedAbove[i];
      if (lo && hi) {
        const u = rng.random(),
          range = this.high[i] - this.low[i];
        // A convex combination when high - low overflows (a box spanning the whole float64 range).
        out[i] = Number.isFinite(range) ? this.low[i] + range * u : this.low[i] * (1 - u) + this.high[i] * u;
      } else if (lo) out[i] = this.low[i] + rng.exponential();
      else if (hi) out[i] = this.high[i] - rng.exponential();
      else out[i] = rng.normal();
    }
    return out;
  }

  /** True for a numeric array (or a number, for a one-entry box) of the right length within the bounds. */
  contains(x: unknown): boolean {
    if (typeof x === 'number') {
      const v = this.dtype === 'float32' ? Math.fround(x) : x;
      return this.size === 1 && v >= this.low[0] && v <= this.high[0];
    }
    if (!isArrayLikeOfNumbers(x) || x.length !== this.size) return false;
    for (let i = 0; i < this.size; i++) {
      const v = this.dtype === 'float32' ? Math.fround(x[i]) : x[i];
      if (!(v >= this.low[i] && v <= this.high[i])) return false; // also rejects NaN
    }
    return true;
  }

  get flatDim(): number {
    return this.size;
  }

  flatten(x: T | ArrayLike<number>, out?: FlatArray, offset = 0): FlatArray {
    const o = out ?? new Float64Array(this.size);
    for (let i = 0; i < this.size; i++) o[offset + i] = x[i];
    return o;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): T {
    const out = (this.dtype === 'float32' ? new Float32Array(this.size) : new Float64Array(this.size)) as T;
    for (let i = 0; i < this.size; i++) out[i] = flat[offset + i];
    return out;
  }

  toJSON(): SpaceJSON {
    const short = (v: number) => encodeBound(this.dtype === 'float32' ? shortestFloat32(v) : v);
    return {
      type: 'Box',
      shape: [...this.shape],
      dtype: this.dtype,
      low: Array.from(this.low, short),
      high: Array.from(this.high, short),
    };
  }

  static fromJSON(j: SpaceJSON): Box<BoxValue> {
    const low = (j.low as unknown[]).map((v, i) => decodeBound(v, `Box.low[${i}]`));
    const high = (j.high as unknown[]).map((v, i) => decodeBound(v, `Box.high[${i}]`));
    return new Box<BoxValue>(low, high, j.shape as number[], j.dtype as BoxDType);
  }

  toString(): string {
    const same = (a: BoxValue) => a.every((v) => v === a[0]);
    const fmt = (v: number) => formatNumber(this.dtype === 'float32' ? shortestFloat32(v) : v);
    const b = (a: BoxValue) => (a.length > 0 && same(a) ? fmt(a[0]) : `[${Array.from(a, fmt).join(' ')}]`);
    return `Box(${b(this.low)}, ${b(this.high)}, ${formatShape(this.shape)}, ${this.dtype})`;
  }
}
