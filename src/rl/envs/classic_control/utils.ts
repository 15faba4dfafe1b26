/**
 * Helpers shared by the classic-control environments (as Gymnasium's `classic_control/utils.py`): argument
 * checks for `reset`, `setState` and `step`, and text rendering. `readAction` runs on every step and allocates
 * nothing; the others run only on reset, setState or render.
 */
import { describe } from '../../core/rng.js';

/** What a continuous env's `step` accepts: the action vector of shape (1,), or its one number. */
export type ContinuousAction = Float32Array | Float64Array | readonly number[] | number;

/**
 * `options[name]` as a number, or `fallback` when it is undefined. Throws a TypeError naming `${owner}.reset`
 * when it is anything else than a number, or NaN.
 */
export function readNumberOption(
  owner: string,
  options: Record<string, unknown>,
  name: string,
  fallback: number,
): number {
  const v = options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new TypeError(`${owner}.reset: options.${name} must be a number, got ${describe(v)}`);
  }
  return v;
}

/**
 * Gymnasium's `maybe_parse_reset_bounds`: `options.low` / `options.high` replace the default start range.
 * Returns `[low, high]`.
 */
export function resetBounds(
  owner: string,
  options: Record<string, unknown> | undefined,
  low: number,
  high: number,
): [number, number] {
  if (options === undefined || options === null) return [low, high];
  const lo = readNumberOption(owner, options, 'low', low);
  const hi = readNumberOption(owner, options, 'high', high);
  if (lo > hi) throw new RangeError(`${owner}.reset: options.low (${lo}) must not be above options.high (${hi})`);
  return [lo, hi];
}

/** Throws when `state` is not `n` numbers; `layout` names the entries for the message. */
export function checkState(owner: string, state: ArrayLike<number>, layout: string, n: number): void {
  if (state === null || typeof state !== 'object' || state.length !== n) {
    throw new TypeError(`${owner}.setState: expected ${n} numbers ${layout}, got ${describe(state)}`);
  }
  for (let i = 0; i < n; i++) {
    if (typeof state[i] !== 'number') {
      throw new TypeError(`${owner}.setState: expected ${n} numbers ${layout}, got ${describe(state)}`);
    }
  }
}

/**
 * The one entry of a (1,)-shaped action, as the float32 the reference's action space holds. Throws a TypeError
 * naming `${owner}.step` for anything else.
 */
export function readAction(owner: string, action: ContinuousAction): number {
  let a: unknown = action;
  if (typeof action !== 'number') {
    if (action === null || typeof action !== 'object' || action.length !== 1) {
      throw new TypeError(
        `${owner}.step: expected an action of shape (1,) (a number, or an array of one number), got ${describe(action)}`,
      );
    }
    a = action[0];
  }
  if (typeof a !== 'number') {
    throw new TypeError(
      `${owner}.step: expected an action of shape (1,) (a number, or an array of one number), got ${describe(action)}`,
    );
  }
  return Math.fround(a);
}

/** `v` with `digits` decimals and an explicit sign: `+` for v >= 0 (so `+0.0000` for -0), `-` below. */
export function fmt(v: number, digits = 4): string {
  return (v >= 0 ? '+' : '') + v.toFixed(digits);
}

/**
 * A one-line picture of the mountain-car valley (`C` the car, `F` the flag at `goal`, the track spanning
 * [minPosition, maxPosition]) followed by the state.
 */
export function describeCar(
  name: string,
  position: number,
  velocity: number,
  goal: number,
  minPosition: number,
  maxPosition: number,
): string {
  const width = 37;
  const cell = (p: number): number =>
    Math.min(width - 1, Math.max(0, Math.round(((p - minPosition) / (maxPosition - minPosition)) * (width - 1))));
  const track = Array.from({ length: width }, () => '_');
  track[cell(goal)] = 'F';
  track[cell(position)] = 'C';
  return `${name}: |${track.join('')}| position=${fmt(position)} velocity=${fmt(velocity, 5)}\n`;
}
