/**
 * What every schedule space offers the strategies and the tuning loop: a finite set of knob vectors, each
 * named by an integer index in [0, size) (mixed radix over the knobs), a JSON form, and validity (configs
 * that cannot be valid are rejected before code generation and never count as trials).
 */
import type { Target } from './target.js';

export interface Knob {
  name: string;
  values: number[];
  doc: string;
}

export interface ScheduleSpace<C extends object = object> {
  readonly target: Target;
  readonly knobs: readonly Knob[];
  readonly size: number;
  config(i: number): C;
  index(c: C): number;
  fromJSON(j: unknown): C;
  invalidReason(c: C): string | null;
  isValid(c: C): boolean;
}

/** Mixed-radix decoding/encoding of knob vectors, shared by the spaces. */
export class KnobSpace<C extends object> {
  readonly size: number;

  constructor(
    readonly knobs: readonly Knob[],
    private readonly what: string,
  ) {
    this.size = knobs.reduce((n, k) => n * k.values.length, 1);
  }

  config(i: number): C {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.size)
      throw new RangeError(`${this.what} config index must be an integer in [0, ${this.size}), got ${i}`);
    const digits: number[] = new Array<number>(this.knobs.length);
    for (let k = this.knobs.length - 1; k >= 0; k--) {
      const n = this.knobs[k].values.length;
      digits[k] = i % n;
      i = Math.floor(i / n);
    }
    const out: Record<string, number> = {};
    this.knobs.forEach((k, j) => (out[k.name] = k.values[digits[j]]));
    return out as C;
  }

  index(c: C): number {
    let i = 0;
    for (const k of this.knobs) {
      const v = (c as Record<string, unknown>)[k.name] as number;
      const j = k.values.indexOf(v);
      if (j < 0)
        throw new RangeError(
          `${this.what} config: ${k.name}=${JSON.stringify(v)} is not one of ${k.values.join(', ')}`,
        );
      i = i * k.values.length + j;
    }
    return i;
  }

  fromJSON(j: unknown): C {
    if (typeof j !== 'object' || j === null)
      throw new TypeError(
        `${this.what} config must be an object of knobs (${this.knobs.map((k) => k.name).join(', ')}), got ${JSON.stringify(j)}`,
      );
    const c: Record<string, number> = {};
    for (const k of this.knobs) {
      const v = (j as Record<string, unknown>)[k.name];
      if (typeof v !== 'number' || !k.values.includes(v))
        throw new RangeError(
          `${this.what} config: ${k.name}=${JSON.stringify(v)} is not one of ${k.values.join(', ')}`,
        );
      c[k.name] = v;
    }
    return c as C;
  }
}
