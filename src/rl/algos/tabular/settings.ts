/**
 * Step budgets and settings with which Q-learning, SARSA and Expected SARSA solve the reference toy-text envs
 * (measured by bench/rl/tabular.ts over seeds 1..3; candidates for the presets of train/presets.ts).
 * FrozenLake is stochastic: a decaying step size lets Q settle, so the greedy policy does not flip between
 * near-tied actions at the end of training.
 */
import type { TDConfig } from './td_control.js';

export const TD_SETTINGS: Record<string, { steps: number; config: Partial<TDConfig> }> = {
  'FrozenLake-v1': { steps: 200_000, config: { alphaSchedule: 'linear', alphaEnd: 0.01 } },
  'CliffWalking-v1': { steps: 20_000, config: {} },
  'Taxi-v4': { steps: 200_000, config: {} },
};
