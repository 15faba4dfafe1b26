/**
 * bench/nn: speed of one PPO network update on each MLP backend. Prints one JSON object.
 *
 *   node dist/bench/nn.js [--quick] [--record]
 *
 * The shapes are CleanRL's PPO on CartPole: actor 4-64-64-2 and critic 4-64-64-1, tanh. One "update" is what a
 * PPO minibatch costs the networks: forwardTrain + backward of the actor, then of the critic (the loss itself,
 * in TypeScript, is not included). Minibatch 128 is CleanRL's (4 envs x 128 steps / 4 minibatches); 512 is a
 * whole rollout. `infer_4_ms` is one policy + value forward for 4 envs, the per-step cost of the rollout.
 * Each figure is the median over repetitions of the mean of a timed loop, after a warm-up.
 * `gflops` counts 2 flops per multiply-add of the matrix products (forward: x W; backward: a^T dz and
 * dz W^T, except the input layer's dx); bias adds and activations are not counted.
 * The anchor is tfjs with its wasm backend (about 4.8 ms per 512-sample update on a machine of this kind),
 * measured in the same run; the target is native < 0.3 ms for 512 samples. --record also writes the result to
 * bench/results/nn-<date>.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MLP } from '../src/rl/nn/mlp.js';
import { createMLP } from '../src/rl/nn/make_mlp.js';
import { initTfjs } from '../src/rl/nn/tfjs_mlp.js';
import { nativeAvailable, nativeInfo, nativeLoadError } from '../src/rl/nn/native_mlp.js';
import { Rng } from '../src/rl/core/rng.js';
import { machineInfo } from './machine.js';
import { benchArgs } from './util/args.js';
import { median } from './util/stats.js';

const { quick, record } = benchArgs('bench/nn', {});
const REPS = quick ? 3 : 15;
const ACTOR = [4, 64, 64, 2];
const CRITIC = [4, 64, 64, 1];
const TARGET_MS_512 = 0.3;

/** Multiply-adds x 2 of forward + backward for one sample. */
function flopsPerSample(sizes: number[]): number {
  let fwd = 0,
    dx = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    fwd += sizes[l] * sizes[l + 1];
    if (l > 0) dx += sizes[l] * sizes[l + 1];
  }
  return 2 * (2 * fwd + dx);
}

function randomArray(n: number, rng: Rng): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

let sink = 0;

/** ms per call of `fn`, median over REPS loops of `iters` calls, after `iters` warm-up calls. */
function timeLoop(fn: () => void, iters: number): { ms: number; runs: number[] } {
  for (let i = 0; i < iters; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) fn();
    runs.push((performance.now() - t0) / iters);
  }
  return { ms: median(runs), runs: runs.map((x) => Math.round(x * 1e5) / 1e5) };
}

/** Aims each timed loop at about `loopMs` milliseconds given a rough per-call estimate. */
function itersFor(estimateMs: number, loopMs: number): number {
  return Math.max(3, Math.min(20000, Math.round(loopMs / Math.max(estimateMs, 1e-4))));
}

function benchBackend(backend: 'native' | 'tfjs' | 'js'): Record<string, unknown> {
  const actor: MLP = createMLP(
    { sizes: ACTOR, activation: 'tanh', gains: [Math.SQRT2, Math.SQRT2, 0.01], seed: 1 },
    { backend },
  );
  const critic: MLP = createMLP(
    { sizes: CRITIC, activation: 'tanh', gains: [Math.SQRT2, Math.SQRT2, 1], seed: 2 },
    { backend },
  );
  const rng = new Rng(0);
  const out: Record<string, unknown> = { backend: actor.backend };
  const loopMs = quick ? 20 : 200;
  for (const batch of [128, 512]) {
    const x = randomArray(batch * 4, rng);
    const dA = randomArray(batch * 2, rng);
    const dC = randomArray(batch, rng);
    const update = () => {
      actor.forwardTrain(x, batch);
      actor.backward(dA);
      critic.forwardTrain(x, batch);
      critic.backward(dC);
    };
    const t0 = performance.now();
    update();
    const first = performance.now() - t0;
    update();
    const estimate = performance.now() - t0 - first;
    const t = timeLoop(update, itersFor(estimate, loopMs));
    const flops = batch * (flopsPerSample(ACTOR) + flopsPerSample(CRITIC));
    out[`mb${batch}`] = {
      ms: Math.round(t.ms * 1e5) / 1e5,
      gflops: Math.round((flops / (t.ms * 1e6)) * 10) / 10,
      runs: t.runs,
    };
    sink += actor.grads[0] + critic.grads[0];
    actor.zeroGrad();
    critic.zeroGrad();
  }
  const x4 = randomArray(4 * 4, rng);
  const infer = () => {
    sink += actor.forward(x4, 4)[0] + critic.forward(x4, 4)[0];
  };
  const t0 = performance.now();
  infer();
  infer();
  const t = timeLoop(infer, itersFor((performance.now() - t0) / 2, loopMs / 2));
  out.infer_4_ms = Math.round(t.ms * 1e5) / 1e5;
  actor.dispose();
  critic.dispose();
  return out;
}

const backends: Record<string, unknown> = {};
const native = nativeAvailable();
if (native) backends.native = benchBackend('native');
const tfjsName = await initTfjs('wasm');
backends[`tfjs_${tfjsName}`] = benchBackend('tfjs');
backends.js = benchBackend('js');

type Entry = { mb128: { ms: number }; mb512: { ms: number } };
const n = backends.native as Entry | undefined;
const tw = backends.tfjs_wasm as Entry | undefined;
const result = {
  benchmark: 'nn',
  date: new Date().toISOString(),
  quick,
  machine: machineInfo(),
  shapes: { actor: ACTOR, critic: CRITIC, activation: 'tanh', update: 'forwardTrain + backward of actor and critic' },
  native: native ? { available: true, ...nativeInfo() } : { available: false, why: nativeLoadError() },
  backends,
  target_native_ms_512: TARGET_MS_512,
  meets_target: n ? n.mb512.ms < TARGET_MS_512 : false,
  speedup_native_vs_tfjs_wasm:
    n && tw
      ? {
          mb128: Math.round((tw.mb128.ms / n.mb128.ms) * 10) / 10,
          mb512: Math.round((tw.mb512.ms / n.mb512.ms) * 10) / 10,
        }
      : null,
};
if (!Number.isFinite(sink)) throw new Error('non-finite network output');
process.stdout.write(JSON.stringify(result) + '\n');
if (record) {
  const dir = fileURLToPath(new URL('../../bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}nn-${result.date.slice(0, 10)}.json`, JSON.stringify(result, null, 2) + '\n');
}
