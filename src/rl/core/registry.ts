/**
 * The environment registry: `register(id, spec)` and `make(id, overrides)`, as Gymnasium's `gymnasium.make`.
 *
 * `make` builds the env from its entry point with the registered kwargs merged with the overrides, sets its
 * `spec`, then wraps it: TimeLimit (when the spec or the override gives `maxEpisodeSteps`) and, outermost,
 * the EnvChecker (order and contract errors), unless `disableEnvChecker` is set. User envs register exactly
 * as the built-ins do.
 *
 * `make` also takes an env factory instead of an id (as Gymnasium's `make` takes an EnvSpec): an id and the
 * fields of a registration, not registered. Its env is built and wrapped as a registered one would be. A
 * factory's entry point may be a closure over things env kwargs cannot hold (a reward function, a model), and
 * the id names it where only a name can go (checkpoints, logs).
 */
import { describe } from './rng.js';
import type { Env, EnvCreator, EnvSpec, EnvSpecInput } from './env.js';
import { EnvChecker } from '../wrappers/env_checker.js';
import { TimeLimit } from '../wrappers/time_limit.js';

const registry = new Map<string, EnvSpec>();
const ID_PATTERN = /^(?:[\w.:-]+\/)?[\w.:]+(?:-[\w.:]+)*?(?:-v\d+)?$/;

/** Options of `make` that are not env kwargs; every other key is passed to the env's constructor. */
export interface MakeOptions {
  /** Overrides the registered step limit (0 or null removes the TimeLimit). */
  maxEpisodeSteps?: number | null;
  /** Skip the EnvChecker wrapper (for the last nanoseconds in hot loops; misuse then goes unchecked). */
  disableEnvChecker?: boolean;
  [kwarg: string]: unknown;
}

export class UnknownEnvError extends Error {
  override name = 'UnknownEnvError';
}

/** An env made without the registry: the id it goes by and what `register` would have been given. */
export type EnvFactory = EnvSpecInput & { id: string };

/** Where an algorithm or vector env gets its envs: a registered id, or a factory. */
export type EnvSource = string | EnvFactory;

/** The id of an env source (what checkpoints record). */
export function envIdOf(source: EnvSource): string {
  return typeof source === 'string' ? source : source?.id;
}

export function register(id: string, spec: EnvSpecInput): EnvSpec {
  const full = toSpec(id, spec);
  if (registry.has(id))
    process.emitWarning(`register: overriding the registration of ${id}`, { code: 'RLTUNE_REREGISTER' });
  registry.set(id, full);
  return full;
}

/** A checked, complete spec (register's and an env factory's). */
function toSpec(id: string, spec: EnvSpecInput, who = 'register'): EnvSpec {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new TypeError(`${who}: id must look like "Name-v0" or "namespace/Name-v0", got ${describe(id)}`);
  }
  if (spec === null || typeof spec !== 'object' || typeof spec.entryPoint !== 'function') {
    throw new TypeError(
      `${who}(${id}): entryPoint must be an Env class or a function (kwargs) => Env, got ${describe(spec?.entryPoint)}`,
    );
  }
  const max = spec.maxEpisodeSteps ?? null;
  if (max !== null && (!Number.isInteger(max) || max < 1)) {
    throw new TypeError(`${who}(${id}): maxEpisodeSteps must be a positive integer or null, got ${describe(max)}`);
  }
  const threshold = spec.rewardThreshold ?? null;
  if (threshold !== null && typeof threshold !== 'number') {
    throw new TypeError(`${who}(${id}): rewardThreshold must be a number or null, got ${describe(threshold)}`);
  }
  const full: EnvSpec = {
    id,
    entryPoint: spec.entryPoint,
    maxEpisodeSteps: max,
    rewardThreshold: threshold,
    kwargs: { ...(spec.kwargs ?? {}) },
    nondeterministic: spec.nondeterministic ?? false,
    checker: spec.checker ?? true,
    modules: [...(spec.modules ?? [])],
  };
  return full;
}

/** Removes a registration (mainly for tests). */
export function unregister(id: string): boolean {
  return registry.delete(id);
}

export function spec(id: string): EnvSpec {
  const s = registry.get(id);
  if (s === undefined) throw new UnknownEnvError(unknownIdMessage(id));
  return s;
}

/** Every registered spec, sorted by id. */
export function registeredEnvs(): EnvSpec[] {
  return [...registry.values()].sort((a, b) => a.id.localeCompare(b.id));
}

function isClass(fn: EnvCreator): fn is new (kwargs: Record<string, unknown>) => Env {
  return /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

/** Builds the bare env of a spec (no wrappers) with the given kwargs merged over the registered ones. */
export function makeUnwrapped(s: EnvSpec, kwargs: Record<string, unknown> = {}): Env {
  const merged = { ...s.kwargs, ...kwargs };
  const env = isClass(s.entryPoint) ? new s.entryPoint(merged) : s.entryPoint(merged);
  if (env === null || typeof env !== 'object' || typeof env.step !== 'function' || typeof env.reset !== 'function') {
    throw new TypeError(`make(${s.id}): the entry point returned ${describe(env)}, not an Env`);
  }
  return env;
}

/**
 * Makes the env registered as `source`, or the env of a factory.
 * @param overrides `maxEpisodeSteps`, `disableEnvChecker`, and any constructor kwargs of the env
 */
export function make<O = unknown, A = unknown>(source: EnvSource, overrides: MakeOptions = {}): Env<O, A> {
  const id = envIdOf(source);
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw new TypeError(`make(${id}): overrides must be an object, got ${describe(overrides)}`);
  }
  const s = typeof source === 'string' ? spec(id) : toSpec(id, source, 'env factory');
  const { maxEpisodeSteps, disableEnvChecker, ...given } = overrides;
  // An override of undefined means "not given": the registered value stays.
  const kwargs = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  if (
    maxEpisodeSteps !== undefined &&
    maxEpisodeSteps !== null &&
    (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps < 0)
  ) {
    throw new TypeError(
      `make(${id}): maxEpisodeSteps must be a non-negative integer or null, got ${describe(maxEpisodeSteps)}`,
    );
  }
  const envSpec: EnvSpec = {
    ...s,
    kwargs: { ...s.kwargs, ...kwargs },
    maxEpisodeSteps: maxEpisodeSteps === undefined ? s.maxEpisodeSteps : maxEpisodeSteps || null,
  };
  let env: Env = makeUnwrapped(s, kwargs);
  env.spec = envSpec;
  if (envSpec.maxEpisodeSteps !== null) env = new TimeLimit(env, envSpec.maxEpisodeSteps);
  if (s.checker && disableEnvChecker !== true) env = new EnvChecker(env);
  return env as Env<O, A>;
}

function unknownIdMessage(id: string): string {
  const ids = [...registry.keys()];
  const lower = String(id).toLowerCase();
  const scored = ids
    .map((k) => ({ k, d: editDistance(lower, k.toLowerCase()) }))
    .filter(
      ({ k, d }) => d <= Math.max(3, Math.floor(k.length / 3)) || k.toLowerCase().startsWith(lower.split('-v')[0]),
    )
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ k }) => k);
  const hint = scored.length > 0 ? ` Did you mean ${scored.map((s) => JSON.stringify(s)).join(' or ')}?` : '';
  return `No environment registered with id ${describe(id)}.${hint} Run \`rltune envs\` for the list.`;
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}
