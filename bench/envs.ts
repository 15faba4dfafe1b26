/**
 * bench/envs: environment stepping speed. Prints one JSON object.
 *
 *   node dist/bench/envs.js [--quick] [--record]
 *
 * - `cartpole_make_steps_per_s`: single CartPole-v1 through make() with its default wrappers (checker,
 *   TimeLimit), random actions from actionSpace.sample(), reset at episode end: the headline number,
 *   target >= 1.3 M steps/s (10x the reference's ~127,000 steps/s measured the same way; Gymnasium cannot be
 *   installed here, so that anchor is quoted, not measured in this run).
 * - `cartpole_raw_steps_per_s`: the bare env, same loop.
 * - `vector`: env steps per second (numEnvs x vector steps) for 1, 8 and 64 envs, sync and worker modes.
 * Each figure is the median of several timed repetitions after a warm-up. --record also writes the result to
 * bench/results/envs-<date>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CartPoleEnv, make, makeVec, Rng, type Env } from '../src/rl/index.js';
import { machineInfo } from './machine.js';

const quick = process.argv.includes('--quick');
const record = process.argv.includes('--record');
const REPS = quick ? 3 : 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function timeSingle(env: Env<Float32Array, number>, steps: number): number {
  env.actionSpace.seed(0);
  env.reset({ seed: 0 });
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const r = env.step(env.actionSpace.sample());
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

function vectorRate(n: number, mode: 'sync' | 'worker', vecSteps: number): { env_steps_per_s: number; vector_steps_per_s: number; num_workers?: number } {
  const venv = makeVec('CartPole-v1', n, { mode });
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
  return { env_steps_per_s: Math.round(rate * n), vector_steps_per_s: Math.round(rate), ...(workers ? { num_workers: workers } : {}) };
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
  reference: { name: 'Gymnasium 1.x CartPole-v1 via gymnasium.make, action_space.sample()', steps_per_s: REFERENCE, measured_here: false, why: 'Gymnasium is not installable on this machine (no PyPI access); figure quoted from the issue for a machine of this kind' },
  speedup_vs_reference: Math.round((wrapped.median / REFERENCE) * 10) / 10,
  vector,
};
const text = JSON.stringify(result);
process.stdout.write(text + '\n');
if (record) {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}envs-${result.date.slice(0, 10)}.json`, JSON.stringify(result, null, 2) + '\n');
}
