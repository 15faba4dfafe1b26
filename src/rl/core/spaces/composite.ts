/**
 * Tuple and Dict: products of other spaces. A Tuple value is an array with one value per part; a Dict value
 * is an object with one value per key. Dict keys are sorted, as the reference sorts a plain dict's keys, so
 * flattening and batching order do not depend on how the object was written. Flattening concatenates the parts'
 * flat forms in that order. Seeding a composite seeds each part with a seed drawn from the given one.
 */
import { Rng } from '../rng.js';
import { Space, type SpaceJSON, type FlatArray, describeValue } from './space.js';

/** Checked at run time too: JavaScript callers can pass anything. */
function isSpaceArray(x: unknown): x is readonly Space[] {
  return Array.isArray(x) && x.every((s) => s instanceof Space);
}

function seedParts(parts: Space[], seed: number | undefined, self: Space): number[] {
  const s = seed === undefined ? Rng.entropySeed() : Rng.checkSeed(seed, `${self.constructor.name}.seed`);
  const seeder = new Rng(s);
  const out = [s];
  for (const p of parts) out.push(...p.seed(seeder.spawnSeed()));
  return out;
}

export class Tuple extends Space<unknown[]> {
  readonly shape = null;
  readonly spaces: readonly Space[];

  constructor(spaces: readonly Space[]) {
    super();
    if (!isSpaceArray(spaces)) {
      throw new TypeError(`Tuple: expected an array of spaces, got ${describeValue(spaces)}`);
    }
    this.spaces = Object.freeze([...spaces]);
  }

  override seed(seed?: number): number[] {
    return seedParts([...this.spaces], seed, this);
  }

  /** @param mask optional, one mask (or null) per part */
  sample(mask?: readonly unknown[] | null): unknown[] {
    if (mask !== undefined && mask !== null && mask.length !== this.spaces.length) {
      throw new TypeError(`Tuple.sample: mask must have ${this.spaces.length} entries, got ${mask.length}`);
    }
    return this.spaces.map((s, i) => s.sample(mask?.[i] ?? undefined));
  }

  contains(x: unknown): boolean {
    return Array.isArray(x) && x.length === this.spaces.length && this.spaces.every((s, i) => s.contains(x[i]));
  }

  get flatDim(): number {
    return this.spaces.reduce((a, s) => a + s.flatDim, 0);
  }

  flatten(x: unknown[], out?: FlatArray, offset = 0): FlatArray {
    const o = out ?? new Float64Array(this.flatDim);
    let p = offset;
    this.spaces.forEach((s, i) => {
      s.flatten(x[i], o, p);
      p += s.flatDim;
    });
    return o;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): unknown[] {
    let p = offset;
    return this.spaces.map((s) => {
      const v = s.unflatten(flat, p);
      p += s.flatDim;
      return v;
    });
  }

  toJSON(): SpaceJSON {
    return { type: 'Tuple', spaces: this.spaces.map((s) => s.toJSON()) };
  }

  toString(): string {
    return `Tuple(${this.spaces.map(String).join(', ')})`;
  }
}

export class Dict extends Space<Record<string, unknown>> {
  readonly shape = null;
  readonly spaces: Readonly<Record<string, Space>>;
  readonly keys: readonly string[];

  constructor(spaces: Record<string, Space>) {
    super();
    if (
      spaces === null ||
      typeof spaces !== 'object' ||
      Array.isArray(spaces) ||
      Object.values(spaces).some((s) => !(s instanceof Space))
    ) {
      throw new TypeError(`Dict: expected an object whose values are spaces, got ${describeValue(spaces)}`);
    }
    const keys = Object.keys(spaces).sort();
    this.spaces = Object.freeze(Object.fromEntries(keys.map((k) => [k, spaces[k]])));
    this.keys = Object.freeze(keys);
  }

  override seed(seed?: number): number[] {
    return seedParts(
      this.keys.map((k) => this.spaces[k]),
      seed,
      this,
    );
  }

  /** @param mask optional, an object with a mask (or null) per key */
  sample(mask?: Record<string, unknown> | null): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const k of this.keys) out[k] = this.spaces[k].sample(mask?.[k] ?? undefined);
    return out;
  }

  contains(x: unknown): boolean {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
    const obj = x as Record<string, unknown>;
    if (Object.keys(obj).length !== this.keys.length) return false;
    return this.keys.every((k) => k in obj && this.spaces[k].contains(obj[k]));
  }

  get flatDim(): number {
    return this.keys.reduce((a, k) => a + this.spaces[k].flatDim, 0);
  }

  flatten(x: Record<string, unknown>, out?: FlatArray, offset = 0): FlatArray {
    const o = out ?? new Float64Array(this.flatDim);
    let p = offset;
    for (const k of this.keys) {
      this.spaces[k].flatten(x[k], o, p);
      p += this.spaces[k].flatDim;
    }
    return o;
  }

  unflatten(flat: ArrayLike<number>, offset = 0): Record<string, unknown> {
    let p = offset;
    const out: Record<string, unknown> = {};
    for (const k of this.keys) {
      out[k] = this.spaces[k].unflatten(flat, p);
      p += this.spaces[k].flatDim;
    }
    return out;
  }

  toJSON(): SpaceJSON {
    const spaces: Record<string, SpaceJSON> = {};
    for (const k of this.keys) spaces[k] = this.spaces[k].toJSON();
    return { type: 'Dict', spaces };
  }

  toString(): string {
    return `Dict(${this.keys.map((k) => `${k}: ${this.spaces[k]}`).join(', ')})`;
  }
}
