/**
 * Shared pieces of the tabular (toy text) environments: the TabularEnv base (an MDP given by its transition
 * table `P` and start distribution, as Gymnasium's former `DiscreteEnv`), drawing from a categorical
 * distribution the way Gymnasium's `categorical_sample` does, and checking a state-action pair before
 * indexing `P`.
 */
import {
  Env,
  type HasTransitionTable,
  type ResetOptions,
  type ResetResult,
  type StepResult,
  type Transition,
  type TransitionTable,
} from '../../core/env.js';
import type { Rng } from '../../core/rng.js';
import { describe } from '../../core/rng.js';
import type { Discrete } from '../../core/spaces/index.js';

/**
 * An env whose dynamics are its table `P`: reset draws the start state from `initialStateDistrib`, step draws
 * one outcome of `P[s][a]` (one uniform draw each). Info: `{prob}`, the probability of the outcome drawn
 * (1 at reset). Subclasses build `P` and `initialStateDistrib` in their constructors.
 */
export abstract class TabularEnv extends Env<number, number> implements HasTransitionTable {
  abstract override readonly observationSpace: Discrete;
  abstract override readonly actionSpace: Discrete;
  P: TransitionTable = [];
  initialStateDistrib: Float64Array = new Float64Array(0);
  /** The current state; -1 before the first reset. */
  s = -1;
  lastAction: number | null = null;

  override reset(opts: ResetOptions = {}): ResetResult<number> {
    super.reset(opts);
    this.s = sampleCategorical(this.initialStateDistrib, this.rng);
    this.lastAction = null;
    return { obs: this.s, info: { prob: 1 } };
  }

  step(action: number): StepResult<number> {
    const t = sampleOutcome(outcomesOf(this.constructor.name, this.P, this.s, action), this.rng);
    this.s = t[1];
    this.lastAction = action;
    return { obs: t[1], reward: t[2], terminated: t[3], truncated: false, info: { prob: t[0] } };
  }

  getStateIndex(): number {
    return this.s;
  }

  setStateIndex(s: number): void {
    this.s = checkStateIndex(this.constructor.name, s, this.observationSpace.n);
  }
}

/**
 * Index of the first entry whose running sum of probabilities exceeds u ~ U[0, 1), as
 * `argmax(cumsum(p) > u)`; 0 when no running sum exceeds u (NumPy's argmax of all-false), which only
 * rounding in a sum just below 1 can cause. One uniform draw per call.
 */
export function sampleCategorical(probs: ArrayLike<number>, rng: Rng): number {
  const u = rng.random();
  let cumulative = 0;
  for (let i = 0; i < probs.length; i++) {
    cumulative += probs[i];
    if (cumulative > u) return i;
  }
  return 0;
}

/** `sampleCategorical` over the probabilities of a list of outcomes `[p, next, reward, terminated]`. */
export function sampleOutcome(outcomes: readonly Transition[], rng: Rng): Transition {
  const u = rng.random();
  let cumulative = 0;
  for (let i = 0; i < outcomes.length; i++) {
    cumulative += outcomes[i][0];
    if (cumulative > u) return outcomes[i];
  }
  return outcomes[0];
}

/**
 * The outcomes of taking `action` in `state`, or a TypeError naming the bad value: an action outside
 * `{0, ..., nA - 1}`, or a step before the first `reset()` (state -1).
 */
export function outcomesOf(owner: string, P: TransitionTable, state: number, action: number): Transition[] {
  const row = P[state];
  if (row === undefined) throw new TypeError(`${owner}.step: call reset() before step()`);
  const outcomes = row[action];
  if (outcomes === undefined) {
    throw new TypeError(`${owner}.step: action must be an integer in [0, ${row.length - 1}], got ${describe(action)}`);
  }
  return outcomes;
}

/** Checks a state index given to `setStateIndex`. */
export function checkStateIndex(owner: string, state: unknown, nS: number): number {
  if (typeof state !== 'number' || !Number.isInteger(state) || state < 0 || state >= nS) {
    throw new TypeError(`${owner}.setStateIndex: state must be an integer in [0, ${nS - 1}], got ${describe(state)}`);
  }
  return state;
}

const COLOR_CODES = {
  gray: 30,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  crimson: 38,
};

/** Gymnasium's `utils.colorize`: the text wrapped in ANSI colour codes (highlight = background colour). */
export function colorize(text: string, color: keyof typeof COLOR_CODES, bold = false, highlight = false): string {
  const attrs = [String(COLOR_CODES[color] + (highlight ? 10 : 0))];
  if (bold) attrs.push('1');
  return `\x1b[${attrs.join(';')}m${text}\x1b[0m`;
}
