/**
 * VectorEnv: n copies of one env stepped together (Gymnasium v1's `VectorEnv`).
 *
 * `reset({seed, options})` -> `{obs, info}`; `step(actions)` -> `{obs, rewards, terminated, truncated, info}`.
 * Observations come back batched in one typed array (see batch.ts), rewards as a Float64Array and the flags as
 * Uint8Arrays of 0/1. `seed` is a number (env i gets seed + i) or one seed (or null) per env.
 *
 * Autoreset modes (explicit, chosen at construction):
 * - `'next-step'` (the reference's default since Gymnasium 1.0): the step on which env i ends returns its last
 *   observation; on the next `step()` env i is reset instead of stepped (its action is ignored) and returns
 *   the first observation of the new episode with reward 0 and both flags false.
 * - `'same-step'`: env i is reset on the very step it ends; `obs` holds the new episode's first observation,
 *   `info.final_obs[i]` (masked by `info._final_obs`) the last one, and `info.final_info` the last step's
 *   info, merged like any info (`info.final_info.<key>[i]`, masked by `info.final_info._<key>`).
 * - `'disabled'`: nothing is reset automatically; call `reset({options: {resetMask}})` for the envs that
 *   ended. Stepping an env that ended without resetting it is an error.
 *
 * Infos are merged key by key: `info[key]` is an array with one entry per env (a Float64Array for numbers,
 * a Uint8Array for booleans, a plain array otherwise) and `info['_' + key]` a Uint8Array mask of the envs
 * that reported the key. When env i ends an episode, `info.episode = {r, l, t}` (return, length, seconds;
 * Float64Array, Int32Array, Float64Array) is set with the mask `info._episode`.
 *
 * Every error in the caller's input (bad action, bad seed, step before reset) is raised before any env is
 * stepped, so the vector env stays usable. When an env itself throws, the other envs still finish the step,
 * the bookkeeping is updated, then the error is raised (naming the env); that env is reset before it is
 * stepped again, in every autoreset mode, and its unfinished episode is not reported.
 */
import type { Info } from '../core/env.js';
import { describe, Rng } from '../core/rng.js';
import type { Space } from '../core/spaces/index.js';
import { InvalidActionError, ResetNeededError } from '../wrappers/env_checker.js';
import { batchSpace, copyBatch, unbatchActions, type Batch } from './batch.js';
import { ENV_STEPPED, type AutoresetMode, type SliceResult } from './env_slice.js';

export type { AutoresetMode } from './env_slice.js';
export const AUTORESET_MODES: readonly AutoresetMode[] = ['next-step', 'same-step', 'disabled'];

export type VectorInfo = Record<string, unknown>;

export interface VectorResetOptions {
  seed?: number | readonly (number | null | undefined)[] | null;
  /** Passed to every env's reset, except `resetMask` (which envs to reset; all when omitted). */
  options?: Record<string, unknown> & { resetMask?: ArrayLike<number | boolean> };
}

export interface VectorResetResult<OB = Batch> {
  obs: OB;
  info: VectorInfo;
}

export interface VectorStepResult<OB = Batch> {
  obs: OB;
  rewards: Float64Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  info: VectorInfo;
}

export interface VectorEnvOptions {
  autoreset?: AutoresetMode;
  /**
   * Return copies of the internal buffers (default true); false returns the buffers themselves, reused by the next
   * call.
   */
  copy?: boolean;
}

export abstract class VectorEnv<OB = Batch> {
  readonly numEnvs: number;
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Space;
  readonly observationSpace: Space;
  readonly actionSpace: Space;
  readonly autoresetMode: AutoresetMode;
  readonly copy: boolean;
  /** Return and length of each env's current episode. */
  readonly episodeReturns: Float64Array;
  readonly episodeLengths: Int32Array;
  protected readonly episodeStarts: Float64Array;
  protected obsBuf!: Batch;
  protected rewardsBuf!: Float64Array;
  protected terminatedBuf!: Uint8Array;
  protected truncatedBuf!: Uint8Array;
  /** Per env, what the last step did with it (ENV_STEPPED, ENV_RESET or ENV_FAILED). */
  protected statusBuf!: Uint8Array;
  /** Env i was reset at least once. */
  protected readonly everReset: Uint8Array;
  /** Env i's episode ended on the last step (so: reset next in next-step mode, error in disabled mode). */
  protected readonly ended: Uint8Array;
  protected closed = false;
  readonly name: string;

  protected constructor(name: string, numEnvs: number, obsSpace: Space, actSpace: Space, opts: VectorEnvOptions) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1)
      throw new TypeError(`${name}: number of envs must be a positive integer, got ${describe(numEnvs)}`);
    const mode = opts.autoreset ?? 'next-step';
    if (!AUTORESET_MODES.includes(mode)) {
      throw new TypeError(
        `${name}: autoreset must be one of ${AUTORESET_MODES.map((m) => `"${m}"`).join(', ')}, got ${describe(mode)}`,
      );
    }
    this.name = name;
    this.numEnvs = numEnvs;
    this.singleObservationSpace = obsSpace;
    this.singleActionSpace = actSpace;
    this.observationSpace = batchSpace(obsSpace, numEnvs);
    this.actionSpace = batchSpace(actSpace, numEnvs);
    this.autoresetMode = mode;
    this.copy = opts.copy ?? true;
    this.episodeReturns = new Float64Array(numEnvs);
    this.episodeLengths = new Int32Array(numEnvs);
    this.episodeStarts = new Float64Array(numEnvs);
    this.everReset = new Uint8Array(numEnvs);
    this.ended = new Uint8Array(numEnvs);
  }

  /** Resets the envs selected by `mask` (null: all) and writes their observations into `obsBuf`. */
  protected abstract resetEnvs(
    seeds: (number | undefined)[],
    options: Record<string, unknown> | undefined,
    mask: Uint8Array | null,
  ): SliceResult;
  /**
   * Steps every env (resetting those that ended, in next-step mode, or that threw), writing into the buffers.
   * `actions[i]` is undefined for an env that is reset on this step.
   */
  protected abstract stepEnvs(actions: unknown[]): SliceResult;
  protected abstract closeEnvs(): void;

  reset(opts: VectorResetOptions = {}): VectorResetResult<OB> {
    this.assertOpen();
    const n = this.numEnvs;
    const seeds = this.parseSeeds(opts.seed);
    let options = opts.options;
    let mask: Uint8Array | null = null;
    if (options && 'resetMask' in options) {
      const { resetMask, ...rest } = options;
      options = Object.keys(rest).length > 0 ? rest : undefined;
      if (resetMask === undefined || resetMask === null || (resetMask as ArrayLike<unknown>).length !== n) {
        throw new TypeError(
          `${this.name}.reset: options.resetMask must have ${n} entries (booleans or 0/1), got ${describe(resetMask)}`,
        );
      }
      mask = Uint8Array.from(resetMask, (v) => (v ? 1 : 0));
      for (let i = 0; i < n; i++) {
        if (!mask[i] && !this.everReset[i]) {
          throw new ResetNeededError(
            `${this.name}.reset: resetMask leaves env ${i} out, but it was never reset; the first reset must include every env`,
          );
        }
      }
    }
    const { infos, error } = this.resetEnvs(seeds, options, mask);
    const now = performance.now();
    for (let i = 0; i < n; i++) {
      if (mask && !mask[i]) continue;
      this.everReset[i] = 1;
      this.ended[i] = 0;
      this.episodeReturns[i] = 0;
      this.episodeLengths[i] = 0;
      this.episodeStarts[i] = now;
    }
    if (error) throw error;
    const info: VectorInfo = {};
    infos.forEach((inf, i) => inf && addInfo(info, inf, i, n));
    return { obs: (this.copy ? copyBatch(this.obsBuf) : this.obsBuf) as OB, info };
  }

  step(actions: unknown): VectorStepResult<OB> {
    this.assertOpen();
    const n = this.numEnvs;
    for (let i = 0; i < n; i++) {
      if (!this.everReset[i])
        throw new ResetNeededError(`${this.name}.step: called before reset(); call reset() first`);
    }
    const acts = unbatchActions(this.singleActionSpace, actions, n).slice();
    const resetting = this.autoresetMode === 'next-step';
    for (let i = 0; i < n; i++) {
      if (resetting && this.ended[i]) {
        acts[i] = undefined; // ignored: env i is reset on this step
        continue;
      }
      if (this.ended[i] && this.autoresetMode === 'disabled') {
        throw new ResetNeededError(
          `${this.name}.step: env ${i} ended its episode and autoreset is disabled; call reset({options: {resetMask}}) for it first`,
        );
      }
      if (!this.singleActionSpace.contains(acts[i])) {
        throw new InvalidActionError(
          `${this.name}.step: action ${describe(acts[i])} for env ${i} is not in the action space ${this.singleActionSpace}`,
        );
      }
    }
    const { infos, error } = this.stepEnvs(acts);
    const info: VectorInfo = {};
    for (let i = 0; i < n; i++) {
      const inf = infos[i];
      if (inf) addInfo(info, inf, i, n);
    }
    this.recordEpisodes(info);
    if (error) throw error;
    const c = this.copy;
    return {
      obs: (c ? copyBatch(this.obsBuf) : this.obsBuf) as OB,
      rewards: c ? this.rewardsBuf.slice() : this.rewardsBuf,
      terminated: c ? this.terminatedBuf.slice() : this.terminatedBuf,
      truncated: c ? this.truncatedBuf.slice() : this.truncatedBuf,
      info,
    };
  }

  /** Updates per-env returns and lengths from the last step's buffers; reports finished episodes in `info.episode`. */
  private recordEpisodes(info: VectorInfo): void {
    const n = this.numEnvs;
    const now = performance.now();
    let stats: { r: Float64Array; l: Int32Array; t: Float64Array } | null = null;
    let statsMask: Uint8Array | null = null;
    for (let i = 0; i < n; i++) {
      if (this.statusBuf[i] !== ENV_STEPPED) {
        // Env i was reset on this step (a new episode starts, this step is not part of it), or it threw
        // (its unfinished episode is dropped; it is reset before its next step).
        this.ended[i] = 0;
        this.episodeReturns[i] = 0;
        this.episodeLengths[i] = 0;
        this.episodeStarts[i] = now;
        continue;
      }
      this.episodeReturns[i] += this.rewardsBuf[i];
      this.episodeLengths[i] += 1;
      if (this.terminatedBuf[i] || this.truncatedBuf[i]) {
        if (stats === null) {
          stats = { r: new Float64Array(n), l: new Int32Array(n), t: new Float64Array(n) };
          statsMask = new Uint8Array(n);
        }
        stats.r[i] = this.episodeReturns[i];
        stats.l[i] = this.episodeLengths[i];
        stats.t[i] = Math.round(now - this.episodeStarts[i]) / 1000;
        statsMask![i] = 1;
        if (this.autoresetMode === 'same-step') {
          this.episodeReturns[i] = 0;
          this.episodeLengths[i] = 0;
          this.episodeStarts[i] = now;
        } else {
          this.ended[i] = 1;
        }
      }
    }
    if (stats !== null) {
      info.episode = stats;
      info._episode = statsMask;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeEnvs();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.name}: the vector env is closed`);
  }

  private parseSeeds(seed: VectorResetOptions['seed']): (number | undefined)[] {
    const n = this.numEnvs;
    if (seed === undefined || seed === null) return new Array<number | undefined>(n).fill(undefined);
    if (typeof seed === 'number') {
      Rng.checkSeed(seed, `${this.name}.reset: seed`);
      if (!Number.isSafeInteger(seed + (n - 1))) {
        throw new TypeError(
          `${this.name}.reset: seed ${seed} is too large: env i gets seed + i, and seed + ${n - 1} is not a safe integer`,
        );
      }
      return Array.from({ length: n }, (_v, i) => seed + i);
    }
    if (!Array.isArray(seed) || seed.length !== n) {
      throw new TypeError(`${this.name}.reset: seed must be a number or an array of ${n} seeds, got ${describe(seed)}`);
    }
    return seed.map((s, i) =>
      s === null || s === undefined ? undefined : Rng.checkSeed(s, `${this.name}.reset: seed[${i}]`),
    );
  }

  toString(): string {
    return `${this.name}(${this.numEnvs}, autoreset=${this.autoresetMode})`;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v) &&
    Object.getPrototypeOf(v) === Object.prototype
  );
}

/** Merges env i's info into the vector info (Gymnasium's `_add_info`), recursing into plain objects. */
export function addInfo(vinfo: VectorInfo, info: Info, i: number, n: number): void {
  for (const [k, v] of Object.entries(info)) {
    const maskKey = `_${k}`;
    if (k === 'final_obs') {
      // Kept whole, one observation per env, as the reference does (never merged key by key).
      const arr = (Array.isArray(vinfo[k]) ? vinfo[k] : (vinfo[k] = new Array<unknown>(n).fill(null))) as unknown[];
      arr[i] = v;
    } else if (isPlainObject(v)) {
      const sub = (isPlainObject(vinfo[k]) ? vinfo[k] : (vinfo[k] = {})) as VectorInfo;
      addInfo(sub, v, i, n);
    } else {
      let arr = vinfo[k] as Float64Array | Uint8Array | unknown[] | undefined;
      const wantNum = typeof v === 'number',
        wantBool = typeof v === 'boolean';
      if (arr === undefined) {
        arr = wantNum ? new Float64Array(n) : wantBool ? new Uint8Array(n) : new Array<unknown>(n).fill(null);
        vinfo[k] = arr;
      } else if ((arr instanceof Float64Array && !wantNum) || (arr instanceof Uint8Array && !wantBool)) {
        arr = Array.from(arr as ArrayLike<unknown>);
        vinfo[k] = arr;
      }
      arr[i] = wantBool ? (v ? 1 : 0) : v;
    }
    let mask = vinfo[maskKey] as Uint8Array | undefined;
    if (mask === undefined) vinfo[maskKey] = mask = new Uint8Array(n);
    mask[i] = 1;
  }
}
