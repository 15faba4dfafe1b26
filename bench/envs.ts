/**
 * bench/envs: environment stepping speed. Prints one JSON object.
 *
 *   node dist/bench/envs.js [--quick] [--record]
 *
 * - `cartpole_make_steps_per_s`: single CartPole-v1 through make() with its default wrappers (checker,
 *   TimeLimit), random actions from actionSpace.sample(), reset at episode end: the headline number,
 *   target >= 1.3 M steps/s (10x the ~127,000 steps/s Gymnasium does that way on a machine of this kind).
 * - `anchor`: Gymnasium's CartPole-v1 measured in the same run the same way (bench/anchors/gymnasium_cartpole.py)
 *   when python3 with gymnasium is installed (`pip install gymnasium`); otherwise the reason it was not.
 * - `cartpole_raw_steps_per_s`: the bare env, same loop.
 * - `vector`: env steps per second (numEnvs x vector steps) for 1, 8 and 64 envs, sync and worker modes.
 * Each figure is the median of several timed repetitions after a warm-up. --record also writes the result to
 * bench/results/envs-<date>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { CartPoleEnv, make, makeVec, Rng, type Env } from '../src/rl/index.js';
import { machineInfo } from './machine.js';
import { benchArgs } from './util/args.js';
import { median } from './util/stats.js';

const { quick, record } = benchArgs('bench/envs', {});
const REPS = quick ? 3 : 7;

/** Sum of observed values, so the compiler cannot drop the observations as an agent would read them. */
let sink = 0;

function timeSingle(env: Env<Float32Array, number>, steps: number): number {
  env.actionSpace.seed(0);
  env.reset({ seed: 0 });
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const r = env.step(env.actionSpace.sample());
    sink += r.obs[2] + r.reward;
    if (r.terminated || r.truncated) env.reset();
  }
  return steps / ((performance.now() - t0) / 1000);
}

function singleRate(makeEnv: () => Env<Float32Array, number>, steps: number): { median: number; runs: number[] } {
  const env = makeEnv();
  timeSingle(env, Math.min(steps, 200_000)); // warm-up (JIT)
  const runs = Array.from({ length: REPS }, () => timeSingle(env, steps));
  return { median: median(runs), runs };
}

function vectorRate(
  n: number,
  mode: 'sync' | 'worker',
  vecSteps: number,
  numWorkers?: number,
): { env_steps_per_s: number; vector_steps_per_s: number; num_workers?: number } {
  const venv = makeVec('CartPole-v1', n, { mode, numWorkers });
  const rng = new Rng(1);
  const acts = new Int32Array(n);
  venv.reset({ seed: 0 });
  const run = (steps: number) => {
    const t0 = performance.now();
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < n; i++) acts[i] = rng.below(2);
      venv.step(acts);
    }
    return steps / ((performance.now() - t0) / 1000);
  };
  run(Math.max(10, Math.floor(vecSteps / 5)));
  const rate = median(Array.from({ length: REPS }, () => run(vecSteps)));
  const workers = (venv as { numWorkers?: number }).numWorkers;
  venv.close();
  return {
    env_steps_per_s: Math.round(rate * n),
    vector_steps_per_s: Math.round(rate),
    ...(workers ? { num_workers: workers } : {}),
  };
}

function gymnasiumAnchor(): Record<string, unknown> {
  const script = fileURLToPath(new URL('../../bench/anchors/gymnasium_cartpole.py', import.meta.url));
  const r = spawnSync('python3', [script, quick ? '20000' : '300000', quick ? '1' : '5'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.error || r.status !== 0)
    return { available: false, why: `python3 failed: ${r.error?.message ?? r.stderr.trim().split('\n').pop()}` };
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, unknown>;
  } catch {
    return { available: false, why: `unreadable anchor output: ${r.stdout.slice(0, 200)}` };
  }
}

const steps = quick ? 200_000 : 2_000_000;
const wrapped = singleRate(() => make<Float32Array, number>('CartPole-v1'), steps);
const raw = singleRate(() => new CartPoleEnv(), steps);
const vector: Record<string, unknown> = {};
for (const mode of ['sync', 'worker'] as const) {
  for (const n of [1, 8, 64]) {
    const envSteps = quick ? 20_000 : 400_000;
    vector[`${mode}_${n}`] = { mode, num_envs: n, ...vectorRate(n, mode, Math.max(20, Math.floor(envSteps / n))) };
  }
}
// One thread per core (this one included), so none may spin, against the default (CPUs - 1 threads, spinning).
const perCore = availableParallelism();
vector[`worker_8_${perCore}_threads`] = {
  mode: 'worker',
  num_envs: 8,
  ...vectorRate(8, 'worker', quick ? 2500 : 50_000, perCore),
};
const anchor = gymnasiumAnchor();

const TARGET = 1_300_000;
const REFERENCE = 127_000;
const result = {
  benchmark: 'envs',
  date: new Date().toISOString(),
  quick,
  machine: machineInfo(),
  cartpole_make_steps_per_s: Math.round(wrapped.median),
  cartpole_make_runs: wrapped.runs.map(Math.round),
  cartpole_raw_steps_per_s: Math.round(raw.median),
  cartpole_raw_runs: raw.runs.map(Math.round),
  target_steps_per_s: TARGET,
  meets_target: wrapped.median >= TARGET,
  reference_steps_per_s: REFERENCE,
  speedup_vs_reference: Math.round((wrapped.median / REFERENCE) * 10) / 10,
  anchor,
  speedup_vs_anchor: anchor.available
    ? Math.round((wrapped.median / (anchor.make_steps_per_s as number)) * 10) / 10
    : null,
  vector,
};
if (!Number.isFinite(sink)) throw new Error('non-finite observation sum');
const text = JSON.stringify(result);
process.stdout.write(text + '\n');
if (record) {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}envs-${result.date.slice(0, 10)}.json`, JSON.stringify(result, null, 2) + '\n');
}
