/**
 * Step budgets and settings with which Q-learning, SARSA and Expected SARSA solve the reference toy-text envs
 * (measured by the repository's bench/rl/tabular.ts, not in the package, over seeds 1..3; candidates for the presets of
 * train/presets.ts).
 * FrozenLake is stochastic: a decaying step size lets Q settle, so the greedy policy does not flip between
 * near-tied actions at the end of training.
 * CliffWalking: SARSA values the policy it follows, so it takes the optimal path along the cliff edge (-13) only
 * once exploration there is nearly gone; with a decaying epsilon the edge is by then rarely visited and keeps the
 * pessimistic values of earlier falls. GLIE exploration per state (epsilon(s) = 1 / (1 + n(s)), td_control.ts)
 * with a small step size does it: an exploratory fall (-100) moves Q(s, a) on the edge by about alpha * 100, a
 * couple of units at alpha 0.02 that the next visits undo; at alpha 0.1 it turns the greedy path off the edge for
 * good (-15). With constant epsilon 0.1 SARSA takes a safe path (Sutton & Barto, Example 6.6).
 */
import type { TDConfig } from './td_control.js';

export const TD_SETTINGS: Record<string, { steps: number; config: Partial<TDConfig> }> = {
  'FrozenLake-v1': { steps: 200_000, config: { alphaSchedule: 'linear', alphaEnd: 0.01 } },
  'CliffWalking-v1': { steps: 200_000, config: { epsSchedule: 'visits', epsC: 1, alpha: 0.02 } },
  'Taxi-v4': { steps: 200_000, config: {} },
};
