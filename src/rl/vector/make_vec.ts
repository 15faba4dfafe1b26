/**
 * makeVec(source, n, {mode, autoreset, ...}): n copies of a registered env (or of an env factory's) as one
 * vector env. `mode: 'sync'` (default) steps them in this thread; `mode: 'worker'` in worker threads.
 *
 * Worker threads make their envs from a registered id: a factory's entry point is a function, often a closure
 * over this thread's objects (a reward function, a model), which cannot be sent to another thread. So a
 * factory runs in 'sync' mode only, and 'worker' with a factory is refused rather than silently run here.
 */
import { envIdOf, make, spec as getSpec, type EnvSource, type MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { SyncVectorEnv } from './sync_vector_env.js';
import type { AutoresetMode, VectorEnv } from './vector_env.js';
import { WorkerVectorEnv } from './worker_vector_env.js';

/**
 * The most copies a vector env makes: each is a whole env object, and a checkpoint or config asking for a billion
 * would exhaust the heap (an abort, not an error) before the first step.
 */
export const MAX_VECTOR_ENVS = 4096;

export interface MakeVecOptions {
  mode?: 'sync' | 'worker';
  autoreset?: AutoresetMode;
  /** Overrides passed to `make()` for every env (kwargs, maxEpisodeSteps, ...). */
  makeOptions?: MakeOptions;
  /** Worker mode: number of threads. */
  numWorkers?: number;
  /** Worker mode: modules each worker imports first (to register user envs). */
  modules?: string[];
  copy?: boolean;
  timeoutMs?: number;
}

export function makeVec(source: EnvSource, n: number, opts: MakeVecOptions = {}): VectorEnv {
  const id = envIdOf(source);
  if (typeof source === 'string') getSpec(id); // unknown ids fail here with suggestions
  if (!Number.isInteger(n) || n < 1 || n > MAX_VECTOR_ENVS)
    throw new TypeError(
      `makeVec(${id}): n must be a positive integer, got ${describe(n)} (at most ${MAX_VECTOR_ENVS}: one env object per copy)`,
    );
  const mode = opts.mode ?? 'sync';
  if (mode === 'sync') {
    const makeOptions = opts.makeOptions ?? {};
    return new SyncVectorEnv(
      Array.from({ length: n }, () => () => make(source, makeOptions)),
      opts,
    );
  }
  if (mode === 'worker') {
    if (typeof source !== 'string') {
      throw new TypeError(
        `makeVec(${id}): mode "worker" makes envs in worker threads from a registered id, and an env factory (a function) cannot be sent to a thread; use mode "sync", or register ${id} in a module the workers import`,
      );
    }
    return new WorkerVectorEnv(source, n, opts);
  }
  throw new TypeError(`makeVec(${id}): mode must be "sync" or "worker", got ${describe(mode)}`);
}
