/**
 * EnvSlice: the autoreset logic for a contiguous range of a vector env's envs, writing observations, rewards
 * and flags in place into the vector env's buffers at `offset`. The synchronous vector env runs one slice over
 * all envs; the worker vector env runs one slice per worker thread over shared memory. Inputs are already
 * validated by VectorEnv.
 */
import type { Env, Info } from '../core/env.js';
import type { Space } from '../core/spaces/index.js';
import { writeBatch, type Batch } from './batch.js';
import type { AutoresetMode } from './vector_env.js';

export interface SliceBuffers {
  obs: Batch;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
}

export class EnvSlice {
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
  reset(seeds: (number | undefined)[], options: Record<string, unknown> | undefined, mask: Uint8Array | null): (Info | null)[] {
    const out: (Info | null)[] = new Array(this.envs.length).fill(null);
    for (let j = 0; j < this.envs.length; j++) {
      if (mask && !mask[j]) continue;
      const r = this.envs[j].reset({ seed: seeds[j], options });
      const g = this.offset + j;
      writeBatch(this.obsSpace, this.buf.obs, g, r.obs);
      this.buf.rewards[g] = 0;
      this.buf.terminated[g] = 0;
      this.buf.truncated[g] = 0;
      this.needsReset[j] = 0;
      out[j] = nonEmpty(r.info);
    }
    return out;
  }

  /** `actions[j]` is the action of the slice's env j. */
  step(actions: ArrayLike<unknown>): (Info | null)[] {
    const out: (Info | null)[] = new Array(this.envs.length).fill(null);
    const { obs, rewards, terminated, truncated } = this.buf;
    for (let j = 0; j < this.envs.length; j++) {
      const env = this.envs[j];
      const g = this.offset + j;
      if (this.mode === 'next-step' && this.needsReset[j]) {
        const r = env.reset();
        writeBatch(this.obsSpace, obs, g, r.obs);
        rewards[g] = 0;
        terminated[g] = 0;
        truncated[g] = 0;
        this.needsReset[j] = 0;
        out[j] = nonEmpty(r.info);
        continue;
      }
      let r;
      try {
        r = env.step(actions[j]);
      } catch (err) {
        // The env is in an unknown state: make sure it is reset before it is stepped again.
        this.needsReset[j] = 1;
        throw wrapError(err, g);
      }
      rewards[g] = r.reward;
      terminated[g] = r.terminated ? 1 : 0;
      truncated[g] = r.truncated ? 1 : 0;
      let info = nonEmpty(r.info);
      if (r.terminated || r.truncated) {
        if (this.mode === 'same-step') {
          const final = { final_obs: r.obs, final_info: r.info };
          const rr = env.reset();
          writeBatch(this.obsSpace, obs, g, rr.obs);
          out[j] = { ...rr.info, ...final };
          continue;
        }
        this.needsReset[j] = 1;
      }
      writeBatch(this.obsSpace, obs, g, r.obs);
      out[j] = info;
    }
    return out;
  }

  close(): void {
    for (const e of this.envs) e.close();
  }
}

function nonEmpty(info: Info): Info | null {
  for (const _k in info) return info;
  return null;
}

function wrapError(err: unknown, index: number): Error {
  const e = err instanceof Error ? err : new Error(String(err));
  e.message = `env ${index}: ${e.message}`;
  return e;
}
