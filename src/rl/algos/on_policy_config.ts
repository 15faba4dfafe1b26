/** The hyperparameters every on-policy method has (on_policy.ts), their defaults, and a minibatch's scratch. */
import type { Schedule } from '../nn/adam.js';
import type { Activation } from '../nn/mlp.js';

/** Hyperparameters every on-policy method has. */
export interface OnPolicyConfig {
  nEnvs: number;
  /** Steps per env per rollout. */
  nSteps: number;
  lr: number;
  lrSchedule: Schedule;
  gamma: number;
  gaeLambda: number;
  entCoef: number;
  vfCoef: number;
  maxGradNorm: number;
  hidden: number[];
  activation: Activation;
  /** Initial log std of the Gaussian policy (Box actions). */
  logStdInit: number;
  /** One network with a policy head and a value head on shared hidden layers (else two networks). */
  sharedNetwork: boolean;
  normalizeObs: boolean;
  normalizeReward: boolean;
  clipObs: number;
  clipReward: number;
  backend: 'auto' | 'native' | 'tfjs' | 'js';
  seed: number;
}

export const ON_POLICY_DEFAULTS: OnPolicyConfig = {
  nEnvs: 4,
  nSteps: 128,
  lr: 2.5e-4,
  lrSchedule: 'linear',
  gamma: 0.99,
  gaeLambda: 0.95,
  entCoef: 0.01,
  vfCoef: 0.5,
  maxGradNorm: 0.5,
  hidden: [64, 64],
  activation: 'tanh',
  logStdInit: 0,
  sharedNetwork: false,
  normalizeObs: false,
  normalizeReward: false,
  clipObs: 10,
  clipReward: 10,
  backend: 'auto',
  seed: 1,
};

/** Scratch arrays of a minibatch pass through the policy. */
export interface PolicyEval {
  /** log pi(a|s) and entropy per row. */
  logp: Float64Array;
  ent: Float64Array;
  values: Float32Array;
}
