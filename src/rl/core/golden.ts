/**
 * Golden-trace replay: checks an env against traces recorded from the reference implementation
 * (format: docs/golden-traces.md in the package). Two kinds of file:
 * - episodes (classic control): set the env's internal state after reset, apply the recorded actions, compare
 *   observations (max abs error), rewards, terminated and truncated (TimeLimit of `max_episode_steps` applied);
 * - transition tables (toy text): for every state and action, the multiset of outcomes
 *   `[probability, next_state, reward, terminated]` must equal the env's `P`.
 * Files are found by env id (the file's `env` field, or its name), never by a fixed list. An optional
 * `kwargs` object (RLTune's argument names) is passed to `make`, for traces of non-default variants.
 * A malformed file gets a GoldenFormatError naming the file and the field.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { hasState, hasTransitionTable, type Env, type Transition } from './env.js';
import { NUMPY_PROMOTIONS } from './kwargs.js';
import { make } from './registry.js';
import { describe } from './rng.js';

export class GoldenFormatError extends Error {
  override name = 'GoldenFormatError';
}

export interface GoldenEpisode {
  state: number[];
  actions: (number | number[])[];
  observations: (number | number[])[];
  rewards: number[];
  terminated: boolean[];
  truncated: boolean[];
}

export interface GoldenEpisodesFile {
  kind: 'episodes';
  file: string;
  env: string;
  kwargs: Record<string, unknown>;
  /** The TimeLimit of the trace: null for none, undefined (field absent) for the registered one. */
  maxEpisodeSteps: number | null | undefined;
  episodes: GoldenEpisode[];
}

export interface GoldenTableFile {
  kind: 'table';
  file: string;
  env: string;
  kwargs: Record<string, unknown>;
  nStates: number;
  nActions: number;
  P: Transition[][][];
}

export type GoldenFile = GoldenEpisodesFile | GoldenTableFile;

export interface GoldenResult {
  env: string;
  files: string[];
  episodes: number;
  transitions: number;
  /** Largest absolute error of an observation entry (episodes) or a probability (tables). */
  maxAbsErr: number;
  /**
   * Largest relative error of a reward, |got - expected| / |expected| (Infinity for a nonzero reward where 0 is
   * expected).
   */
  maxRewardErr: number;
  failures: string[];
}

export const OBS_TOLERANCE = 1e-5;
/**
 * Relative, as rewards span 0 to hundreds. Not tighter: V8's Math.sin differs from glibc's sin by one ulp on some
 * arguments, and a chaotic 200-step Pendulum episode grows that into relative reward errors of up to 4e-11. Tight
 * enough to catch a float32-rounded term computed in float64 (Pendulum's torque terms: 1e-10 and more), which the
 * former absolute 1e-9 let through.
 */
export const REWARD_TOLERANCE = 1e-10;
export const PROB_TOLERANCE = 1e-9;

/** The relative error of a reward; 0 when equal, so an expected 0 must be matched exactly. */
export function rewardErr(got: number, expected: number): number {
  return got === expected ? 0 : Math.abs(got - expected) / Math.abs(expected);
}

function fail(file: string, field: string, expected: string, got: unknown): never {
  throw new GoldenFormatError(`${file}: field ${field}: expected ${expected}, got ${describe(got)}`);
}

function numArray(file: string, field: string, v: unknown, len?: number): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number') || (len !== undefined && v.length !== len)) {
    fail(file, field, len === undefined ? 'an array of numbers' : `an array of ${len} numbers`, v);
  }
  return v as number[];
}

/** Parses and validates one golden file. */
export function parseGoldenFile(file: string, text?: string): GoldenFile {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(text ?? readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new GoldenFormatError(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  if (j === null || typeof j !== 'object' || Array.isArray(j)) fail(file, '(top level)', 'an object', j);
  if (typeof j.env !== 'string' || j.env.length === 0) fail(file, 'env', 'an env id string', j.env);
  const env = j.env;
  const given = (j.kwargs ?? {}) as Record<string, unknown>;
  if (given === null || typeof given !== 'object' || Array.isArray(given))
    fail(file, 'kwargs', 'an object of env arguments', j.kwargs);
  // The NumPy promotion rules the trace was recorded under: files that do not say were recorded under NumPy 1.x
  // (checked bit for bit against the reference's source run under both rules; docs/golden-traces.md).
  const promotion = j.numpy_promotion ?? 'legacy';
  if (!(NUMPY_PROMOTIONS as readonly unknown[]).includes(promotion))
    fail(file, 'numpy_promotion', `one of ${NUMPY_PROMOTIONS.join(', ')}`, promotion);
  const kwargs = { numpyPromotion: promotion, ...given };
  if ('P' in j) {
    const nS = j.n_states,
      nA = j.n_actions;
    if (!Number.isInteger(nS) || (nS as number) < 1) fail(file, 'n_states', 'a positive integer', nS);
    if (!Number.isInteger(nA) || (nA as number) < 1) fail(file, 'n_actions', 'a positive integer', nA);
    const P = j.P as Record<string, Record<string, unknown>>;
    if (P === null || typeof P !== 'object' || Array.isArray(P)) fail(file, 'P', 'an object keyed by state', P);
    const table: Transition[][][] = [];
    for (let s = 0; s < (nS as number); s++) {
      const row = P[String(s)];
      if (row === null || typeof row !== 'object') fail(file, `P.${s}`, 'an object keyed by action', row);
      table.push([]);
      for (let a = 0; a < (nA as number); a++) {
        const outs = row[String(a)];
        if (!Array.isArray(outs) || outs.length === 0) fail(file, `P.${s}.${a}`, 'a non-empty list of outcomes', outs);
        table[s].push(
          outs.map((o, k) => {
            const ok =
              Array.isArray(o) &&
              o.length === 4 &&
              typeof o[0] === 'number' &&
              Number.isInteger(o[1]) &&
              typeof o[2] === 'number' &&
              typeof o[3] === 'boolean';
            if (!ok) fail(file, `P.${s}.${a}[${k}]`, '[probability, next_state, reward, terminated]', o);
            return o as Transition;
          }),
        );
      }
    }
    return { kind: 'table', file, env, kwargs, nStates: nS as number, nActions: nA as number, P: table };
  }
  const max = j.max_episode_steps;
  if (max !== undefined && max !== null && (!Number.isInteger(max) || (max as number) < 1))
    fail(file, 'max_episode_steps', 'a positive integer or null', max);
  if (!Array.isArray(j.episodes)) fail(file, 'episodes', 'an array of episodes (or a "P" table)', j.episodes);
  const episodes = (j.episodes as unknown[]).map((raw, e): GoldenEpisode => {
    const ep = raw as Record<string, unknown>;
    const at = (k: string) => `episodes[${e}].${k}`;
    if (ep === null || typeof ep !== 'object') fail(file, `episodes[${e}]`, 'an object', ep);
    const state = numArray(file, at('state'), ep.state);
    if (!Array.isArray(ep.actions) || ep.actions.length === 0)
      fail(file, at('actions'), 'a non-empty array', ep.actions);
    const n = ep.actions.length;
    ep.actions.forEach((a, t) => {
      if (typeof a !== 'number' && !(Array.isArray(a) && a.every((x) => typeof x === 'number')))
        fail(file, `${at('actions')}[${t}]`, 'a number or an array of numbers', a);
    });
    if (!Array.isArray(ep.observations) || ep.observations.length !== n)
      fail(file, at('observations'), `an array of ${n} observations`, ep.observations);
    ep.observations.forEach((o, t) => {
      if (typeof o !== 'number') numArray(file, `${at('observations')}[${t}]`, o);
    });
    const rewards = numArray(file, at('rewards'), ep.rewards, n);
    for (const k of ['terminated', 'truncated'] as const) {
      const v = ep[k];
      if (!Array.isArray(v) || v.length !== n || v.some((x) => typeof x !== 'boolean'))
        fail(file, at(k), `an array of ${n} booleans`, v);
    }
    return {
      state,
      actions: ep.actions as (number | number[])[],
      observations: ep.observations as (number | number[])[],
      rewards,
      terminated: ep.terminated as boolean[],
      truncated: ep.truncated as boolean[],
    };
  });
  return { kind: 'episodes', file, env, kwargs, maxEpisodeSteps: max as number | null | undefined, episodes };
}

/** Every golden file in `dir` for env `id` (matched by the file's `env` field or by its name). */
export function findGoldenFiles(dir: string, id: string): GoldenFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new Error(`golden directory ${dir} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  const out: GoldenFile[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const namedForId = basename(name, '.json') === id;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    if (!namedForId && !text.includes(JSON.stringify(id))) continue; // cheap pre-filter before parsing
    // A file that says it is for this env, by name or by its "env" field, must be well formed.
    const declaresId = namedForId || new RegExp(`"env"\\s*:\\s*${escapeRegExp(JSON.stringify(id))}`).test(text);
    let parsed: GoldenFile;
    try {
      parsed = parseGoldenFile(path, text);
    } catch (err) {
      if (declaresId) throw err;
      continue; // a malformed file for another env is that env's problem
    }
    if (parsed.env === id) out.push(parsed);
    else if (namedForId)
      throw new GoldenFormatError(
        `${path}: field env: expected ${JSON.stringify(id)} (the file's name), got ${JSON.stringify(parsed.env)}`,
      );
  }
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The env ids that have golden files in `dir`. */
export function goldenEnvIds(dir: string): string[] {
  const ids = new Set<string>();
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    try {
      const j = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { env?: unknown };
      if (typeof j.env === 'string') ids.add(j.env);
    } catch {
      ids.add(basename(name, '.json'));
    }
  }
  return [...ids].sort();
}

/** Replays the files against the env registered as `id`. */
export function replayGolden(id: string, files: GoldenFile[]): GoldenResult {
  const res: GoldenResult = {
    env: id,
    files: files.map((f) => f.file),
    episodes: 0,
    transitions: 0,
    maxAbsErr: 0,
    maxRewardErr: 0,
    failures: [],
  };
  for (const f of files) {
    try {
      if (f.kind === 'table') replayTable(f, res);
      else replayEpisodes(f, res);
    } catch (err) {
      // e.g. the file's kwargs are refused by the env: this file fails, the others still count.
      res.failures.push(`${f.file}: ${(err as Error).name}: ${(err as Error).message}`);
    }
  }
  return res;
}

function replayEpisodes(f: GoldenEpisodesFile, res: GoldenResult): void {
  // The env checker is off: the traces contain out-of-bound continuous actions on purpose (the env clips them).
  const env: Env = make(f.env, { ...f.kwargs, maxEpisodeSteps: f.maxEpisodeSteps, disableEnvChecker: true });
  try {
    replayEpisodesOn(env, f, res);
  } finally {
    env.close();
  }
}

function replayEpisodesOn(env: Env, f: GoldenEpisodesFile, res: GoldenResult): void {
  const inner = env.unwrapped;
  if (!hasState(inner)) {
    res.failures.push(`${f.file}: ${f.env} does not expose getState/setState, needed to replay episodes`);
    return;
  }
  f.episodes.forEach((ep, e) => {
    env.reset({ seed: e });
    inner.setState(ep.state);
    res.episodes++;
    for (let t = 0; t < ep.actions.length; t++) {
      const where = `${f.file}: episode ${e}, step ${t}`;
      const r = env.step(ep.actions[t]);
      res.transitions++;
      const want = ep.observations[t];
      const got = r.obs as ArrayLike<number> | number;
      const w = typeof want === 'number' ? [want] : want;
      const g = typeof got === 'number' ? [got] : Array.from(got);
      if (g.length !== w.length) {
        res.failures.push(`${where}: observation has ${g.length} entries, the trace ${w.length}`);
        return;
      }
      let err = 0;
      for (let i = 0; i < w.length; i++)
        err = Math.max(err, Math.abs(g[i] - w[i]) || (Number.isNaN(g[i]) ? Infinity : 0));
      res.maxAbsErr = Math.max(res.maxAbsErr, err);
      const rErr = rewardErr(r.reward, ep.rewards[t]);
      res.maxRewardErr = Math.max(res.maxRewardErr, rErr);
      const problems: string[] = [];
      if (!(err <= OBS_TOLERANCE))
        problems.push(`observation error ${err} > ${OBS_TOLERANCE} (got ${describe(g)}, expected ${describe(w)})`);
      if (!(rErr <= REWARD_TOLERANCE)) problems.push(`reward ${r.reward}, expected ${ep.rewards[t]}`);
      if (r.terminated !== ep.terminated[t]) problems.push(`terminated ${r.terminated}, expected ${ep.terminated[t]}`);
      if (r.truncated !== ep.truncated[t]) problems.push(`truncated ${r.truncated}, expected ${ep.truncated[t]}`);
      if (problems.length > 0) {
        res.failures.push(`${where}: ${problems.join('; ')}`);
        return; // the rest of this episode would only repeat the divergence
      }
      if ((r.terminated || r.truncated) && t < ep.actions.length - 1) {
        res.failures.push(`${where}: the episode ended but the trace goes on`);
        return;
      }
    }
  });
}

/** Outcomes are matched by next state and terminated; reward and probability are compared with tolerances. */
function outcomeKey(o: Transition): string {
  return `${o[1]}|${o[3]}`;
}

function byOutcome(x: Transition, y: Transition): number {
  return x[1] - y[1] || Number(x[3]) - Number(y[3]) || x[2] - y[2] || x[0] - y[0];
}

function replayTable(f: GoldenTableFile, res: GoldenResult): void {
  const env = make(f.env, { ...f.kwargs, disableEnvChecker: true });
  const inner = env.unwrapped;
  if (!hasTransitionTable(inner)) {
    res.failures.push(`${f.file}: ${f.env} does not expose its transition table P`);
    return;
  }
  const P = inner.P;
  if (P.length !== f.nStates) res.failures.push(`${f.file}: the env has ${P.length} states, the table ${f.nStates}`);
  for (let s = 0; s < Math.min(P.length, f.nStates); s++) {
    if (P[s].length !== f.nActions) {
      res.failures.push(`${f.file}: state ${s} has ${P[s].length} actions, the table ${f.nActions}`);
      continue;
    }
    for (let a = 0; a < f.nActions; a++) {
      const mine = [...P[s][a]].sort(byOutcome);
      const ref = [...f.P[s][a]].sort(byOutcome);
      res.transitions += ref.length;
      if (mine.length !== ref.length) {
        res.failures.push(
          `${f.file}: P[${s}][${a}] has ${mine.length} outcomes, the reference ${ref.length}: ${describe(mine)} vs ${describe(ref)}`,
        );
        continue;
      }
      for (let k = 0; k < ref.length; k++) {
        const pErr = Math.abs(mine[k][0] - ref[k][0]);
        const rErr = rewardErr(mine[k][2], ref[k][2]);
        res.maxAbsErr = Math.max(res.maxAbsErr, pErr);
        res.maxRewardErr = Math.max(res.maxRewardErr, rErr);
        if (outcomeKey(mine[k]) !== outcomeKey(ref[k]) || !(pErr <= PROB_TOLERANCE) || !(rErr <= REWARD_TOLERANCE)) {
          res.failures.push(
            `${f.file}: P[${s}][${a}] outcome ${describe(mine[k])} differs from the reference ${describe(ref[k])}`,
          );
          break;
        }
      }
    }
  }
  env.close();
}
