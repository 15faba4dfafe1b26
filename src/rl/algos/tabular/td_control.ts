/**
 * Tabular TD control (Sutton & Barto, ch. 6): what Q-learning, SARSA and Expected SARSA share. One env made with
 * `make(env, envKwargs)` (its TimeLimit included), a table Q[s][a] (Float64Array, row-major), an
 * epsilon-greedy behaviour policy, the epsilon and step-size schedules, checkpoints, and the update
 *   Q(s,a) <- Q(s,a) + alpha [r + gamma V(s') (1 - terminated) - Q(s,a)].
 * Each method supplies only its bootstrap value V(s'), `nextValue` (q_learning.ts, sarsa.ts, expected_sarsa.ts).
 *
 * One `iteration` is up to `stepsPerIteration` env steps (never past `totalSteps`); episodes run across
 * iterations. Schedules are functions of the absolute step count t and the `totalSteps` T of the learn() call,
 * so a resumed run continues them:
 *   epsilon(t) = epsStart -> epsEnd over the first epsFraction * T steps, linearly or geometrically
 *                (epsStart * (epsEnd / epsStart)^p), then epsEnd;
 *   alpha(t)   = alpha (constant), or alpha -> alphaEnd over the T steps, linearly or geometrically.
 * Or epsilon follows the visit count n(s) of each state, the training steps taken from s before this one
 * (epsSchedule 'visits'; epsEnd and epsFraction are then unused; n is kept in checkpoints):
 *   epsilon(s) = min(epsStart, epsC / (1 + n(s))).
 * This is GLIE exploration (Singh et al. 2000): every state is explored infinitely often (sum_n 1/n diverges)
 * and the policy becomes greedy in the limit, in each state however rarely it is visited; with it (and step
 * sizes that satisfy Robbins-Monro) SARSA converges to the optimal policy, not to the best epsilon-greedy one.
 *
 * Truncation is not termination: only `terminated` cuts the bootstrap. On a truncation (TimeLimit) the update
 * bootstraps from Q(s', .) of the final observation s', then a new episode starts.
 *
 * Action masks: when the env puts `action_mask` in its info (Taxi does) and `useActionMask` is on, the policy
 * picks only allowed actions and the bootstrap (max, expectation, next action) ranges over the actions allowed
 * in s' -- the values of the policy that is actually followed.
 */
import type { Env } from '../../core/env.js';
import type { EnvSource, MakeOptions } from '../../core/registry.js';
import { describe } from '../../core/rng.js';
import type { Discrete } from '../../core/spaces/index.js';
import { Algorithm, type PredictOptions } from '../../train/algorithm.js';
import { tensorOf, type Checkpoint, type StoredArray } from '../../train/checkpoint.js';
import type { TrainContext } from '../../train/context.js';
import { checkOneOf, checkPositiveInt, checkRange, discreteSpaces, indexOf } from './common.js';

export type Decay = 'linear' | 'exponential';

export interface TDConfig {
  /** Step size alpha (at the start, when it decays). */
  alpha: number;
  alphaSchedule: 'constant' | Decay;
  /** Step size at the end of the budget (decaying schedules). */
  alphaEnd: number;
  gamma: number;
  epsStart: number;
  epsEnd: number;
  /** Fraction of `totalSteps` over which epsilon goes from epsStart to epsEnd. */
  epsFraction: number;
  epsSchedule: Decay | 'visits';
  /** Scale c of the 'visits' schedule epsilon(s) = min(epsStart, c / (1 + n(s))). */
  epsC: number;
  /** Initial value of every Q entry (optimism drives exploration when above the returns). */
  qInit: number;
  /** Env steps per iteration of the training loop (one log record and callback round each). */
  stepsPerIteration: number;
  /** Follow the env's `action_mask` info when there is one. */
  useActionMask: boolean;
  seed: number;
}

export const TD_DEFAULTS: TDConfig = {
  alpha: 0.1,
  alphaSchedule: 'constant',
  alphaEnd: 0.01,
  gamma: 0.99,
  epsStart: 1,
  epsEnd: 0.05,
  epsFraction: 0.5,
  epsSchedule: 'linear',
  epsC: 1,
  qInit: 0,
  stepsPerIteration: 1000,
  useActionMask: true,
  seed: 1,
};

export type TDOptions = Partial<TDConfig> & { seed?: number; envKwargs?: MakeOptions };

/** A schedule's value at progress p in [0, 1]: linear or geometric interpolation from `start` to `end`. */
export function decay(kind: Decay, start: number, end: number, p: number): number {
  const q = Math.min(1, Math.max(0, p));
  return kind === 'linear' ? (1 - q) * start + q * end : start * Math.pow(end / start, q);
}

export type TDName = 'q-learning' | 'sarsa' | 'expected-sarsa';

export abstract class TDControl extends Algorithm {
  readonly name: TDName;
  readonly cfg: TDConfig;
  readonly env: Env<number, number>;
  readonly nS: number;
  readonly nA: number;
  /** Q[s * nA + a]. */
  readonly Q: Float64Array;
  /** Current epsilon and step size (their values at the last training step). */
  epsilon: number;
  alpha: number;
  /** n(s): training steps taken from each state (the 'visits' epsilon schedule reads it). */
  readonly stateVisits: Float64Array;
  private readonly obsSpace: Discrete;
  private readonly actSpace: Discrete;
  /** State of the episode in progress; -1 when a new one must start. */
  private s = -1;
  /** The action already chosen for `s` (SARSA's A'), or -1. */
  protected nextAction = -1;
  /** Allowed actions in `s` (null: all), and the buffer the next state's mask is read into. */
  private mask: Uint8Array | null = null;
  private maskBuf: Uint8Array;
  private nextMaskBuf: Uint8Array;
  private epReturn = 0;
  private epLength = 0;
  private envSeeded = false;

  protected constructor(name: TDName, source: EnvSource, options: TDOptions) {
    const { envKwargs = {}, ...rest } = options;
    const cfg: TDConfig = { ...TD_DEFAULTS, ...rest };
    super(source, envKwargs, cfg.seed);
    this.name = name;
    const env = this.makeEnv() as Env<number, number>;
    let spaces;
    try {
      spaces = discreteSpaces(this.name, this.envId, env);
      this.cfg = checkConfig(this.name, cfg);
    } catch (err) {
      env.close();
      throw err;
    }
    this.env = env;
    this.obsSpace = spaces.obs;
    this.actSpace = spaces.act;
    this.nS = spaces.obs.n;
    this.nA = spaces.act.n;
    this.Q = new Float64Array(this.nS * this.nA).fill(cfg.qInit);
    this.stateVisits = new Float64Array(this.nS);
    this.epsilon = cfg.epsStart;
    this.alpha = cfg.alpha;
    this.maskBuf = new Uint8Array(this.nA);
    this.nextMaskBuf = new Uint8Array(this.nA);
  }

  get config(): Record<string, unknown> {
    return { ...this.cfg };
  }

  /**
   * The method's bootstrap value V(s') of a state that was not terminal; `mask` gives the actions allowed in s'
   * (null: all). Called once per non-terminal transition, before the update.
   */
  protected abstract nextValue(s2: number, mask: Uint8Array | null): number;

  /** The update for one transition (s, a, r, s'), returning the TD error delta = target - Q(s,a). */
  private tdUpdate(s: number, a: number, r: number, s2: number, terminated: boolean, mask: Uint8Array | null): number {
    const target = r + (terminated ? 0 : this.cfg.gamma * this.nextValue(s2, mask));
    const i = s * this.nA + a;
    const delta = target - this.Q[i];
    this.Q[i] += this.alpha * delta;
    return delta;
  }

  protected iteration(ctx: TrainContext): Record<string, number> {
    const steps = Math.min(this.cfg.stepsPerIteration, ctx.totalSteps - ctx.numTimesteps);
    let sumAbsTd = 0;
    for (let n = 0; n < steps; n++) {
      if (this.s < 0) this.startEpisode();
      this.updateSchedules(ctx.numTimesteps, ctx.totalSteps);
      const s = this.s;
      const a = this.nextAction >= 0 ? this.nextAction : this.epsilonGreedy(s, this.mask);
      this.nextAction = -1;
      if (this.cfg.epsSchedule === 'visits') this.epsilon = this.epsilonAt(s);
      this.stateVisits[s]++;
      const r = this.env.step(a + this.actSpace.start);
      this.recordSingleStep(ctx, r.reward);
      const s2 = indexOf(
        this.obsSpace,
        r.obs,
        `${this.name}: observation of ${this.envId} at step ${ctx.numTimesteps}`,
      );
      const nextMask = this.readMask(r.info, this.nextMaskBuf);
      sumAbsTd += Math.abs(this.tdUpdate(s, a, r.reward, s2, r.terminated, nextMask));
      this.epReturn += r.reward;
      this.epLength++;
      if (r.terminated || r.truncated) {
        this.addEpisode(ctx, this.epReturn, this.epLength);
        this.s = -1;
        this.nextAction = -1;
      } else {
        this.s = s2;
        [this.maskBuf, this.nextMaskBuf] = [this.nextMaskBuf, this.maskBuf];
        this.mask = nextMask;
      }
    }
    return { epsilon: this.epsilon, alpha: this.alpha, mean_abs_td: steps > 0 ? sumAbsTd / steps : 0 };
  }

  private startEpisode(): void {
    // The first reset of this instance's env is seeded from the algorithm's generator: same seed, same run.
    const { obs, info } = this.envSeeded ? this.env.reset() : this.env.reset({ seed: this.rng.spawnSeed() });
    this.envSeeded = true;
    this.s = indexOf(this.obsSpace, obs, `${this.name}: reset observation of ${this.envId}`);
    this.mask = this.readMask(info, this.maskBuf);
    this.nextAction = -1;
    this.epReturn = 0;
    this.epLength = 0;
  }

  private updateSchedules(t: number, total: number): void {
    const c = this.cfg;
    if (c.epsSchedule !== 'visits')
      this.epsilon = decay(c.epsSchedule, c.epsStart, c.epsEnd, t / (c.epsFraction * total));
    this.alpha = c.alphaSchedule === 'constant' ? c.alpha : decay(c.alphaSchedule, c.alpha, c.alphaEnd, t / total);
  }

  /** The info's action mask copied into `out` as 0/1, or null (no mask, masks off, or nothing allowed). */
  private readMask(info: Record<string, unknown>, out: Uint8Array): Uint8Array | null {
    if (!this.cfg.useActionMask) return null;
    const m = info.action_mask as ArrayLike<number> | undefined;
    if (m === undefined || m === null || m.length !== this.nA) return null;
    let any = 0;
    for (let a = 0; a < this.nA; a++) any |= out[a] = m[a] ? 1 : 0;
    return any ? out : null;
  }

  // --- The policy and the quantities the updates bootstrap from ---

  /** argmax_a Q(s, a) over the allowed actions, ties broken uniformly with the algorithm's generator. */
  protected greedy(s: number, mask: Uint8Array | null): number {
    const row = s * this.nA;
    let best = -1,
      bestQ = -Infinity,
      ties = 0;
    for (let a = 0; a < this.nA; a++) {
      if (mask !== null && !mask[a]) continue;
      const q = this.Q[row + a];
      if (best < 0 || q > bestQ) {
        best = a;
        bestQ = q;
        ties = 1;
      } else if (q === bestQ && this.rng.below(++ties) === 0) best = a;
    }
    return best;
  }

  /** The exploration rate in state s: the step schedule's current epsilon, or min(epsStart, epsC / (1 + n(s))). */
  protected epsilonAt(s: number): number {
    const c = this.cfg;
    return c.epsSchedule === 'visits' ? Math.min(c.epsStart, c.epsC / (1 + this.stateVisits[s])) : this.epsilon;
  }

  /** With probability epsilon(s) a uniformly random allowed action, otherwise the greedy one. */
  protected epsilonGreedy(s: number, mask: Uint8Array | null): number {
    const eps = this.epsilonAt(s);
    if (eps > 0 && this.rng.random() < eps) return this.randomAction(mask);
    return this.greedy(s, mask);
  }

  private randomAction(mask: Uint8Array | null): number {
    if (mask === null) return this.rng.below(this.nA);
    let k = this.rng.below(countAllowed(mask));
    for (let a = 0; a < this.nA; a++) if (mask[a] && k-- === 0) return a;
    return -1;
  }

  /** max_a' Q(s', a') over the allowed actions. */
  protected maxQ(s: number, mask: Uint8Array | null): number {
    const row = s * this.nA;
    let m = -Infinity;
    for (let a = 0; a < this.nA; a++) if ((mask === null || mask[a]) && this.Q[row + a] > m) m = this.Q[row + a];
    return m;
  }

  /**
   * sum_a' pi(a'|s') Q(s', a') for the epsilon-greedy policy over the k allowed actions, whose greedy choice is
   * uniform over the g maximizing ones: pi(a') = epsilon / k + (1 - epsilon) / g for those, epsilon / k otherwise
   * (epsilon = epsilon(s')).
   */
  protected expectedQ(s: number, mask: Uint8Array | null): number {
    const row = s * this.nA,
      max = this.maxQ(s, mask),
      eps = this.epsilonAt(s);
    let k = 0,
      sum = 0;
    for (let a = 0; a < this.nA; a++) {
      if (mask !== null && !mask[a]) continue;
      k++;
      sum += this.Q[row + a];
    }
    // The g greedy actions share (1 - epsilon) and all have Q = max, so their part is (1 - epsilon) max.
    return (eps / k) * sum + (1 - eps) * max;
  }

  /** The greedy action (deterministic, the default) or an epsilon-greedy one with the current epsilon(s). */
  predict(obs: unknown, opts: PredictOptions = {}): number {
    const s = indexOf(this.obsSpace, obs, `${this.name}.predict: observation`);
    let mask: Uint8Array | null = null;
    if (opts.actionMask && this.cfg.useActionMask)
      mask = this.readMask({ action_mask: opts.actionMask }, new Uint8Array(this.nA));
    const a = (opts.deterministic ?? true) ? this.greedy(s, mask) : this.epsilonGreedy(s, mask);
    return a + this.actSpace.start;
  }

  /** Q(s, a) for env values of s and a. */
  q(obs: number, action: number): number {
    return this.Q[
      indexOf(this.obsSpace, obs, `${this.name}.q: state`) * this.nA +
        indexOf(this.actSpace, action, `${this.name}.q: action`)
    ];
  }

  protected stateArrays(): Record<string, StoredArray> {
    return { q: this.Q, state_visits: this.stateVisits };
  }

  protected override stateExtra(): Record<string, unknown> {
    return { epsilon: this.epsilon, alpha: this.alpha };
  }

  /**
   * Restores Q, the visit counts and the loop's state; the next training step starts a new episode. A checkpoint
   * written before the counts were kept loads with zero counts, unless the 'visits' schedule needs them.
   */
  restore(ck: Checkpoint, dir: string): void {
    this.Q.set(tensorOf(ck, 'q', Float64Array, this.nS * this.nA, dir));
    if (ck.tensors.state_visits !== undefined || this.cfg.epsSchedule === 'visits') {
      this.stateVisits.set(tensorOf(ck, 'state_visits', Float64Array, this.nS, dir));
    }
    this.restoreCommon(ck);
    const st = ck.manifest.state as { epsilon?: unknown; alpha?: unknown };
    if (typeof st.epsilon === 'number') this.epsilon = st.epsilon;
    if (typeof st.alpha === 'number') this.alpha = st.alpha;
    this.s = -1;
    this.nextAction = -1;
  }

  override close(): void {
    this.env.close();
  }
}

function countAllowed(mask: Uint8Array): number {
  let k = 0;
  for (let a = 0; a < mask.length; a++) k += mask[a];
  return k;
}

function checkConfig(owner: string, c: TDConfig): TDConfig {
  checkRange(owner, 'alpha', c.alpha, 0, 1, true);
  checkOneOf(owner, 'alphaSchedule', c.alphaSchedule, ['constant', 'linear', 'exponential'] as const);
  if (c.alphaSchedule !== 'constant')
    checkRange(owner, 'alphaEnd', c.alphaEnd, 0, 1, c.alphaSchedule === 'exponential');
  checkRange(owner, 'gamma', c.gamma, 0, 1);
  checkRange(owner, 'epsStart', c.epsStart, 0, 1);
  checkRange(owner, 'epsEnd', c.epsEnd, 0, 1);
  checkRange(owner, 'epsFraction', c.epsFraction, 0, 1, true);
  checkOneOf(owner, 'epsSchedule', c.epsSchedule, ['linear', 'exponential', 'visits'] as const);
  if (c.epsSchedule === 'visits' && !(typeof c.epsC === 'number' && Number.isFinite(c.epsC) && c.epsC > 0)) {
    throw new RangeError(
      `${owner}: epsC (the scale of the 'visits' schedule epsilon(s) = min(epsStart, epsC / (1 + n(s)))) must be a finite number > 0, got ${describe(c.epsC)}`,
    );
  }
  if (c.epsSchedule === 'exponential' && !(c.epsStart > 0 && c.epsEnd > 0)) {
    throw new RangeError(
      `${owner}: the exponential epsilon schedule needs epsStart > 0 and epsEnd > 0, got ${c.epsStart} and ${c.epsEnd}`,
    );
  }
  if (typeof c.qInit !== 'number' || !Number.isFinite(c.qInit))
    throw new RangeError(`${owner}: qInit must be a finite number, got ${String(c.qInit)}`);
  checkPositiveInt(owner, 'stepsPerIteration', c.stepsPerIteration);
  if (typeof c.useActionMask !== 'boolean')
    throw new TypeError(`${owner}: useActionMask must be true or false, got ${String(c.useActionMask)}`);
  return c;
}
