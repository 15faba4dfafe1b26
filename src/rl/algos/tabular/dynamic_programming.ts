/**
 * Dynamic programming on a known model (Sutton & Barto, ch. 4): value iteration and policy iteration on the env's
 * transition table P[s][a] = [[prob, next, reward, terminated], ...] (toy-text envs, `HasTransitionTable`).
 * They plan for the discounted infinite-horizon MDP: the env's TimeLimit plays no part.
 *
 * Both use the one-step lookahead
 *   q(s,a) = sum_{(p, s', r, terminated) in P[s][a]} p [r + gamma V(s') (1 - terminated)]
 * where a terminated outcome does not bootstrap (Gymnasium's P marks them), so V of terminal states is never used.
 *
 * They are Algorithms like the others: an `iteration` is one sweep (value iteration) or one evaluation and
 * improvement round (policy iteration), takes no env step, and sets `ctx.stop` on convergence or when
 * `maxSweeps` sweeps are spent. `learn({totalSteps})` needs any totalSteps > 0 (it only has to start the loop).
 * Greedy actions: the lowest action whose q is within 1e-12 (relative) of the maximum, as NumPy's argmax,
 * so that actions whose q differ only by the rounding of the sum's order count as tied.
 */
import { hasTransitionTable, type TransitionTable } from '../../core/env.js';
import type { EnvSource, MakeOptions } from '../../core/registry.js';
import type { Discrete } from '../../core/spaces/index.js';
import { Algorithm, type PredictOptions } from '../../train/algorithm.js';
import { CheckpointError, tensorOf, type Checkpoint, type StoredArray } from '../../train/checkpoint.js';
import type { TrainContext } from '../../train/context.js';
import { checkPositiveInt, checkRange, discreteSpaces, indexOf } from './common.js';

export interface DPConfig {
  gamma: number;
  /** Convergence tolerance: a sweep whose largest change of V is below theta ends the evaluation. */
  theta: number;
  /** Most sweeps over the state space in all (policy iteration: evaluation sweeps). */
  maxSweeps: number;
  seed: number;
}

export const DP_DEFAULTS: DPConfig = { gamma: 0.99, theta: 1e-10, maxSweeps: 100_000, seed: 1 };

export type DPOptions = Partial<DPConfig> & { seed?: number; envKwargs?: MakeOptions };

/** Relative tolerance under which two q values count as tied. */
const TIE_TOL = 1e-12;

export type DPName = 'value-iteration' | 'policy-iteration';

abstract class DynamicProgramming extends Algorithm {
  readonly name: DPName;
  readonly cfg: DPConfig;
  readonly P: TransitionTable;
  readonly nS: number;
  readonly nA: number;
  /** V(s). */
  readonly values: Float64Array;
  /** pi(s), an action index. */
  readonly policy: Int32Array;
  sweeps = 0;
  converged = false;
  private readonly obsSpace: Discrete;
  private readonly actSpace: Discrete;

  protected constructor(name: DPName, source: EnvSource, options: DPOptions) {
    const { envKwargs = {}, ...rest } = options;
    const cfg: DPConfig = { ...DP_DEFAULTS, ...rest };
    super(source, envKwargs, cfg.seed);
    this.name = name;
    const env = this.makeEnv();
    try {
      const spaces = discreteSpaces(this.name, this.envId, env);
      this.obsSpace = spaces.obs;
      this.actSpace = spaces.act;
      const base = env.unwrapped;
      if (!hasTransitionTable(base)) {
        throw new TypeError(
          `${this.name} plans on the env's transition table P[s][a] = [[prob, next, reward, terminated], ...]; ${this.envId} (${base.constructor.name}) has no P. Use a model-free method (q-learning, sarsa) instead.`,
        );
      }
      this.P = checkTable(this.name, this.envId, base.P, spaces.obs.n, spaces.act.n);
    } finally {
      env.close();
    }
    this.cfg = cfg;
    checkRange(this.name, 'gamma', cfg.gamma, 0, 1);
    checkRange(this.name, 'theta', cfg.theta, 0, Infinity, true);
    checkPositiveInt(this.name, 'maxSweeps', cfg.maxSweeps);
    this.nS = this.obsSpace.n;
    this.nA = this.actSpace.n;
    this.values = new Float64Array(this.nS);
    this.policy = new Int32Array(this.nS);
  }

  get config(): Record<string, unknown> {
    return { ...this.cfg };
  }

  /** q(s,a) = sum p [r + gamma V(s') (1 - terminated)] under the values V. */
  protected lookahead(s: number, a: number, V: Float64Array): number {
    let q = 0;
    for (const [p, next, r, terminated] of this.P[s][a]) q += p * (r + (terminated ? 0 : this.cfg.gamma * V[next]));
    return q;
  }

  /** max_a q(s,a), and the lowest action attaining it up to TIE_TOL. */
  protected bestAction(s: number, V: Float64Array): { action: number; q: number } {
    let max = -Infinity;
    const qs = new Float64Array(this.nA);
    for (let a = 0; a < this.nA; a++) {
      qs[a] = this.lookahead(s, a, V);
      if (qs[a] > max) max = qs[a];
    }
    const tol = TIE_TOL * Math.max(1, Math.abs(max));
    let action = 0;
    while (qs[action] < max - tol) action++;
    return { action, q: max };
  }

  /** The stop rule shared by both methods: converged, or out of sweeps. */
  protected finish(ctx: TrainContext, converged: boolean): void {
    this.converged = converged;
    if (converged || this.sweeps >= this.cfg.maxSweeps) ctx.stop = true;
  }

  /** pi(s). */
  predict(obs: unknown, _opts: PredictOptions = {}): number {
    return this.policy[indexOf(this.obsSpace, obs, `${this.name}.predict: observation`)] + this.actSpace.start;
  }

  /** V(s) for an env value of s. */
  value(obs: number): number {
    return this.values[indexOf(this.obsSpace, obs, `${this.name}.value: state`)];
  }

  /** Q(s, .) of the current values, for every state: Q[s * nA + a]. */
  qTable(): Float64Array {
    const Q = new Float64Array(this.nS * this.nA);
    for (let s = 0; s < this.nS; s++)
      for (let a = 0; a < this.nA; a++) Q[s * this.nA + a] = this.lookahead(s, a, this.values);
    return Q;
  }

  protected stateArrays(): Record<string, StoredArray> {
    return { values: this.values, policy: this.policy };
  }

  protected override stateExtra(): Record<string, unknown> {
    return { sweeps: this.sweeps, converged: this.converged };
  }

  restore(ck: Checkpoint, dir: string): void {
    const policy = tensorOf(ck, 'policy', Int32Array, this.nS, dir);
    const bad = policy.findIndex((a) => a < 0 || a >= this.nA);
    if (bad >= 0)
      throw new CheckpointError(
        `${dir}: policy[${bad}] = ${policy[bad]} is not an action of ${this.envId} (0..${this.nA - 1})`,
      );
    this.values.set(tensorOf(ck, 'values', Float64Array, this.nS, dir));
    this.policy.set(policy);
    this.restoreCommon(ck);
    const st = ck.manifest.state as { sweeps?: unknown; converged?: unknown };
    this.sweeps = typeof st.sweeps === 'number' ? st.sweeps : 0;
    this.converged = st.converged === true;
  }
}

/**
 * Value iteration, in place (Sutton & Barto, section 4.4). One sweep:
 *   V(s) <- max_a sum p [r + gamma V(s') (1 - terminated)]          for every s, using the newest V(s')
 *   delta = max_s |change of V(s)|;  converged when delta < theta
 * The policy is greedy in V: pi(s) = argmax_a q(s,a).
 */
export class ValueIteration extends DynamicProgramming {
  constructor(source: EnvSource, config: DPOptions = {}) {
    super('value-iteration', source, config);
  }

  protected iteration(ctx: TrainContext): Record<string, number> {
    const V = this.values;
    let delta = 0;
    for (let s = 0; s < this.nS; s++) {
      const { action, q } = this.bestAction(s, V);
      delta = Math.max(delta, Math.abs(q - V[s]));
      V[s] = q;
      this.policy[s] = action;
    }
    this.sweeps++;
    const converged = delta < this.cfg.theta;
    if (converged) for (let s = 0; s < this.nS; s++) this.policy[s] = this.bestAction(s, V).action;
    this.finish(ctx, converged);
    return { delta, sweeps: this.sweeps };
  }
}

/**
 * Policy iteration (Sutton & Barto, section 4.3). One round:
 *   evaluation:  V(s) <- sum p [r + gamma V(s') (1 - terminated)] with a = pi(s), in place, until delta < theta
 *                (starting from the previous policy's values)
 *   improvement: pi(s) <- argmax_a q(s,a); converged when no action changes
 * An action changes only when its q beats the current action's by more than the tie tolerance, so ties never
 * make the policy cycle.
 */
export class PolicyIteration extends DynamicProgramming {
  rounds = 0;

  constructor(source: EnvSource, config: DPOptions = {}) {
    super('policy-iteration', source, config);
  }

  protected iteration(ctx: TrainContext): Record<string, number> {
    const V = this.values,
      pi = this.policy;
    let delta = Infinity;
    while (delta >= this.cfg.theta && this.sweeps < this.cfg.maxSweeps) {
      delta = 0;
      for (let s = 0; s < this.nS; s++) {
        const v = this.lookahead(s, pi[s], V);
        delta = Math.max(delta, Math.abs(v - V[s]));
        V[s] = v;
      }
      this.sweeps++;
    }
    let changes = 0;
    for (let s = 0; s < this.nS; s++) {
      const { action, q } = this.bestAction(s, V);
      const current = this.lookahead(s, pi[s], V);
      if (action !== pi[s] && q > current + TIE_TOL * Math.max(1, Math.abs(q))) {
        pi[s] = action;
        changes++;
      }
    }
    this.rounds++;
    this.finish(ctx, changes === 0 && delta < this.cfg.theta);
    return { delta, sweeps: this.sweeps, policy_changes: changes, rounds: this.rounds };
  }

  protected override stateExtra(): Record<string, unknown> {
    return { ...super.stateExtra(), rounds: this.rounds };
  }

  override restore(ck: Checkpoint, dir: string): void {
    super.restore(ck, dir);
    const r = (ck.manifest.state as { rounds?: unknown }).rounds;
    this.rounds = typeof r === 'number' ? r : 0;
  }
}

/**
 * V^pi exactly, for a deterministic policy: solves (I - gamma P_pi) V = r_pi by Gaussian elimination with
 * partial pivoting (O(nS^3): for checking DP results and benchmarks, not for large tables). Needs gamma < 1
 * or a policy that terminates from every state.
 */
export function policyValue(P: TransitionTable, policy: ArrayLike<number>, gamma: number): Float64Array {
  const n = P.length;
  const A = Array.from({ length: n }, () => new Float64Array(n + 1));
  for (let s = 0; s < n; s++) {
    A[s][s] += 1;
    for (const [p, next, r, terminated] of P[s][policy[s]]) {
      A[s][n] += p * r;
      if (!terminated) A[s][next] -= gamma * p;
    }
  }
  for (let c = 0; c < n; c++) {
    let piv = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r][c]) > Math.abs(A[piv][c])) piv = r;
    if (A[piv][c] === 0)
      throw new RangeError(
        `policyValue: the system is singular (gamma = ${gamma} and the policy never terminates from some state)`,
      );
    [A[c], A[piv]] = [A[piv], A[c]];
    for (let r = 0; r < n; r++) {
      if (r === c || A[r][c] === 0) continue;
      const f = A[r][c] / A[c][c];
      for (let k = c; k <= n; k++) A[r][k] -= f * A[c][k];
    }
  }
  return Float64Array.from(A, (row, s) => row[n] / row[s]);
}

/** Checks P's shape against the spaces: nS rows of nA outcome lists, each a distribution over valid states. */
function checkTable(algo: string, envId: string, P: TransitionTable, nS: number, nA: number): TransitionTable {
  const where = `${algo}: ${envId}'s transition table`;
  if (P.length !== nS) throw new TypeError(`${where} has ${P.length} states, its observation space has ${nS}`);
  for (let s = 0; s < nS; s++) {
    if (!Array.isArray(P[s]) || P[s].length !== nA)
      throw new TypeError(`${where}: P[${s}] has ${Array.isArray(P[s]) ? P[s].length : 'no'} actions, expected ${nA}`);
    for (let a = 0; a < nA; a++) {
      let total = 0;
      for (const t of P[s][a]) {
        const [p, next, r] = t;
        if (!(p >= 0 && p <= 1) || !Number.isInteger(next) || next < 0 || next >= nS || !Number.isFinite(r)) {
          throw new TypeError(
            `${where}: P[${s}][${a}] has the outcome ${JSON.stringify(t)}; expected [prob in [0, 1], next state in 0..${nS - 1}, finite reward, terminated]`,
          );
        }
        total += p;
      }
      if (Math.abs(total - 1) > 1e-6)
        throw new TypeError(`${where}: the probabilities of P[${s}][${a}] sum to ${total}, expected 1`);
    }
  }
  return P;
}
