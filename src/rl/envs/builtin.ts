/**
 * Registers the built-in reference environments (ids, step limits and reward thresholds as in Gymnasium 1.x).
 * Idempotent: importing `rltune` calls it once; worker threads call it again in their own registry.
 */
import { register, registeredEnvs } from '../core/registry.js';
import type { EnvSpecInput } from '../core/env.js';
import {
  AcrobotEnv,
  CartPoleEnv,
  ContinuousMountainCarEnv,
  MountainCarEnv,
  PendulumEnv,
} from './classic_control/index.js';
import { CliffWalkingEnv, FrozenLakeEnv, SequenceMatchEnv, TaxiEnv } from './toy_text/index.js';

export const BUILTIN_ENVS: Record<string, EnvSpecInput> = {
  'CartPole-v1': { entryPoint: CartPoleEnv, maxEpisodeSteps: 500, rewardThreshold: 475 },
  'MountainCar-v0': { entryPoint: MountainCarEnv, maxEpisodeSteps: 200, rewardThreshold: -110 },
  'MountainCarContinuous-v0': { entryPoint: ContinuousMountainCarEnv, maxEpisodeSteps: 999, rewardThreshold: 90 },
  'Pendulum-v1': { entryPoint: PendulumEnv, maxEpisodeSteps: 200 },
  'Acrobot-v1': { entryPoint: AcrobotEnv, maxEpisodeSteps: 500, rewardThreshold: -100 },
  'FrozenLake-v1': {
    entryPoint: FrozenLakeEnv,
    maxEpisodeSteps: 100,
    rewardThreshold: 0.7,
    kwargs: { mapName: '4x4' },
  },
  'FrozenLake8x8-v1': {
    entryPoint: FrozenLakeEnv,
    maxEpisodeSteps: 200,
    rewardThreshold: 0.85,
    kwargs: { mapName: '8x8' },
  },
  'CliffWalking-v1': { entryPoint: CliffWalkingEnv },
  'CliffWalkingSlippery-v1': { entryPoint: CliffWalkingEnv, kwargs: { isSlippery: true } },
  'Taxi-v4': { entryPoint: TaxiEnv, maxEpisodeSteps: 200, rewardThreshold: 8 },
  // Not a Gymnasium env: RLTune's sequence-generation test task (an outcome-only reward, action masks).
  'SequenceMatch-v0': { entryPoint: SequenceMatchEnv, rewardThreshold: 0.9 },
};

let done = false;

export function registerBuiltinEnvs(): void {
  if (done) return;
  done = true;
  const existing = new Set(registeredEnvs().map((s) => s.id));
  for (const [id, s] of Object.entries(BUILTIN_ENVS)) if (!existing.has(id)) register(id, s);
}
