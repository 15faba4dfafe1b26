/**
 * EnvSlice: the autoreset logic for a contiguous range of a vector env's envs, writing observations, rewards,
 * flags and a per-env status in place into the vector env's buffers at `offset`. The synchronous vector env
 * runs one slice over all envs; the worker vector env runs one slice per worker thread over shared memory.
 * Inputs are already validated by VectorEnv.
 *
 * An env whose step or reset throws is not stepped again before it is reset: the slice resets it on the next
 * step (in every autoreset mode) and reports that step as a reset step. The error is returned, not thrown, so
 * the other envs of the step finish and the vector env's bookkeeping stays exact.
 */
import type { Env, Info } from '../core/env.js';
import type { Space } from '../core/spaces/index.js';
import { writeBatch, type Batch } from './batch.js';

/** When a vector env resets a finished sub-env: on the call after it ended, on the same call, or never by itself. */
export type AutoresetMode = 'next-step' | 'same-step' | 'disabled';

/** `status[i]` after a step: env i was stepped. */
export const ENV_STEPPED = 0;
/** Env i was reset instead of stepped (next-step autoreset, or recovery after an error). */
export const ENV_RESET = 1;
/** Env i threw; it will be reset on the next step. */
export const ENV_FAILED = 2;

export interface SliceBuffers {
  obs: Batch;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  status: Uint8Array;
}

export interface SliceResult {
  /** One entry per env of the slice: its info, or null when empty. */
  infos: (Info | null)[];
  /** The first error an env raised (its message names the env index), or null. */
  error: Error | null;
}

export class EnvSlice {
  /** Env j must be reset before its next step (pending next-step autoreset, or it threw). */
  private readonly needsReset: Uint8Array;

  constructor(
    readonly envs: Env[],
    readonly offset: number,
    private readonly obsSpace: Space,
    private readonly mode: AutoresetMode,
    private readonly buf: SliceBuffers,
  ) {
    this.needsReset = new Uint8Array(envs.length);
  }

  /** `seeds` and `mask` are indexed by the slice's own env index. */
  reset(
    seeds: (number | undefined)[],
    options: Record<string, unknown> | undefined,
    mask: Uint8Array | null,
  ): SliceResult {
    const infos = new Array<Info | null>(this.envs.length).fill(null);
    let error: Error | null = null;
    for (let j = 0; j < this.envs.length; j++) {
      if (mask && !mask[j]) continue;
      const g = this.offset + j;
      this.clear(g);
      try {
        const r = this.envs[j].reset({ seed: seeds[j], options });
        writeBatch(this.obsSpace, this.buf.obs, g, r.obs);
        this.needsReset[j] = 0;
        infos[j] = nonEmpty(r.info);
      } catch (err) {
        this.needsReset[j] = 1;
        this.buf.status[g] = ENV_FAILED;
        error ??= withEnvIndex(err, g);
      }
    }
    return { infos, error };
  }

  /** `actions[j]` is the action of the slice's env j (ignored for envs that are reset on this step). */
  step(actions: ArrayLike<unknown>): SliceResult {
    const infos = new Array<Info | null>(this.envs.length).fill(null);
    let error: Error | null = null;
    const { obs, rewards, terminated, truncated, status } = this.buf;
    for (let j = 0; j < this.envs.length; j++) {
      const env = this.envs[j];
      const g = this.offset + j;
      try {
        if (this.needsReset[j]) {
          this.clear(g);
          status[g] = ENV_RESET;
          const r = env.reset();
          writeBatch(this.obsSpace, obs, g, r.obs);
          this.needsReset[j] = 0;
          infos[j] = nonEmpty(r.info);
          continue;
        }
        const r = env.step(actions[j]);
        status[g] = ENV_STEPPED;
        rewards[g] = r.reward;
        terminated[g] = r.terminated ? 1 : 0;
        truncated[g] = r.truncated ? 1 : 0;
        if ((r.terminated || r.truncated) && this.mode === 'same-step') {
          const final = { final_obs: r.obs, final_info: r.info };
          const rr = env.reset();
          writeBatch(this.obsSpace, obs, g, rr.obs);
          infos[j] = { ...rr.info, ...final };
          continue;
        }
        if ((r.terminated || r.truncated) && this.mode === 'next-step') this.needsReset[j] = 1;
        writeBatch(this.obsSpace, obs, g, r.obs);
        infos[j] = nonEmpty(r.info);
      } catch (err) {
        this.clear(g);
        status[g] = ENV_FAILED;
        this.needsReset[j] = 1;
        error ??= withEnvIndex(err, g);
      }
    }
    return { infos, error };
  }

  private clear(g: number): void {
    this.buf.rewards[g] = 0;
    this.buf.terminated[g] = 0;
    this.buf.truncated[g] = 0;
    this.buf.status[g] = ENV_RESET;
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

function nonEmpty(info: Info): Info | null {
  for (const _k in info) return info;
  return null;
}

function withEnvIndex(err: unknown, index: number): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  e.message = `env ${index}: ${e.message}`;
  return e;
}
