/**
 * makeVec(id, n, {mode, autoreset, ...}): n copies of a registered env as one vector env.
 * `mode: 'sync'` (default) steps them in this thread; `mode: 'worker'` in worker threads.
 */
import { make, spec as getSpec, type MakeOptions } from '../core/registry.js';
import { describe } from '../core/rng.js';
import { SyncVectorEnv } from './sync_vector_env.js';
import type { AutoresetMode, VectorEnv } from './vector_env.js';
import { WorkerVectorEnv } from './worker_vector_env.js';

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

export function makeVec(id: string, n: number, opts: MakeVecOptions = {}): VectorEnv {
  getSpec(id); // unknown ids fail here with suggestions
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`makeVec(${id}): n must be a positive integer, got ${describe(n)}`);
  const mode = opts.mode ?? 'sync';
  if (mode === 'sync') {
    const makeOptions = opts.makeOptions ?? {};
    return new SyncVectorEnv(Array.from({ length: n }, () => () => make(id, makeOptions)), opts);
  }
  if (mode === 'worker') return new WorkerVectorEnv(id, n, opts);
  throw new TypeError(`makeVec(${id}): mode must be "sync" or "worker", got ${describe(mode)}`);
}
