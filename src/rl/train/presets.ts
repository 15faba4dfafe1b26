/**
 * Hyperparameter presets per algorithm and env (RL Zoo's idea): the budget in env steps and the config that
 * works for that pair. `--config file.json` and command-line flags override them, in that order.
 */
export interface Preset {
  steps: number;
  config: Record<string, unknown>;
}

const PRESETS: Record<string, Record<string, Preset>> = {
  ppo: {
    // RL Zoo's tuned CartPole settings (8 envs x 32 steps, one minibatch of 256, 20 epochs, lr 1e-3 annealed).
    'CartPole-v1': { steps: 100_000, config: { nEnvs: 8, nSteps: 32, nMinibatches: 1, nEpochs: 20, gaeLambda: 0.8, gamma: 0.98, entCoef: 0, lr: 1e-3, lrSchedule: 'linear', clipCoef: 0.2 } },
    'Acrobot-v1': { steps: 500_000, config: { nEnvs: 16, nSteps: 256, nMinibatches: 16, nEpochs: 4, gaeLambda: 0.94, gamma: 0.99, entCoef: 0, lr: 3e-4 } },
    'MountainCar-v0': { steps: 1_000_000, config: { nEnvs: 16, nSteps: 16, nMinibatches: 1, nEpochs: 4, gaeLambda: 0.98, gamma: 0.99, entCoef: 0 } },
    // Continuous control needs observation and reward normalization (as CleanRL's and RL Zoo's settings).
    'Pendulum-v1': { steps: 300_000, config: { nEnvs: 4, nSteps: 512, nMinibatches: 32, nEpochs: 10, gaeLambda: 0.95, gamma: 0.95, entCoef: 0, lr: 5e-4, lrSchedule: 'constant', logStdInit: -0.5, normalizeObs: true, normalizeReward: true } },
  },
};

PRESETS.a2c = {
  'CartPole-v1': { steps: 500_000, config: { nEnvs: 8, nSteps: 5, lr: 7e-4, lrSchedule: 'linear', gamma: 0.99, gaeLambda: 1, entCoef: 0 } },
};
PRESETS.reinforce = {
  'CartPole-v1': { steps: 500_000, config: { nEnvs: 8, lr: 3e-3, lrSchedule: 'constant', episodesPerUpdate: 8, gamma: 0.99 } },
};

// The tabular TD methods share their settings (bench/rl/tabular.ts measures them on seeds 1..3).
for (const algo of ['q-learning', 'sarsa', 'expected-sarsa']) {
  PRESETS[algo] = {
    'FrozenLake-v1': { steps: 200_000, config: { alphaSchedule: 'linear', alphaEnd: 0.01 } },
    'CliffWalking-v1': { steps: 20_000, config: {} },
    'Taxi-v4': { steps: 200_000, config: {} },
  };
}

const DEFAULT_STEPS: Record<string, number> = { ppo: 500_000, a2c: 500_000, reinforce: 500_000, 'value-iteration': 1, 'policy-iteration': 1 };

/** The preset for `algo` on `env` (the algorithm's defaults and a generic budget when there is none). */
export function presetFor(algo: string, env: string): Preset {
  return PRESETS[algo]?.[env] ?? { steps: DEFAULT_STEPS[algo] ?? 100_000, config: {} };
}

export function hasPreset(algo: string, env: string): boolean {
  return PRESETS[algo]?.[env] !== undefined;
}
