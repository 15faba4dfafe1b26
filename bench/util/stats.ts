/**
 * The statistics every benchmark under bench/ reports with, written once so that every result counts the same way
 * (a median was written six times before, two of them the upper middle value for an even count).
 */

/** The median (the mean of the two middle values for an even count); NaN for none. */
export function median(v: readonly number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** The median, or null for none (for JSON fields where "no runs" must read as null, not as a number). */
export function medianOrNull(v: readonly number[]): number | null {
  return v.length === 0 ? null : median(v);
}

/** The arithmetic mean; NaN for none. */
export function mean(v: readonly number[]): number {
  return v.length === 0 ? NaN : v.reduce((a, b) => a + b, 0) / v.length;
}

/** `x` rounded to `digits` decimals (the precision a result file keeps). */
export function round(x: number, digits = 3): number {
  return Math.round(x * 10 ** digits) / 10 ** digits;
}
