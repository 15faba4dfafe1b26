/**
 * The policy of an algorithm that learns one explicitly (the on-policy methods and GRPO), as Stable-Baselines3's
 * `model.policy`: code that samples from a policy, scores actions under it or moves its weights between
 * algorithms (the RL tuner, policy files) goes through this interface instead of reaching into an algorithm's
 * networks.
 *
 * Observations are raw, as the env gives them: a policy that normalizes observations does so itself. Actions
 * are as the env takes them: an index (Discrete) or a vector (Box, clipped to the bounds by `act`).
 */
import type { Algorithm, PredictOptions } from './algorithm.js';

export interface StochasticPolicy {
  /** Numbers per observation. */
  readonly obsDim: number;
  /** True for a Categorical policy (Discrete actions), false for a Gaussian one (Box actions). */
  readonly discrete: boolean;
  /** Number of actions (Discrete) or action dimension (Box). */
  readonly nAct: number;
  /**
   * The action for one observation: the most likely one (deterministic, the default) or a sample drawn with
   * the algorithm's generator. `predict` of the algorithm is this.
   */
  act(obs: ArrayLike<number>, opts?: PredictOptions): number | Float32Array;
  /**
   * log pi(a|s) of `n` observation-action pairs: `obs` holds n x obsDim numbers, `actions` n indices (Discrete)
   * or n x nAct numbers (Box); `masks` (n x nAct, 1 = allowed) restricts a Categorical to the allowed actions.
   */
  logProb(
    obs: ArrayLike<number>,
    actions: ArrayLike<number>,
    n: number,
    masks?: ArrayLike<number> | null,
  ): Float64Array;
  /**
   * The weights of the action network, live: writing into it changes the policy. Checkpoints store it as
   * their `actor` array, so policies of the same layout exchange weights through it.
   */
  readonly parameters: Float32Array;
}

/** An algorithm that exposes its policy. */
export type PolicyAlgorithm = Algorithm & { readonly policy: StochasticPolicy };
