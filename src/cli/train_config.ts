/**
 * What `rltune train` takes as config: the --config file (only the keys the algorithm has: a misspelt key would
 * otherwise be ignored without a word), and, with --resume, only what the checkpoint already is.
 */
import { readFileSync } from 'node:fs';
import {
  A2C_DEFAULTS,
  DDPG_DEFAULTS,
  DP_DEFAULTS,
  DQN_DEFAULTS,
  GRPO_DEFAULTS,
  PPO_DEFAULTS,
  REINFORCE_DEFAULTS,
  SAC_DEFAULTS,
  TD3_DEFAULTS,
  TD_DEFAULTS,
} from '../rl/algos/index.js';
import type { Algorithm } from '../rl/train/algorithm.js';
import { CliUsageError } from './usage_error.js';

/** Each built-in algorithm's defaults: their keys are its config keys. */
const DEFAULTS: Record<string, object> = {
  ppo: PPO_DEFAULTS,
  a2c: A2C_DEFAULTS,
  reinforce: REINFORCE_DEFAULTS,
  grpo: GRPO_DEFAULTS,
  dqn: DQN_DEFAULTS,
  ddpg: DDPG_DEFAULTS,
  td3: TD3_DEFAULTS,
  sac: SAC_DEFAULTS,
  'q-learning': TD_DEFAULTS,
  sarsa: TD_DEFAULTS,
  'expected-sarsa': TD_DEFAULTS,
  'value-iteration': DP_DEFAULTS,
  'policy-iteration': DP_DEFAULTS,
};

/** The config keys of `algo` (envKwargs: the env's make options), or null for one registered without defaults. */
export function configKeys(algo: string): string[] | null {
  const d = DEFAULTS[algo];
  return d === undefined ? null : [...Object.keys(d), 'envKwargs'].sort();
}

/** The --config file: a JSON object whose keys `algo` has. */
export function readConfigFile(file: string, algo: string): Record<string, unknown> {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliUsageError(`--config ${file} cannot be read as JSON: ${(err as Error).message}`);
  }
  if (config === null || typeof config !== 'object' || Array.isArray(config))
    throw new CliUsageError(`--config ${file} must hold a JSON object`);
  const known = configKeys(algo);
  const unknown = known === null ? [] : Object.keys(config).filter((k) => !known.includes(k));
  if (known !== null && unknown.length > 0)
    throw new CliUsageError(
      `--config ${file}: ${algo} has no ${unknown.map((k) => JSON.stringify(k)).join(', ')}; its keys are ${known.join(', ')}`,
    );
  return config as Record<string, unknown>;
}

/** JSON with sorted object keys, so that two configs compare equal whatever order their keys came in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

export interface ResumeAsked {
  env?: string;
  algo?: string;
  /** The --config file and what it holds. */
  file?: string;
  fileConfig: Record<string, unknown>;
  /** Config set by flags, by flag name: --seed and --n-envs. */
  flags: Record<string, { key: string; value: unknown }>;
}

/**
 * Refuses, naming both values, any --env, --algo, config key or flag that is not what the checkpoint in `dir`
 * (loaded as `algo`) already is: a resumed run goes on with the checkpoint's own algorithm, env and config.
 */
export function checkResumeMatches(algo: Algorithm, dir: string, asked: ResumeAsked): void {
  const config: Record<string, unknown> = { ...algo.config, envKwargs: algo.envKwargs };
  const conflicts: string[] = [];
  if (asked.env !== undefined && asked.env !== algo.envId)
    conflicts.push(`--env ${JSON.stringify(asked.env)} is not the checkpoint's env ${JSON.stringify(algo.envId)}`);
  if (asked.algo !== undefined && asked.algo !== algo.name)
    conflicts.push(
      `--algo ${JSON.stringify(asked.algo)} is not the checkpoint's algorithm ${JSON.stringify(algo.name)}`,
    );
  for (const [k, v] of Object.entries(asked.fileConfig)) {
    if (canonical(v) !== canonical(config[k] ?? (k === 'envKwargs' ? {} : undefined)))
      conflicts.push(`--config ${asked.file}: ${k} ${canonical(v)} is not the checkpoint's ${canonical(config[k])}`);
  }
  for (const [flag, { key, value }] of Object.entries(asked.flags)) {
    if (canonical(value) !== canonical(config[key]))
      conflicts.push(`--${flag} ${canonical(value)} is not the checkpoint's ${canonical(config[key])}`);
  }
  if (conflicts.length > 0)
    throw new CliUsageError(
      `--resume ${dir}: ${conflicts.join('; ')}. A resumed run goes on with the checkpoint's algorithm, env and config: drop those options, or train anew with --out`,
    );
}
