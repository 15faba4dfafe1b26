/** Tabular methods: TD control (Q-learning, SARSA, Expected SARSA) and dynamic programming on P. */
export { QLearning } from './q_learning.js';
export { SARSA } from './sarsa.js';
export { ExpectedSARSA } from './expected_sarsa.js';
export { TDControl, TD_DEFAULTS, decay, type TDConfig, type TDOptions, type Decay } from './td_control.js';
export {
  ValueIteration,
  PolicyIteration,
  policyValue,
  DP_DEFAULTS,
  type DPConfig,
  type DPOptions,
} from './dynamic_programming.js';
export { TABULAR_SUPPORTS } from './common.js';
export { TD_SETTINGS } from './settings.js';
