/**
 * What every tabular method needs from its env: Discrete observation and action spaces (states and actions are
 * table indices `x - space.start`), checked once with an error that names the space found.
 */
import type { Env } from '../../core/env.js';
import { describe } from '../../core/rng.js';
import { Discrete } from '../../core/spaces/index.js';

export const TABULAR_SUPPORTS = 'Discrete observation and Discrete action spaces';

export interface TabularSpaces {
  obs: Discrete;
  act: Discrete;
}

/** The env's spaces, or a TypeError naming the one that is not Discrete and what is supported. */
export function discreteSpaces(algo: string, envId: string, env: Env): TabularSpaces {
  const obs = env.observationSpace,
    act = env.actionSpace;
  for (const [what, space] of [
    ['observation', obs],
    ['action', act],
  ] as const) {
    if (!(space instanceof Discrete)) {
      throw new TypeError(
        `${algo} keeps a table indexed by state and action, so it supports only ${TABULAR_SUPPORTS}; ` +
          `${envId} has ${what} space ${String(space)}. Use an algorithm for that space (e.g. ppo) or wrap the env so its ${what}s are Discrete.`,
      );
    }
  }
  return { obs: obs as Discrete, act: act as Discrete };
}

/** Table index of a Discrete value, or a TypeError naming the bad value. */
export function indexOf(space: Discrete, x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < space.start || x >= space.start + space.n) {
    throw new TypeError(
      `${what}: expected an integer in ${space} (${space.start}..${space.start + space.n - 1}), got ${describe(x)}`,
    );
  }
  return x - space.start;
}

/** Checks a number of a config: finite and inside [lo, hi] (or (lo, hi] when `openLow`). */
export function checkRange(owner: string, name: string, v: unknown, lo: number, hi: number, openLow = false): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (openLow ? v > lo : v >= lo) && v <= hi;
  if (!ok)
    throw new RangeError(
      `${owner}: ${name} must be a number in ${openLow ? '(' : '['}${lo}, ${hi}], got ${describe(v)}`,
    );
  return v;
}

export function checkOneOf<T extends string>(owner: string, name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T))
    throw new RangeError(
      `${owner}: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`,
    );
  return v as T;
}

export function checkPositiveInt(owner: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new RangeError(`${owner}: ${name} must be a positive integer, got ${describe(v)}`);
  return v;
}
