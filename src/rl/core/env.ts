/**
 * The environment contract, with Gymnasium v1 semantics.
 *
 * - `reset({seed, options}) -> {obs, info}` starts an episode. A seed re-creates the env's own generator
 *   (`this.rng`); without one the generator goes on from where it was (seeded from OS entropy the first time).
 * - `step(action) -> {obs, reward, terminated, truncated, info}`. `terminated`: the MDP reached a terminal
 *   state (do not bootstrap). `truncated`: the episode was cut short, e.g. by a time limit (bootstrap from the
 *   value of `obs`). After either, the caller must `reset()` before stepping again.
 * - `render()` returns the current frame in the env's `renderMode` (`'ansi'`: a string), or null.
 * - `close()` frees resources; calling it twice is harmless.
 *
 * Subclasses call `super.reset(opts)` first in their own `reset`, which (re)seeds `this.rng`.
 */
import { Rng, describe } from './rng.js';
import type { Space } from './spaces/index.js';

export type Info = Record<string, unknown>;

export interface ResetOptions {
  /** Re-seeds the env's generator: the same seed gives the same episode. */
  seed?: number;
  /** Env-specific options (e.g. `{low, high}` for the start-state range of classic-control envs). */
  options?: Record<string, unknown>;
}

export interface ResetResult<O> {
  obs: O;
  info: Info;
}

export interface StepResult<O> {
  obs: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface EnvMetadata {
  renderModes: string[];
  renderFps?: number;
  [key: string]: unknown;
}

export abstract class Env<O = unknown, A = unknown> {
  abstract readonly observationSpace: Space<O>;
  abstract readonly actionSpace: Space<A>;
  metadata: EnvMetadata = { renderModes: [] };
  /** The render mode chosen at construction (`'ansi'` for text), or null for no rendering. */
  renderMode: string | null = null;
  /** Set by `make()`: the registration this env was made from. */
  spec: EnvSpec | null = null;
  private generator: Rng | null = null;

  /** The env's own generator; created from OS entropy on first use when no seed was ever given. */
  get rng(): Rng {
    if (this.generator === null) this.generator = new Rng();
    return this.generator;
  }

  reset(opts: ResetOptions = {}): ResetResult<O> {
    if (opts.seed !== undefined) {
      this.generator = new Rng(Rng.checkSeed(opts.seed, `${this.constructor.name}.reset: seed`));
    }
    return undefined as unknown as ResetResult<O>;
  }

  abstract step(action: A): StepResult<O>;

  render(): string | null {
    return null;
  }

  close(): void {}

  /** The innermost environment, below every wrapper. */
  get unwrapped(): Env {
    return this;
  }

  /** Validates `renderMode` against `metadata.renderModes`; envs call it from their constructors. */
  protected setRenderMode(mode: string | null | undefined): void {
    if (mode === undefined || mode === null) {
      this.renderMode = null;
      return;
    }
    if (!this.metadata.renderModes.includes(mode)) {
      throw new TypeError(
        `${this.constructor.name}: renderMode ${describe(mode)} is not supported; expected one of ${describe(this.metadata.renderModes)} or null`,
      );
    }
    this.renderMode = mode;
  }

  toString(): string {
    return this.spec ? `<${this.constructor.name}<${this.spec.id}>>` : `<${this.constructor.name} instance>`;
  }
}

/** An env that exposes its internal state vector (classic control), for conformance replays. */
export interface HasState {
  getState(): Float64Array;
  setState(state: ArrayLike<number>): void;
}

/** One outcome of a tabular transition: `[probability, nextState, reward, terminated]`, as in Gymnasium's `P`. */
export type Transition = [number, number, number, boolean];
/** `P[state][action]` = every possible outcome. */
export type TransitionTable = Transition[][][];

/** An env with a known tabular model (toy text), for dynamic programming. */
export interface HasTransitionTable {
  readonly P: TransitionTable;
}

export function hasState(env: Env): env is Env & HasState {
  const e = env as Partial<HasState>;
  return typeof e.getState === 'function' && typeof e.setState === 'function';
}

export function hasTransitionTable(env: Env): env is Env & HasTransitionTable {
  return Array.isArray((env as Partial<HasTransitionTable>).P);
}

// EnvSpec: what `register(id, ...)` records and `make(id)` builds from (beside Env, which refers to it).
/** A class (`new (kwargs) => Env`) or a factory (`(kwargs) => Env`). */
export type EnvCreator = (new (kwargs: Record<string, unknown>) => Env) | ((kwargs: Record<string, unknown>) => Env);

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
