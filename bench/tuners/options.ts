/**
 * The arguments of bench/tuners/compare (its flags are documented there), checked before anything is measured: a
 * benchmark that fails on a bad flag after an hour of measuring has wasted the hour.
 */
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MODEL_BASED } from '../../src/tune/search/registry.js';
import type { TunerContext } from '../../src/tune/search/tuner.js';
import { createTask, GEMM_SPACE_VERSION, useGemmSpaceVersion } from '../../src/tune/task/task.js';
import { benchArgs, intFlag, listFlag } from '../util/args.js';

/** Configs per round, for every strategy (equal batches make the trials comparable). */
export const BATCH = 8;
/** The RL strategies: they have a pretrained policy, and the held-out checks are about them. */
export const RL_STRATEGIES = ['grpo', 'ppo'];
/** PolicyTunerOptions that --rl-options may set (for ablations). */
const RL_OPTION_KEYS = ['walkSteps', 'incumbents', 'coldShare', 'measuredIterations'];

export interface WorkloadEntry {
  name: string;
  spec: string;
  why?: string;
}
export interface WorkloadSet {
  name: string;
  workloads: WorkloadEntry[];
}

export interface CompareOptions {
  quick: boolean;
  record: boolean;
  refreeze: boolean;
  /** Paired timing (RunSettings.paired) for every measurement, the freeze of best-known included. */
  paired: boolean;
  /** Serve every trial from the records and measure nothing (TuningSession replayOnly): a replay check. */
  replayOnly: boolean;
  /** --gemm-space: the GEMM space version of the runs (1 replays results recorded before space version 2). */
  gemmSpace: number;
  /** With --replay-only: the machine (fingerprint) whose records replay, if not this host (TuningSession's replayMachine). */
  replayMachine: string | null;
  workloadsFile: string;
  set: WorkloadSet;
  strategies: string[];
  seeds: number[];
  budget: number;
  transferModes: ('off' | 'on')[];
  dbPath: string;
  bestKnownPath: string;
  /** --prior-workloads as given ('' without), and its canonical specs (null without). */
  priorWorkloadsFile: string;
  priorWorkloads: string[] | null;
  /**
   * --policy as given: a policy directory, `cold` (the RL strategies start from no policy) or '' (the package's
   * default).
   */
  policyDir: string;
  tag: string;
  /** --out: also write the whole result (every run's trials included) to this file; '' without. */
  out: string;
  rlOptions: Record<string, number>;
}

const FLAGS = {
  workloads: { type: 'string' },
  strategies: { type: 'string' },
  seeds: { type: 'string' },
  trials: { type: 'string' },
  transfer: { type: 'string' },
  db: { type: 'string' },
  'best-known': { type: 'string' },
  'prior-workloads': { type: 'string' },
  policy: { type: 'string' },
  tag: { type: 'string' },
  'rl-options': { type: 'string' },
  out: { type: 'string' },
  paired: { type: 'boolean' },
  refreeze: { type: 'boolean' },
  'replay-only': { type: 'boolean' },
  'replay-machine': { type: 'string' },
  'gemm-space': { type: 'string' },
} as const;

/** The options of a run of compare from its command line; `repo` roots the default paths. */
export function compareOptions(argv: string[], repo: string): CompareOptions {
  const { values: v, quick, record } = benchArgs('bench/tuners/compare', FLAGS, { argv });
  const gemmSpace = intFlag('gemm-space', v['gemm-space'], GEMM_SPACE_VERSION);
  useGemmSpaceVersion(gemmSpace);
  const workloadsFile = resolve(
    v.workloads ?? join(repo, 'bench', 'tuners', quick ? 'workloads-smoke.json' : 'workloads-v1.json'),
  );
  const strategies = listFlag(v.strategies, 'random,anneal,evolve');
  for (const s of strategies)
    if (!['random', 'grid', ...MODEL_BASED].includes(s))
      throw new RangeError(`--strategies: unknown strategy ${JSON.stringify(s)}`);
  const seeds = listFlag(v.seeds, quick ? '1' : '1,2,3').map(Number);
  if (!seeds.every((s) => Number.isSafeInteger(s) && s >= 0))
    throw new RangeError(`--seeds takes integers separated by commas, got ${JSON.stringify(v.seeds)}`);
  const transferModes = listFlag(v.transfer, quick ? 'off' : 'off,on') as ('off' | 'on')[];
  for (const t of transferModes)
    if (t !== 'off' && t !== 'on') throw new RangeError(`--transfer takes off, on or off,on; got ${JSON.stringify(t)}`);
  const set = JSON.parse(readFileSync(workloadsFile, 'utf8')) as WorkloadSet;
  const priorWorkloadsFile = v['prior-workloads'] ?? '';
  const priorWorkloads = priorWorkloadsFile
    ? (JSON.parse(readFileSync(resolve(priorWorkloadsFile), 'utf8')) as WorkloadSet).workloads.map(
        (w) => createTask(w.spec).spec,
      )
    : null;
  if (priorWorkloads) {
    const overlap = set.workloads.filter((w) => priorWorkloads.includes(createTask(w.spec).spec));
    if (overlap.length)
      throw new RangeError(
        `--prior-workloads overlaps the benchmarked set: ${overlap.map((w) => w.name).join(', ')} (held-out workloads must appear in no training set)`,
      );
  }
  return {
    quick,
    record,
    refreeze: v.refreeze === true,
    paired: v.paired === true,
    replayOnly: v['replay-only'] === true,
    replayMachine: v['replay-machine'] ?? null,
    gemmSpace,
    workloadsFile,
    set,
    strategies,
    seeds,
    budget: intFlag('trials', v.trials, quick ? 16 : 256),
    transferModes,
    dbPath: resolve(
      v.db ??
        (quick ? join(tmpdir(), `rltune-tuners-smoke-${process.pid}.db`) : join(repo, 'bench', '.data', 'tuners.db')),
    ),
    bestKnownPath: resolve(
      v['best-known'] ??
        (quick
          ? join(tmpdir(), `rltune-best-known-smoke-${process.pid}.json`)
          : join(repo, 'bench', 'results', 'best-known.json')),
    ),
    priorWorkloadsFile,
    priorWorkloads,
    policyDir: v.policy ?? '',
    tag: v.tag ?? '',
    out: v.out ? resolve(v.out) : '',
    rlOptions: rlOptionsOf(v['rl-options'] ?? ''),
  };
}

/** --rl-options: a JSON object of RL_OPTION_KEYS with numbers (the strategies' defaults for the rest). */
function rlOptionsOf(text: string): Record<string, number> {
  if (!text) return {};
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new RangeError(`--rl-options must be a JSON object such as '{"incumbents":0}', got ${JSON.stringify(text)}`);
  }
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new RangeError(`--rl-options must be a JSON object, got ${JSON.stringify(text)}`);
  for (const [k, x] of Object.entries(o))
    if (!RL_OPTION_KEYS.includes(k) || typeof x !== 'number')
      throw new RangeError(
        `--rl-options: ${JSON.stringify(k)}: ${JSON.stringify(x)} is not one of ${RL_OPTION_KEYS.join(', ')} with a number`,
      );
  return o as Record<string, number>;
}

/**
 * The policy options of the RL strategies: from --policy's directory, from no policy (`cold`), else the package's
 * default.
 */
export function policyOf(o: CompareOptions): NonNullable<TunerContext['policy']> {
  const from =
    o.policyDir === 'cold'
      ? { defaultPolicy: false }
      : o.policyDir
        ? { policyDir: resolve(o.policyDir) }
        : { defaultPolicy: true };
  return { ...from, ...o.rlOptions };
}
