/**
 * n-step returns: NStepAccumulator turns one env's 1-step transitions into n-step ones; NStepCollector does it
 * for every env of a vector env step at once, into a reusable TransitionBatch for `ReplayBuffer.add`.
 *
 * For the transition that starts at s_t, with m = the number of rewards summed (m <= n):
 *   R_t      = sum_{k<m} gamma^k r_{t+k}
 *   nextObs  = s_{t+m}
 *   discount = gamma^m
 *   target   y_t = R_t + discount * (1 - terminated) * V(s_{t+m})
 * m = n inside an episode. An episode end inside the window cuts it (m < n), and every pending transition of
 * the episode is flushed then, so none is lost:
 * - termination at step t+m-1: terminated = 1 (no bootstrap; discount is stored but multiplied by 0);
 * - truncation: truncated = 1 and nextObs = the final observation, bootstrapped with gamma^m.
 * `flush()` cuts the pending windows where they stand (truncated = 1, bootstrapped from the last nextObs),
 * for a run that stops or saves mid-episode. n = 1 gives the plain transitions with discount gamma.
 *
 * Invariant: each env holds at most n - 1 pending steps between pushes; a push emits 0 or 1 transitions, or
 * all pending ones (at most n) when the episode ends.
 */
import { describe } from '../../core/rng.js';
import { TransitionBatch, type Transitions } from './transitions.js';

function checkSettings(owner: string, n: number, gamma: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${owner}: n must be an integer >= 1, got ${describe(n)}`);
  if (!(typeof gamma === 'number' && gamma >= 0 && gamma <= 1))
    throw new RangeError(`${owner}: gamma must be a number in [0, 1], got ${describe(gamma)}`);
}

export class NStepAccumulator {
  /** The pending window, a ring of n steps starting at `head`. */
  private readonly obs: Float32Array;
  private readonly actions: Float32Array;
  private readonly rewards: Float64Array;
  private head = 0;
  private len = 0;
  /** s_{t+1} of the last push, for `flush`. */
  private readonly lastNextObs: Float32Array;
  /** gamma^k for k = 0..n. */
  private readonly gammaPow: Float64Array;

  constructor(
    readonly n: number,
    readonly gamma: number,
    readonly obsDim: number,
    readonly actDim: number,
  ) {
    checkSettings('NStepAccumulator', n, gamma);
    this.obs = new Float32Array(n * obsDim);
    this.actions = new Float32Array(n * actDim);
    this.rewards = new Float64Array(n);
    this.lastNextObs = new Float32Array(obsDim);
    this.gammaPow = new Float64Array(n + 1);
    for (let k = 0; k <= n; k++) this.gammaPow[k] = gamma ** k;
  }

  /** Steps waiting for their window to fill. */
  get pending(): number {
    return this.len;
  }

  /**
   * One env step: s_t = obs[obsOff..], a_t = actions[actOff..], r_t, the flags, s_{t+1} = nextObs[nextOff..]
   * (the final observation when the episode ended). Appends the transitions it completes to `out` (at
   * out.count, which it advances) and returns how many.
   */
  push(
    obs: ArrayLike<number>,
    obsOff: number,
    actions: ArrayLike<number>,
    actOff: number,
    reward: number,
    terminated: boolean | number,
    truncated: boolean | number,
    nextObs: ArrayLike<number>,
    nextOff: number,
    out: TransitionBatch,
  ): number {
    const D = this.obsDim,
      A = this.actDim;
    const slot = (this.head + this.len) % this.n;
    for (let d = 0; d < D; d++) this.obs[slot * D + d] = obs[obsOff + d];
    for (let d = 0; d < A; d++) this.actions[slot * A + d] = actions[actOff + d];
    this.rewards[slot] = reward;
    this.len++;
    for (let d = 0; d < D; d++) this.lastNextObs[d] = nextObs[nextOff + d];
    if (terminated || truncated) {
      const emitted = this.len;
      while (this.len > 0) this.emit(out, this.len, nextObs, nextOff, terminated ? 1 : 0, truncated ? 1 : 0);
      return emitted;
    }
    if (this.len === this.n) {
      this.emit(out, this.n, nextObs, nextOff, 0, 0);
      return 1;
    }
    return 0;
  }

  /** Emits every pending step as a cut window (truncated = 1, bootstrapped from the last nextObs); returns how many. */
  flush(out: TransitionBatch): number {
    const emitted = this.len;
    while (this.len > 0) this.emit(out, this.len, this.lastNextObs, 0, 0, 1);
    return emitted;
  }

  /** Drops the pending steps (after the env was reset without ending its episode). */
  clear(): void {
    this.head = 0;
    this.len = 0;
  }

  /** Writes the oldest pending step's m-step transition to out and drops that step. */
  private emit(
    out: TransitionBatch,
    m: number,
    nextObs: ArrayLike<number>,
    nextOff: number,
    terminated: number,
    truncated: number,
  ): void {
    const D = this.obsDim,
      A = this.actDim,
      r = out.count;
    if (r >= out.capacity)
      throw new RangeError(
        `NStepAccumulator: the output batch is full (${out.capacity} rows); give it room for n = ${this.n} rows per env`,
      );
    if (out.obsDim !== D || out.actDim !== A || out.discounts === null)
      throw new TypeError(`NStepAccumulator: the output batch must have obsDim ${D}, actDim ${A} and discounts`);
    const h = this.head;
    let ret = 0;
    for (let k = 0; k < m; k++) ret += this.gammaPow[k] * this.rewards[(h + k) % this.n];
    for (let d = 0; d < D; d++) {
      out.obs[r * D + d] = this.obs[h * D + d];
      out.nextObs[r * D + d] = nextObs[nextOff + d];
    }
    for (let d = 0; d < A; d++) out.actions[r * A + d] = this.actions[h * A + d];
    out.rewards[r] = ret;
    out.discounts[r] = this.gammaPow[m];
    out.terminated[r] = terminated;
    out.truncated[r] = truncated;
    out.count = r + 1;
    this.head = (h + 1) % this.n;
    this.len--;
  }
}

export interface NStepCollectorOptions {
  numEnvs: number;
  n: number;
  gamma: number;
  obsDim: number;
  actDim: number;
}

/** One NStepAccumulator per env of a vector env; `push(step)` returns the completed n-step transitions of all envs. */
export class NStepCollector {
  readonly numEnvs: number;
  readonly obsDim: number;
  readonly actDim: number;
  readonly accumulators: NStepAccumulator[];
  /** Reused by every push and flush (capacity numEnvs * n rows): add it to the buffer before the next push. */
  readonly out: TransitionBatch;

  constructor(options: NStepCollectorOptions) {
    const { numEnvs, n, gamma, obsDim, actDim } = options;
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new RangeError(`NStepCollector: numEnvs must be an integer >= 1, got ${describe(numEnvs)}`);
    checkSettings('NStepCollector', n, gamma);
    this.numEnvs = numEnvs;
    this.obsDim = obsDim;
    this.actDim = actDim;
    this.accumulators = Array.from({ length: numEnvs }, () => new NStepAccumulator(n, gamma, obsDim, actDim));
    this.out = new TransitionBatch(numEnvs * n, obsDim, actDim, true);
  }

  /** Total pending steps over all envs. */
  get pending(): number {
    let p = 0;
    for (const a of this.accumulators) p += a.pending;
    return p;
  }

  /**
   * One vector env step (numEnvs rows: obs, actions, rewards, terminated, truncated, nextObs with each ended
   * env's final observation). Returns `out` holding the transitions completed by this step (out.count rows).
   */
  push(step: Transitions): TransitionBatch {
    const N = this.numEnvs,
      D = this.obsDim,
      A = this.actDim;
    const check = (name: string, arr: ArrayLike<number>, per: number) => {
      if (arr?.length !== N * per)
        throw new RangeError(
          `NStepCollector.push: ${name} has ${arr?.length} numbers, expected ${N * per} (${N} envs x ${per})`,
        );
    };
    check('obs', step.obs, D);
    check('nextObs', step.nextObs, D);
    check('actions', step.actions, A);
    check('rewards', step.rewards, 1);
    check('terminated', step.terminated, 1);
    check('truncated', step.truncated, 1);
    this.out.count = 0;
    for (let i = 0; i < N; i++) {
      this.accumulators[i].push(
        step.obs,
        i * D,
        step.actions,
        i * A,
        step.rewards[i],
        step.terminated[i],
        step.truncated[i],
        step.nextObs,
        i * D,
        this.out,
      );
    }
    return this.out;
  }

  /** Every env's pending steps as cut windows (see NStepAccumulator.flush), in `out`. */
  flush(): TransitionBatch {
    this.out.count = 0;
    for (const a of this.accumulators) a.flush(this.out);
    return this.out;
  }

  clear(): void {
    for (const a of this.accumulators) a.clear();
  }
}
