/**
 * checkEnv: the environment checker behind `rltune env check`. It runs a fixed list of checks on a registered
 * env and reports each one (it never throws for a failing env; a failure is a result):
 * spaces well formed (Space instances, JSON round-trip, seeded samples contained and reproducible,
 * flatten/unflatten round-trip), the reset/step contract (return shapes, types, observations in their space),
 * determinism under a seed (two seeded runs give identical trajectories), the order checker (step before reset
 * and an action outside the space are refused), rendering, and close.
 */
import { type Env, type StepResult } from './env.js';
import { make } from './registry.js';
import { describe } from './rng.js';
import { Box, Discrete, Space } from './spaces/index.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  message?: string;
}

export interface CheckReport {
  env: string;
  checks: number;
  failed: number;
  results: CheckResult[];
}

export interface CheckEnvOptions {
  /** Steps of each determinism run (default 300). */
  steps?: number;
  seed?: number;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b) || Array.isArray(a) || Array.isArray(b)) {
    const x = a as ArrayLike<unknown>,
      y = b as ArrayLike<unknown>;
    if (x === null || y === null || typeof x !== 'object' || typeof y !== 'object' || x.length !== y.length)
      return false;
    for (let i = 0; i < x.length; i++) if (!deepEqual(x[i], y[i])) return false;
    return true;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a),
      kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

export function checkEnv(id: string, opts: CheckEnvOptions = {}): CheckReport {
  const steps = opts.steps ?? 300;
  const seed = opts.seed ?? 12345;
  const results: CheckResult[] = [];
  const check = (name: string, fn: () => string | null | void): void => {
    try {
      const problem = fn();
      results.push(problem ? { name, ok: false, message: problem } : { name, ok: true });
    } catch (err) {
      results.push({ name, ok: false, message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  };

  let env: Env | null = null;
  check('make', () => {
    env = make(id);
  });
  if (env === null) return report(id, results);
  const e: Env = env;

  for (const [label, space] of [
    ['observation', e.observationSpace],
    ['action', e.actionSpace],
  ] as const) {
    check(`${label} space is a Space`, () => (space instanceof Space ? null : `got ${describe(space)}`));
    if (!(space instanceof Space)) continue;
    check(`${label} space JSON round-trip`, () => {
      const back: unknown = JSON.parse(JSON.stringify(space.toJSON()));
      return deepEqual(back, space.toJSON()) ? null : `${space} did not survive JSON`;
    });
    check(`${label} space samples are contained and seeded`, () => {
      space.seed(seed);
      const a = Array.from({ length: 20 }, () => space.sample());
      space.seed(seed);
      const b = Array.from({ length: 20 }, () => space.sample());
      const bad = a.find((x) => !space.contains(x));
      if (bad !== undefined) return `sample ${describe(bad)} is not in ${space}`;
      return deepEqual(a, b) ? null : 'the same seed gave different samples';
    });
    check(`${label} space flatten/unflatten round-trip`, () => {
      const x = space.sample();
      const flat = space.flatten(x);
      if (flat.length !== space.flatDim) return `flatten gave ${flat.length} entries, flatDim is ${space.flatDim}`;
      const back = space.unflatten(flat);
      return deepEqual(back, x) ||
        (space instanceof Box && deepEqual(Array.from(back as ArrayLike<number>), Array.from(x as ArrayLike<number>)))
        ? null
        : `${describe(x)} came back as ${describe(back)}`;
    });
  }

  check('step before reset is refused', () => {
    const fresh = make(id);
    try {
      fresh.step(fresh.actionSpace.sample());
      return 'step() before reset() did not throw';
    } catch (err) {
      return /reset/.test((err as Error).message) ? null : `unexpected error: ${(err as Error).message}`;
    } finally {
      fresh.close();
    }
  });

  check('reset contract', () => {
    const r = e.reset({ seed });
    if (r === null || typeof r !== 'object') return `reset() returned ${describe(r)}`;
    if (!e.observationSpace.contains(r.obs)) return `observation ${describe(r.obs)} is not in ${e.observationSpace}`;
    if (r.info === null || typeof r.info !== 'object') return `info is ${describe(r.info)}`;
    return null;
  });

  check('action outside the space is refused', () => {
    const bad = outsideValue(e.actionSpace);
    if (bad === undefined) return null;
    e.reset({ seed });
    try {
      e.step(bad);
      return `step(${describe(bad)}) did not throw`;
    } catch (err) {
      const msg = (err as Error).message;
      return msg.includes(String(e.actionSpace)) ? null : `the error does not name the space: ${msg}`;
    }
  });

  check('step contract', () => {
    e.reset({ seed });
    e.actionSpace.seed(seed);
    for (let t = 0; t < steps; t++) {
      const r = e.step(e.actionSpace.sample());
      const p = stepProblem(e, r);
      if (p) return `step ${t}: ${p}`;
      if (r.terminated || r.truncated) e.reset();
    }
    return null;
  });

  check('determinism under a seed', () => {
    const a = trajectory(id, seed, steps),
      b = trajectory(id, seed, steps);
    return deepEqual(a, b) || e.spec?.nondeterministic ? null : 'two runs with the same seed differ';
  });

  check('reset without a seed continues the generator', () => {
    const x = make(id);
    x.reset({ seed });
    const second = x.reset().obs;
    const y = make(id);
    y.reset({ seed });
    const again = y.reset().obs;
    x.close();
    y.close();
    return deepEqual(second, again) ? null : 'the reset after a seeded reset is not reproducible';
  });

  if (e.metadata.renderModes.includes('ansi')) {
    check('render (ansi)', () => {
      const r = make(id, { renderMode: 'ansi' });
      r.reset({ seed });
      const text = r.render();
      r.close();
      return typeof text === 'string' && text.length > 0 ? null : `render() returned ${describe(text)}`;
    });
  }

  check('close twice', () => {
    e.close();
    e.close();
  });
  return report(id, results);
}

function report(env: string, results: CheckResult[]): CheckReport {
  return { env, checks: results.length, failed: results.filter((r) => !r.ok).length, results };
}

function stepProblem(e: Env, r: StepResult<unknown>): string | null {
  if (r === null || typeof r !== 'object') return `step() returned ${describe(r)}`;
  if (typeof r.reward !== 'number' || Number.isNaN(r.reward)) return `reward ${describe(r.reward)} is not a number`;
  if (typeof r.terminated !== 'boolean') return `terminated ${describe(r.terminated)} is not a boolean`;
  if (typeof r.truncated !== 'boolean') return `truncated ${describe(r.truncated)} is not a boolean`;
  if (!e.observationSpace.contains(r.obs)) return `observation ${describe(r.obs)} is not in ${e.observationSpace}`;
  if (r.info === null || typeof r.info !== 'object') return `info ${describe(r.info)} is not an object`;
  return null;
}

function trajectory(id: string, seed: number, steps: number): unknown[] {
  const env = make(id);
  env.actionSpace.seed(seed);
  const out: unknown[] = [env.reset({ seed }).obs];
  for (let t = 0; t < steps; t++) {
    const r = env.step(env.actionSpace.sample());
    out.push(r.obs, r.reward, r.terminated, r.truncated);
    if (r.terminated || r.truncated) out.push(env.reset().obs);
  }
  env.close();
  return out;
}

/** A value just outside `space`, or undefined when none is easy to name. */
function outsideValue(space: Space): unknown {
  if (space instanceof Discrete) return space.start + space.n;
  if (space instanceof Box) {
    const v = new Float64Array(space.size);
    const i = space.high.findIndex((h) => h < Infinity);
    if (i >= 0) {
      // high + |high| + 1 is above high even where high + 1 rounds back to high (huge bounds).
      for (let k = 0; k < space.size; k++) v[k] = Number.isFinite(space.low[k]) ? space.low[k] : 0;
      v[i] = space.high[i] + Math.abs(space.high[i]) + 1;
      return Array.from(v);
    }
    return Array.from({ length: space.size + 1 }, () => 0);
  }
  return undefined;
}
