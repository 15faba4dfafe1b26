/**
 * RLTune's reinforcement-learning toolkit: spaces, the Env contract, the registry, wrappers, vector envs and
 * the reference environments. Importing it registers the built-in envs.
 */
export * from './core/spaces/index.js';
export { Rng, type RngState } from './core/rng.js';
export * from './core/env.js';
export type { EnvSpec, EnvSpecInput, EnvCreator } from './core/env.js';
export {
  register,
  unregister,
  make,
  makeUnwrapped,
  spec,
  registeredEnvs,
  envIdOf,
  UnknownEnvError,
  type EnvFactory,
  type EnvSource,
  type MakeOptions,
} from './core/registry.js';
export { parseKwargs, renderModeKwarg, type KwargSchema, type KwargSpec } from './core/kwargs.js';
export { checkEnv, deepEqual, type CheckReport, type CheckResult } from './core/check_env.js';
export * from './core/golden.js';
export { Wrapper, ObservationWrapper, ActionWrapper, RewardWrapper, findWrapper } from './wrappers/wrapper.js';
export { TimeLimit } from './wrappers/time_limit.js';
export { RecordEpisodeStatistics, type EpisodeStats } from './wrappers/record_episode_statistics.js';
export { NormalizeObservation, NormalizeReward } from './wrappers/normalize.js';
export { RunningMeanStd } from './wrappers/running_mean_std.js';
export { ClipAction, RescaleAction } from './wrappers/action.js';
export { FlattenObservation, TransformObservation, TransformReward } from './wrappers/transform.js';
export {
  EnvChecker,
  ResetNeededError,
  InvalidActionError,
  EnvContractError,
  withChecker,
} from './wrappers/env_checker.js';
export * from './vector/batch.js';
export * from './vector/vector_env.js';
export { SyncVectorEnv } from './vector/sync_vector_env.js';
export { WorkerVectorEnv, type WorkerVectorEnvOptions } from './vector/worker_vector_env.js';
export { makeVec, type MakeVecOptions } from './vector/make_vec.js';
export * from './envs/classic_control/index.js';
export * from './envs/toy_text/index.js';
export { registerBuiltinEnvs, BUILTIN_ENVS } from './envs/builtin.js';
export * from './nn/mlp.js';
export { createMLP, createMLPAsync, resolveMLPBackend, type MLPBackend, type CreateMLPOptions } from './nn/make_mlp.js';
export { initTfjs, tfjsBackend } from './nn/tfjs_mlp.js';
export { nativeAvailable } from './nn/native_mlp.js';
export { Adam, scheduleFactor, type ParamGroup, type AdamOptions, type Schedule } from './nn/adam.js';
export { Categorical, DiagGaussian } from './nn/distributions.js';
export {
  Algorithm,
  NonFiniteError,
  type LearnOptions,
  type TrainResult,
  type PredictOptions,
  type EvalResult,
  type EvaluateOptions,
  type EpisodeStart,
  type StartSource,
  type EpisodeSummary,
} from './train/algorithm.js';
export {
  StopOnRewardThreshold,
  EveryNSteps,
  EvalCallback,
  CheckpointCallback,
  type Callback,
  type EpisodeInfo,
} from './train/callbacks.js';
export type { TrainContext } from './train/context.js';
export { Logger, type LogRecord } from './train/logger.js';
export {
  readCheckpoint,
  writeCheckpoint,
  upgradeCheckpoint,
  CheckpointError,
  CheckpointDamagedError,
  CHECKPOINT_VERSION,
  OLDEST_CHECKPOINT_VERSION,
  type CheckpointManifest,
} from './train/checkpoint.js';
export { presetFor, hasPreset, type Preset } from './train/presets.js';
export type { StochasticPolicy, PolicyAlgorithm } from './train/policy.js';
export * from './algos/index.js';

import { registerBuiltinEnvs } from './envs/builtin.js';
registerBuiltinEnvs();
