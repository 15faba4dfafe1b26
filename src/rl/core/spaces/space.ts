/**
 * The Space contract (Gymnasium's `gymnasium.spaces.Space`): a set that an observation or action belongs to.
 *
 * Every space can: `sample()` from its own seeded generator (`seed(n)` makes it reproducible), say whether a
 * value belongs to it (`contains`), flatten a value into a typed array of `flatDim` numbers and back, and
 * round-trip through JSON (`toJSON()` / `spaceFromJSON()`).
 */
import { Rng, describe as describeValue } from '../rng.js';

export { describeValue };

export type FlatArray = Float32Array | Float64Array;

/** JSON form of a space; `type` names the class. Infinite bounds are written as the strings "inf"/"-inf". */
export interface SpaceJSON {
  type: string;
  [key: string]: unknown;
}

export abstract class Space<T = unknown> {
  /** Shape of one value (null for composite spaces). */
  abstract readonly shape: readonly number[] | null;
  private generator: Rng | null = null;

  /** The space's own generator, created from OS entropy on first use when `seed()` was never called. */
  get rng(): Rng {
    if (this.generator === null) this.generator = new Rng();
    return this.generator;
  }

  /** Seeds this space's sampler; returns the seeds used (composite spaces seed their parts too). */
  seed(seed?: number): number[] {
    const s = seed === undefined ? Rng.entropySeed() : Rng.checkSeed(seed, `${this.constructor.name}.seed`);
    this.generator = new Rng(s);
    return [s];
  }

  abstract sample(mask?: unknown): T;
  abstract contains(x: unknown): boolean;
  /** Number of entries of `flatten(x)`. Discrete values flatten one-hot, as in Gymnasium. */
  abstract get flatDim(): number;
  /** Writes the flat form of `x` into `out` at `offset` (a new Float64Array when `out` is omitted). */
  abstract flatten(x: T, out?: FlatArray, offset?: number): FlatArray;
  /** Reads a value back from its flat form, starting at `offset`. */
  abstract unflatten(flat: ArrayLike<number>, offset?: number): T;
  abstract toJSON(): SpaceJSON;
  /** Human-readable summary, e.g. `Box(-1, 1, (3,), float32)`. */
  abstract toString(): string;

  /** Structural equality (same class, bounds, shape and dtype). */
  equals(other: Space): boolean {
    return JSON.stringify(this.toJSON()) === JSON.stringify(other.toJSON());
  }

  /** Throws a TypeError naming the space and the value when `x` is not in this space. */
  assertContains(x: unknown, what = 'value'): void {
    if (!this.contains(x)) throw new TypeError(`${what} ${describeValue(x)} is not in ${this.toString()}`);
  }
}

/** Encodes a bound for JSON (Infinity is not valid JSON). */
export function encodeBound(v: number): number | string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return v;
}

export function decodeBound(v: unknown, where: string): number {
  if (v === 'inf' || v === 'Infinity') return Infinity;
  if (v === '-inf' || v === '-Infinity') return -Infinity;
  if (typeof v === 'number') return v;
  throw new TypeError(`${where}: expected a number, "inf" or "-inf", got ${describeValue(v)}`);
}

export function formatNumber(v: number): string {
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/** The shortest decimal that rounds to the same float32 as `v` (4.8, not 4.800000190734863). */
export function shortestFloat32(v: number): number {
  if (!Number.isFinite(v)) return v;
  for (let p = 1; p < 10; p++) {
    const c = Number(v.toPrecision(p));
    if (Math.fround(c) === v) return c;
  }
  return v;
}

export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

export function isArrayLikeOfNumbers(x: unknown): x is ArrayLike<number> {
  if (ArrayBuffer.isView(x))
    return !(x instanceof DataView) && !(x instanceof BigInt64Array) && !(x instanceof BigUint64Array);
  return Array.isArray(x) && x.every((v) => typeof v === 'number');
}
