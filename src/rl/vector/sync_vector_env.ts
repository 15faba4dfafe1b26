/**
 * SyncVectorEnv: steps its envs one after the other in this thread. Built from env factories (any closures,
 * as Gymnasium's `SyncVectorEnv`) or by `makeVec(id, n, {mode: 'sync'})`.
 */
import type { Env } from '../core/env.js';
import { describe } from '../core/rng.js';
import { createBatch } from './batch.js';
import { EnvSlice, type SliceResult } from './env_slice.js';
import { VectorEnv, type VectorEnvOptions } from './vector_env.js';

export class SyncVectorEnv extends VectorEnv {
  readonly envs: Env[];
  private readonly slice: EnvSlice;

  constructor(envFns: (() => Env)[], opts: VectorEnvOptions = {}) {
    if (!Array.isArray(envFns) || envFns.length === 0 || envFns.some((f) => typeof f !== 'function')) {
      throw new TypeError(
        `SyncVectorEnv: expected a non-empty array of functions that make envs, got ${describe(envFns)}`,
      );
    }
    const envs: Env[] = [];
    try {
      for (const f of envFns) envs.push(f());
    } catch (err) {
      for (const e of envs) e.close();
      throw err;
    }
    const first = envs[0];
    super('SyncVectorEnv', envs.length, first.observationSpace, first.actionSpace, opts);
    envs.forEach((e, i) => {
      if (!e.observationSpace.equals(first.observationSpace) || !e.actionSpace.equals(first.actionSpace)) {
        for (const x of envs) x.close();
        throw new TypeError(
          `SyncVectorEnv: env ${i} has spaces ${e.observationSpace} / ${e.actionSpace}, env 0 has ${first.observationSpace} / ${first.actionSpace}; all must match`,
        );
      }
    });
    this.envs = envs;
    this.obsBuf = createBatch(this.singleObservationSpace, this.numEnvs);
    this.rewardsBuf = new Float64Array(this.numEnvs);
    this.terminatedBuf = new Uint8Array(this.numEnvs);
    this.truncatedBuf = new Uint8Array(this.numEnvs);
    this.statusBuf = new Uint8Array(this.numEnvs);
    this.slice = new EnvSlice(envs, 0, this.singleObservationSpace, this.autoresetMode, {
      obs: this.obsBuf,
      rewards: this.rewardsBuf,
      terminated: this.terminatedBuf,
      truncated: this.truncatedBuf,
      status: this.statusBuf,
    });
  }

  protected resetEnvs(
    seeds: (number | undefined)[],
    options: Record<string, unknown> | undefined,
    mask: Uint8Array | null,
  ): SliceResult {
    return this.slice.reset(seeds, options, mask);
  }

  protected stepEnvs(actions: unknown[]): SliceResult {
    return this.slice.step(actions);
  }

  protected closeEnvs(): void {
    this.slice.close();
  }
}
