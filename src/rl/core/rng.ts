/**
 * Seeded pseudo-random generator used by every environment and space.
 *
 * Algorithm: xoshiro128** (Blackman & Vigna), 128 bits of state in four uint32 words, seeded through
 * splitmix32 so that nearby seeds give unrelated streams. It is not NumPy's PCG64: conformance with the
 * reference is checked through explicit states and actions, never through random streams.
 *
 * Invariant: the same seed gives the same sequence on every platform (pure 32-bit integer arithmetic).
 */
import { randomBytes } from 'node:crypto';

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/** The serializable state of an Rng: four uint32 words, and the pending second normal draw when there is one. */
export type RngState = [number, number, number, number] | [number, number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal = NaN;

  /** `seed` must be a non-negative safe integer; omit it for a seed drawn from the OS's entropy. */
  constructor(seed?: number) {
    this.reseed(seed ?? Rng.entropySeed());
  }

  /** A fresh seed from the operating system's entropy source. */
  static entropySeed(): number {
    const b = randomBytes(8);
    return b.readUInt32LE(0) + (b.readUInt32LE(4) & 0x1fffff) * TWO_POW_32;
  }

  /** Checks that `seed` is usable and returns it; `owner` names who asked, for the error. */
  static checkSeed(seed: unknown, owner = 'seed'): number {
    if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
      throw new TypeError(`${owner}: expected a non-negative safe integer, got ${describe(seed)}`);
    }
    return seed;
  }

  reseed(seed: number): void {
    Rng.checkSeed(seed);
    // Mix the high and low 32-bit halves of the seed so that every safe integer gives its own stream.
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    const sm = splitmix32(lo ^ Math.imul(hi, 0x632be5ab));
    this.s0 = sm() ^ hi;
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = NaN;
  }

  /** Next uint32. */
  nextUint32(): number {
    const s1 = this.s1;
    const x = Math.imul(s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return result;
  }

  /** Uniform float64 in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform float64 in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.random();
  }

  /**
   * Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject), for 1 <= n <= 2^32.
   * For n <= 2^21 the product u*n is exact in a float64, which is the hot path.
   */
  below(n: number): number {
    if (n <= 2097152) {
      let m = this.nextUint32() * n;
      let l = m % TWO_POW_32;
      if (l < n) {
        const t = (TWO_POW_32 - n) % n;
        while (l < t) {
          m = this.nextUint32() * n;
          l = m % TWO_POW_32;
        }
      }
      return Math.floor(m / TWO_POW_32);
    }
    // Large n: rejection on 53-bit uniforms.
    const limit = Math.floor(TWO_POW_53 / n) * n;
    let r: number;
    do {
      r = this.random() * TWO_POW_53;
    } while (r >= limit);
    return r % n;
  }

  /** Uniform integer in [low, high) (high exclusive, as NumPy's `integers`). */
  integers(low: number, high: number): number {
    return low + this.below(high - low);
  }

  /** Standard normal (Marsaglia's polar method; the second value is kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const v = this.spareNormal;
      this.spareNormal = NaN;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /** Exponential with rate 1. */
  exponential(): number {
    return -Math.log(1 - this.random());
  }

  /** A new generator seeded from this one (for sub-spaces and sub-environments). */
  spawnSeed(): number {
    return this.nextUint32() + (this.nextUint32() & 0x1fffff) * TWO_POW_32;
  }

  getState(): RngState {
    const words: [number, number, number, number] = [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
    return Number.isNaN(this.spareNormal) ? words : [...words, this.spareNormal];
  }

  setState(state: RngState): void {
    const ok =
      Array.isArray(state) &&
      (state.length === 4 || (state.length === 5 && Number.isFinite(state[4]))) &&
      state.slice(0, 4).every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32);
    if (!ok)
      throw new TypeError(
        `Rng.setState: expected four uint32 words (and optionally a pending normal draw), got ${describe(state)}`,
      );
    this.s0 = state[0] | 0;
    this.s1 = state[1] | 0;
    this.s2 = state[2] | 0;
    this.s3 = state[3] | 0;
    this.spareNormal = state.length === 5 ? state[4] : NaN;
  }
}

/** Short printable description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const arr = Array.from(value as unknown as ArrayLike<number>).slice(0, 8);
    const more = (value as unknown as ArrayLike<number>).length > 8 ? ', ...' : '';
    return `${value.constructor.name}[${arr.join(', ')}${more}]`;
  }
  if (typeof value === 'function' || typeof value === 'symbol') return String(value);
  try {
    const s = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)) as string | undefined;
    if (s !== undefined) return s.length > 120 ? s.slice(0, 117) + '...' : s;
  } catch {
    // circular, or a toJSON that throws: described below
  }
  // An object JSON cannot show: its own toString() if it has one.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- deliberate, see above
  return String(value);
}
