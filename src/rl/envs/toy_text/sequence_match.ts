import { Env, type ResetOptions, type ResetResult, type StepResult } from '../../core/env.js';
import { parseKwargs, renderModeKwarg, type KwargSpec } from '../../core/kwargs.js';
import { describe } from '../../core/rng.js';
import { Box, Discrete } from '../../core/spaces/index.js';

const atLeast = (n: number) => (v: number) => (v >= n ? null : `an integer >= ${n}`);

const SCHEMA = {
  renderMode: renderModeKwarg,
  /** Tokens per sequence (the episode length). */
  length: { type: 'integer', default: 4, check: atLeast(1) } as KwargSpec<number>,
  /** Number of distinct tokens; at least 2, since a token may not follow itself. */
  vocab: { type: 'integer', default: 6, check: atLeast(2) } as KwargSpec<number>,
  /** Refuse a masked token with a RangeError (else it is accepted and its position counts as a miss). */
  strictMask: { type: 'boolean', default: false } as KwargSpec<boolean>,
};

/**
 * SequenceMatch: reproduce a target sequence of tokens, one token per step. A small sequence-generation task
 * with a checkable answer and an outcome-only reward (the "prompt" is the target, the "output" the tokens
 * emitted), for testing policy-gradient methods such as GRPO and REINFORCE on something other than tuning.
 *
 * - Observation space: `Box(0, 1, [2 L V + L])` (float32), three blocks of one-hot codes:
 *   [target (L x V: row t is the one-hot of target[t]) | output so far (L x V: row t is the one-hot of the
 *   token emitted at position t, zeros where none was emitted yet) | position (L: the one-hot of the next
 *   position to fill; all zeros once the sequence is complete)].
 * - Action space: `Discrete(V)`, the token to emit at the current position.
 * - Action mask: `info.action_mask` (Int8Array of V, 1 = allowed) forbids repeating the token just emitted (a
 *   token may not follow itself); at the first position every token is allowed. Targets never repeat a token
 *   directly, so the target itself is always a valid output. A masked token is accepted and its position
 *   counts as a miss (so that generic tools that ignore masks, such as `rltune env check`, can step the env);
 *   with `strictMask` it is refused with a RangeError instead, which makes a test fail on any masked action.
 * - Dynamics: step t writes the action at position t; deterministic.
 * - Reward: 0 until the last position; on the last step, the fraction of positions t where the output equals
 *   target[t] and was not masked (in [0, 1], in steps of 1 / L). So the return of an episode is its score.
 * - Start state: a target drawn uniformly among the sequences without a direct repeat (target[0] uniform over
 *   the V tokens, target[t] uniform over the V - 1 tokens other than target[t - 1]), the output empty.
 *   `reset({options: {target: [...]}})` sets the target instead (L integers in [0, V - 1], no direct repeat).
 * - Episode end: terminated after L steps. The registration has no step limit; its reward threshold is 0.9.
 * - Info: `{action_mask}` at reset and after each step (all ones after the last step); after the last step also
 *   `{matches}`, the number of matching positions.
 *
 * A policy uniform over the allowed tokens scores about 1/V (0.17 for the defaults: the right token is masked
 * when the previous output was it, about 1 time in V, and else drawn 1 time in V - 1); the optimal policy (emit
 * target[t]) scores 1.
 *
 * Arguments: `length` L (4), `vocab` V (6), `strictMask` (false), `renderMode` ('ansi' or null).
 */
export class SequenceMatchEnv extends Env<Float32Array, number> {
  override metadata = { renderModes: ['ansi'] };
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly length: number;
  readonly vocab: number;
  readonly strictMask: boolean;
  readonly target: Int32Array;
  /** The tokens emitted so far (-1 where none yet). */
  readonly output: Int32Array;
  /** 1 where the token emitted was masked. */
  private readonly masked: Uint8Array;
  /** The next position to fill; -1 before the first reset. */
  t = -1;

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('SequenceMatchEnv', SCHEMA, kwargs);
    this.length = k.length;
    this.vocab = k.vocab;
    this.strictMask = k.strictMask;
    this.observationSpace = new Box(0, 1, [2 * k.length * k.vocab + k.length]);
    this.actionSpace = new Discrete(k.vocab);
    this.target = new Int32Array(k.length);
    this.output = new Int32Array(k.length).fill(-1);
    this.masked = new Uint8Array(k.length);
    this.setRenderMode(k.renderMode);
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    const given = opts.options?.target;
    if (given !== undefined) this.target.set(this.checkTarget(given));
    else {
      const L = this.length,
        V = this.vocab;
      for (let t = 0; t < L; t++) {
        if (t === 0) this.target[t] = this.rng.below(V);
        else {
          const r = this.rng.below(V - 1); // the V - 1 tokens other than the previous one
          this.target[t] = r >= this.target[t - 1] ? r + 1 : r;
        }
      }
    }
    this.output.fill(-1);
    this.masked.fill(0);
    this.t = 0;
    return { obs: this.obs(), info: { action_mask: this.mask() } };
  }

  step(action: number): StepResult<Float32Array> {
    if (this.t < 0 || this.t >= this.length)
      throw new TypeError(
        `SequenceMatchEnv.step: call reset() before step()${this.t >= 0 ? ' (the sequence is complete)' : ''}`,
      );
    if (!Number.isInteger(action) || action < 0 || action >= this.vocab) {
      throw new TypeError(
        `SequenceMatchEnv.step: action must be an integer in [0, ${this.vocab - 1}], got ${describe(action)}`,
      );
    }
    if (this.t > 0 && this.output[this.t - 1] === action) {
      if (this.strictMask)
        throw new RangeError(
          `SequenceMatchEnv.step: token ${action} is masked at position ${this.t} (it would follow itself); info.action_mask lists the allowed tokens`,
        );
      this.masked[this.t] = 1;
    }
    this.output[this.t] = action;
    this.t++;
    const terminated = this.t === this.length;
    let reward = 0;
    const info: Record<string, unknown> = { action_mask: this.mask() };
    if (terminated) {
      let matches = 0;
      for (let i = 0; i < this.length; i++) if (this.output[i] === this.target[i] && !this.masked[i]) matches++;
      reward = matches / this.length;
      info.matches = matches;
    }
    return { obs: this.obs(), reward, terminated, truncated: false, info };
  }

  /** The target and the output, e.g. `target 1 3 0 2 | output 1 3 _ _`, then a newline. */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    const out = Array.from(this.output, (a) => (a < 0 ? '_' : String(a)));
    return `target ${Array.from(this.target).join(' ')} | output ${out.join(' ')}\n`;
  }

  private obs(): Float32Array {
    const L = this.length,
      V = this.vocab;
    const o = new Float32Array(2 * L * V + L);
    for (let t = 0; t < L; t++) {
      o[t * V + this.target[t]] = 1;
      if (this.output[t] >= 0) o[L * V + t * V + this.output[t]] = 1;
    }
    if (this.t < L) o[2 * L * V + this.t] = 1;
    return o;
  }

  private mask(): Int8Array {
    const m = new Int8Array(this.vocab).fill(1);
    if (this.t > 0 && this.t < this.length) m[this.output[this.t - 1]] = 0;
    return m;
  }

  private checkTarget(given: unknown): Int32Array {
    const L = this.length,
      V = this.vocab;
    const ok =
      (Array.isArray(given) || ArrayBuffer.isView(given)) &&
      (given as ArrayLike<number>).length === L &&
      Array.from(given as ArrayLike<number>).every(
        (x, t, a) => Number.isInteger(x) && x >= 0 && x < V && (t === 0 || x !== a[t - 1]),
      );
    if (!ok)
      throw new TypeError(
        `SequenceMatchEnv.reset: options.target must be ${L} integers in [0, ${V - 1}] with no token directly repeated, got ${describe(given)}`,
      );
    return Int32Array.from(given as ArrayLike<number>);
  }
}
