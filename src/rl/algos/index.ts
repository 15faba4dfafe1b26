/**
 * The algorithm registry: names as the CLI spells them, how to build each one, which spaces it supports, and
 * `loadAlgorithm(dir)` to rebuild one from a checkpoint.
 */
import { spec, type EnvFactory, type EnvSource, type MakeOptions } from '../core/registry.js';
import type { Algorithm } from '../train/algorithm.js';
import { CheckpointError, readCheckpoint } from '../train/checkpoint.js';
import { A2C } from './a2c.js';
import { DDPG } from './ddpg.js';
import { DQN } from './dqn.js';
import { GRPO } from './grpo.js';
import { PPO } from './ppo.js';
import { Reinforce } from './reinforce.js';
import { SAC } from './sac.js';
import { TD3 } from './td3.js';
import { ExpectedSARSA, PolicyIteration, QLearning, SARSA, TABULAR_SUPPORTS, ValueIteration } from './tabular/index.js';

export interface AlgorithmEntry {
  /** Which observation and action spaces it handles, for error messages. */
  supports: string;
  create(env: EnvSource, config: Record<string, unknown> & { envKwargs?: MakeOptions; seed?: number }): Algorithm;
}

const ON_POLICY_SUPPORT = 'Box observations; Discrete (with action masks) or Box actions';
const OFF_POLICY_BOX_SUPPORT = 'Box observations and bounded Box actions';

export const ALGORITHMS: Record<string, AlgorithmEntry> = {
  ppo: { supports: ON_POLICY_SUPPORT, create: (env, c) => new PPO(env, c) },
  a2c: { supports: ON_POLICY_SUPPORT, create: (env, c) => new A2C(env, c) },
  reinforce: { supports: ON_POLICY_SUPPORT, create: (env, c) => new Reinforce(env, c) },
  grpo: { supports: 'Box observations and Discrete actions (with action masks)', create: (env, c) => new GRPO(env, c) },
  dqn: { supports: 'Box observations and Discrete actions', create: (env, c) => new DQN(env, c) },
  ddpg: { supports: OFF_POLICY_BOX_SUPPORT, create: (env, c) => new DDPG(env, c) },
  td3: { supports: OFF_POLICY_BOX_SUPPORT, create: (env, c) => new TD3(env, c) },
  sac: { supports: OFF_POLICY_BOX_SUPPORT, create: (env, c) => new SAC(env, c) },
  'q-learning': { supports: TABULAR_SUPPORTS, create: (env, c) => new QLearning(env, c) },
  sarsa: { supports: TABULAR_SUPPORTS, create: (env, c) => new SARSA(env, c) },
  'expected-sarsa': { supports: TABULAR_SUPPORTS, create: (env, c) => new ExpectedSARSA(env, c) },
  'value-iteration': {
    supports: `${TABULAR_SUPPORTS}, on envs with a transition table P (toy text)`,
    create: (env, c) => new ValueIteration(env, c),
  },
  'policy-iteration': {
    supports: `${TABULAR_SUPPORTS}, on envs with a transition table P (toy text)`,
    create: (env, c) => new PolicyIteration(env, c),
  },
};

/** Adds an algorithm to the registry (the tabular and off-policy modules register themselves). */
export function registerAlgorithm(name: string, entry: AlgorithmEntry): void {
  ALGORITHMS[name] = entry;
}

export function algorithmNames(): string[] {
  return Object.keys(ALGORITHMS).sort();
}

export function createAlgorithm(
  name: string,
  env: EnvSource,
  config: Record<string, unknown> & { envKwargs?: MakeOptions; seed?: number },
): Algorithm {
  const entry = ALGORITHMS[name];
  if (entry === undefined)
    throw new TypeError(`unknown algorithm ${JSON.stringify(name)}; expected one of ${algorithmNames().join(', ')}`);
  try {
    return entry.create(env, config);
  } catch (err) {
    if (err instanceof TypeError && /space/.test(err.message)) {
      throw new TypeError(`${err.message} (${name} supports: ${entry.supports})`, { cause: err });
    }
    throw err;
  }
}

export interface LoadOptions {
  /**
   * The env factory the algorithm was made from: a checkpoint records the env's id only, so an algorithm
   * trained on a factory's env is loaded with the factory again (its id must be the recorded one).
   */
  env?: EnvFactory;
}

/** Rebuilds the algorithm saved in checkpoint directory `dir`, with its weights and state. */
export function loadAlgorithm(dir: string, opts: LoadOptions = {}): Algorithm {
  const ck = readCheckpoint(dir);
  const m = ck.manifest;
  if (ALGORITHMS[m.algo] === undefined)
    throw new CheckpointError(
      `${dir}: written by algorithm ${JSON.stringify(m.algo)}, which this RLTune does not have (it has ${algorithmNames().join(', ')})`,
    );
  if (opts.env !== undefined && opts.env?.id !== m.env) {
    throw new CheckpointError(
      `${dir}: the checkpoint was trained on env ${JSON.stringify(m.env)}; the env factory given makes ${JSON.stringify(opts.env?.id)}`,
    );
  }
  if (opts.env === undefined) {
    try {
      spec(m.env);
    } catch (err) {
      throw new CheckpointError(
        `${dir}: the checkpoint was trained on env ${JSON.stringify(m.env)}, which is not registered (${(err as Error).message}) An algorithm made from an env factory records only its id: load it with the factory again (loadAlgorithm(dir, {env: factory})) or register ${m.env} first`,
      );
    }
  }
  let algo: Algorithm;
  try {
    algo = createAlgorithm(m.algo, opts.env ?? m.env, { ...m.config, envKwargs: m.env_kwargs });
  } catch (err) {
    throw new CheckpointError(
      `${dir}: the checkpoint's algorithm, env or config cannot be rebuilt: ${(err as Error).message}`,
    );
  }
  try {
    algo.restore(ck, dir);
  } catch (err) {
    algo.close();
    if (err instanceof CheckpointError) throw err;
    throw new CheckpointError(`${dir}: the checkpoint does not match ${m.algo} on ${m.env}: ${(err as Error).message}`);
  }
  return algo;
}

export { PPO, PPO_DEFAULTS, type PPOConfig } from './ppo.js';
export { A2C, A2C_DEFAULTS, type A2CConfig } from './a2c.js';
export { DQN, DQN_DEFAULTS, type DQNConfig } from './dqn.js';
export { TD3, TD3_DEFAULTS, type TD3Config } from './td3.js';
export { DDPG, DDPG_DEFAULTS, type DDPGConfig } from './ddpg.js';
export { SAC, SAC_DEFAULTS, type SACConfig } from './sac.js';
export { OffPolicyActorCritic } from './off_policy_actor_critic.js';
export {
  OffPolicyAlgorithm,
  OFF_POLICY_DEFAULTS,
  polyakUpdate,
  type OffPolicyConfig,
  type ReplayOptions,
} from './off_policy.js';
export * from './replay/index.js';
export { Reinforce, REINFORCE_DEFAULTS, type ReinforceConfig } from './reinforce.js';
export { GRPO, GRPO_DEFAULTS, groupAdvantages, grpoLoss, k3, type GRPOConfig, type GRPOLossTerms } from './grpo.js';
export { OnPolicyAlgorithm, ON_POLICY_DEFAULTS, type OnPolicyConfig } from './on_policy.js';
export { MlpPolicy, ActorCriticPolicy, type ActorCriticOptions } from './mlp_policy.js';
export * from './tabular/index.js';
