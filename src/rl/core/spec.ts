/**
 * EnvSpec: what `register(id, ...)` records and `make(id)` builds from.
 */
import type { Env } from './env.js';

/** A class (`new (kwargs) => Env`) or a factory (`(kwargs) => Env`). */
export type EnvCreator =
  | (new (kwargs: Record<string, unknown>) => Env)
  | ((kwargs: Record<string, unknown>) => Env);

export interface EnvSpec {
  /** `[namespace/]Name-vN` */
  id: string;
  entryPoint: EnvCreator;
  /** Episodes are truncated after this many steps by a TimeLimit wrapper (none when null). */
  maxEpisodeSteps: number | null;
  /** The return at which the env counts as solved (null when undefined). */
  rewardThreshold: number | null;
  /** Default constructor arguments; `make(id, overrides)` merges its overrides over them. */
  kwargs: Record<string, unknown>;
  /** True when the same seed may not give the same trajectory. */
  nondeterministic: boolean;
  /** Wrap with the order and contract checker (step before reset, actions outside the space, ...). */
  checker: boolean;
  /** Modules to import in a worker thread before making this env there (for `makeVec(..., {mode: 'worker'})`). */
  modules: string[];
}

export type EnvSpecInput = Partial<Omit<EnvSpec, 'id' | 'entryPoint'>> & { entryPoint: EnvCreator };
