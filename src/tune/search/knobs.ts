/**
 * Knob-vector helpers of the model-based strategies: a config index as its digits (one value index per knob) and back.
 */
import type { ScheduleSpace } from '../space/space.js';

export function radices(space: ScheduleSpace): number[] {
  return space.knobs.map((k) => k.values.length);
}

export function toDigits(
  radix: readonly number[],
  index: number,
  out: number[] = new Array<number>(radix.length),
): number[] {
  for (let k = radix.length - 1; k >= 0; k--) {
    out[k] = index % radix[k];
    index = Math.floor(index / radix[k]);
  }
  return out;
}

export function fromDigits(radix: readonly number[], digits: readonly number[]): number {
  let i = 0;
  for (let k = 0; k < radix.length; k++) i = i * radix[k] + digits[k];
  return i;
}

/** Knobs on which two configs differ. */
export function hamming(radix: readonly number[], a: number, b: number): number {
  let d = 0;
  for (let k = radix.length - 1; k >= 0; k--) {
    if (a % radix[k] !== b % radix[k]) d++;
    a = Math.floor(a / radix[k]);
    b = Math.floor(b / radix[k]);
  }
  return d;
}
