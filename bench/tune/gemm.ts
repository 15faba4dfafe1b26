/**
 * bench/tune/gemm: the GEMM acceptance runs of the tuning issue. Prints one JSON object.
 *
 *   node dist/bench/tune/gemm.js [--quick] [--record] [--only gemm512,gemm1024x2,gpt2mlp] [--trials N]
 *
 * - gemm512: random search on gemm:M=512,N=512,K=512 (one thread), 1000 trials: the curve, the loop's
 *   throughput (trials per second end to end, building and measuring), the 5 best measured 3 more times (the
 *   default of `rltune tune op`; the best mean wins), then that kernel against OpenBLAS
 *   (auto-selected and AVX-512 kernels) and ONNX Runtime in interleaved rounds, the fraction of the probed FMA
 *   peak, and the noise: the best kernel re-measured 20 times, coefficient of variation of the medians.
 * - gemm1024x2: the same on gemm:M=1024,N=1024,K=1024,threads=2 (fewer trials) against the anchors on 2 threads.
 * - gpt2mlp: gemm:M=128,N=3072,K=768,epilogue=bias+gelu, the fused kernel against ONNX Runtime running
 *   MatMul + Add + Gelu(tanh) as one optimized graph (and OpenBLAS's plain GEMM for reference).
 * Every run uses a fresh database in a temporary directory (so nothing is reused from earlier runs) and the
 * default measurement settings of `rltune tune op`. --quick: a few trials of each, a smoke run for CI.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareWithAnchors, type AnchorName } from '../../src/tune/anchors/compare.js';
import { dataFile } from '../../src/tune/measure/data.js';
import { DEFAULT_RUN_SETTINGS, Runner } from '../../src/tune/measure/runner.js';
import { Builder } from '../../src/tune/measure/builder.js';
import { TuningSession } from '../../src/tune/session.js';
import { targetCFlags } from '../../src/tune/space/target.js';
import { machineInfo } from '../machine.js';
import { benchArgs, intFlag, listFlag } from '../util/args.js';
import { round } from '../util/stats.js';

const { values, quick, record } = benchArgs('bench/tune/gemm', {
  only: { type: 'string' },
  trials: { type: 'string' },
});
const onlyList = values.only === undefined ? null : listFlag(values.only, '');
const only = (n: string) => onlyList === null || onlyList.includes(n);

// A fresh database in a temporary directory (nothing reused from earlier runs). The recorded results were measured
// with this process on every core (before `rltune tune op` left the runner's core), so it keeps its affinity.
const dir = mkdtempSync(join(tmpdir(), 'rltune-bench-tune-'));
const session = TuningSession.open({
  db: join(dir, 'bench.db'),
  workDir: join(dir, 'build'),
  claimRunnerCore: false,
  log: () => {},
});
const { db, machine, workDir: work, runnerCore } = session;
const probe = session.probe();
const ANCHORS: AnchorName[] = ['openblas', 'openblas_avx512', 'onnxruntime'];

async function tuneAndCompare(spec: string, trials: number, noise: boolean) {
  const task = session.task(spec);
  const t = await session.tune(task, { strategy: 'random', seed: 1, trials, verifyTop: 5, runId: 'bench' });
  const [best] = db.best(task.spec, machine, 1);
  const built = await new Builder({
    workDir: work,
    cores: [],
    parallel: 1,
    timeoutMs: 120_000,
    flags: targetCFlags(task.space.target),
  }).build(db.source(best.source_hash!)!, task.workload.threads > 1);
  const first = task.workload.threads > 1 ? 0 : runnerCore;
  const runner = new Runner(work, first, DEFAULT_RUN_SETTINGS);
  const data = dataFile(work, task.workload, 1);
  const cmp = await compareWithAnchors({
    task,
    libPath: built.libPath!,
    dataPath: data,
    runner,
    workDir: work,
    anchors: ANCHORS,
    rounds: 5,
    firstCore: first,
    repeat: DEFAULT_RUN_SETTINGS.repeat,
    minRepeatMs: DEFAULT_RUN_SETTINGS.minRepeatMs,
    peakGflopsPerCore: probe.fma_peak_gflops,
  });
  let noiseOut = null;
  if (noise) {
    const ms: number[] = [];
    for (let i = 0; i < (quick ? 3 : 20); i++)
      ms.push((await runner.run(built.libPath!, data, task.workload.threads)).ms!.median);
    const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
    const sd = Math.sqrt(ms.reduce((a, b) => a + (b - mean) ** 2, 0) / (ms.length - 1));
    noiseOut = {
      remeasurements: ms.length,
      mean_ms: round(mean, 5),
      cv: round(sd / mean, 5),
      settings: DEFAULT_RUN_SETTINGS,
    };
  }
  const anchorsBest = Math.max(...(['openblas_avx512', 'onnxruntime'] as const).map((a) => cmp.vs[a]?.gflops ?? 0));
  return {
    spec: task.spec,
    trials: t.trials,
    measured: t.measured,
    errors: t.errors,
    wall_s: t.wall_s,
    candidates_per_s: round(t.trials / t.wall_s, 2),
    best_gflops: round(t.best_gflops ?? 0, 2),
    best_config: t.best_config,
    curve: t.curve.map(([n, g]) => [n, round(g, 2)]),
    best_single_trial_gflops: round(t.curve.at(-1)?.[1] ?? 0, 2),
    verified: t.verified,
    bench: {
      ...cmp,
      rounds_ms: Object.fromEntries(Object.entries(cmp.rounds_ms).map(([k, v]) => [k, v.map((x) => round(x, 5))])),
    },
    ratio_vs_better_of_openblas_avx512_and_onnxruntime: anchorsBest > 0 ? round(cmp.gflops / anchorsBest, 4) : null,
    noise: noiseOut,
  };
}

const results: Record<string, Awaited<ReturnType<typeof tuneAndCompare>>> = {};
const n = (full: number) => (quick ? 6 : intFlag('trials', values.trials, full));
if (only('gemm512')) results.gemm512 = await tuneAndCompare('gemm:M=512,N=512,K=512', n(1000), true);
if (only('gemm1024x2'))
  results.gemm1024x2 = await tuneAndCompare(
    quick ? 'gemm:M=256,N=256,K=256,threads=2' : 'gemm:M=1024,N=1024,K=1024,threads=2',
    n(300),
    false,
  );
if (only('gpt2mlp'))
  results.gpt2mlp = await tuneAndCompare('gemm:M=128,N=3072,K=768,epilogue=bias+gelu', n(500), false);
session.close();

const g = results.gemm512,
  g2 = results.gemm1024x2,
  mlp = results.gpt2mlp;
const out = {
  benchmark: 'tune-gemm',
  date: new Date().toISOString(),
  quick,
  machine: { ...machineInfo(), probe, fingerprint: machine },
  results,
  acceptance: quick
    ? null
    : {
        gemm512_ratio_vs_better_anchor: g?.ratio_vs_better_of_openblas_avx512_and_onnxruntime ?? null,
        gemm512_1_05x_better_anchor: g ? (g.ratio_vs_better_of_openblas_avx512_and_onnxruntime ?? 0) >= 1.05 : null,
        gemm512_fraction_of_peak: g ? round(g.bench.fraction_of_peak, 4) : null,
        gemm512_88pct_of_peak: g ? g.bench.fraction_of_peak >= 0.88 : null,
        gemm512_trials: g?.trials ?? null,
        gemm1024x2_ratio_vs_better_anchor: g2?.ratio_vs_better_of_openblas_avx512_and_onnxruntime ?? null,
        gemm1024x2_1_0x_better_anchor: g2 ? (g2.ratio_vs_better_of_openblas_avx512_and_onnxruntime ?? 0) >= 1.0 : null,
        gpt2mlp_ratio_vs_onnxruntime: mlp?.bench.vs.onnxruntime?.ratio ?? null,
        gpt2mlp_1_2x_onnxruntime: mlp ? (mlp.bench.vs.onnxruntime?.ratio ?? 0) >= 1.2 : null,
        noise_cv: g?.noise?.cv ?? null,
        noise_cv_under_3pct: g?.noise ? g.noise.cv < 0.03 : null,
        loop_candidates_per_s: g?.candidates_per_s ?? null,
        loop_4_per_s: g ? g.candidates_per_s >= 4 : null,
      },
};
process.stdout.write(JSON.stringify(out) + '\n');
if (record) {
  const rdir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  mkdirSync(rdir, { recursive: true });
  writeFileSync(`${rdir}tune-gemm-${out.date.slice(0, 10)}.json`, JSON.stringify(out, null, 2) + '\n');
}
