/**
 * bench/tune/gemm: the GEMM kernels against the libraries, on this machine. Prints one JSON object.
 *
 *   node dist/bench/tune/gemm.js [--quick] [--record] [--trials N] [--threads 1,all] [--isa avx2] [--only NAMES]
 *                                [--rounds R] [--strategy S]
 *
 * Every GEMM of the model presets, 512³ and 1024³, and the fused-epilogue cases (bench/tune/shapes.ts), each tuned
 * with the default strategy of `rltune tune op` (evolve) and at most --trials (default 256) trials in a fresh
 * database, at 1 thread and at all cores; then the best kernel against OpenBLAS (auto-selected, and its kernel of the
 * ISA the code is generated for, forced: SkylakeX for AVX-512, Haswell with --isa avx2) and ONNX Runtime (the same
 * computation, epilogue included, as one optimized graph), timed in one process each, interleaved over --rounds
 * (default 5) rounds, and compared by the median of the per-round ratios (with their spread). Compute-bound shapes
 * report the fraction of the probed FMA peak, memory-bound ones (M <= 16) the fraction of the read bandwidth measured
 * for a buffer the size of B; every shape says what its kernel is and why it is where it is (bench/tune/why.ts).
 * --isa avx2 restricts code generation to AVX2+FMA (the acceptance then is the Haswell kernel). --quick: three small
 * shapes, a few trials, for CI.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareWithAnchors, type AnchorName, type CompareResult } from '../../src/tune/anchors/compare.js';
import { Builder } from '../../src/tune/measure/builder.js';
import { dataFile } from '../../src/tune/measure/data.js';
import { DEFAULT_RUN_SETTINGS, Runner } from '../../src/tune/measure/runner.js';
import { TuningSession } from '../../src/tune/session.js';
import { hostTarget, selectIsa, targetCFlags } from '../../src/tune/space/target.js';
import { machineInfo } from '../machine.js';
import { benchArgs, intFlag, listFlag } from '../util/args.js';
import { round } from '../util/stats.js';
import { benchShapes, quickShapes, withThreads, type BenchShape } from './shapes.js';
import { diagnose, type Diagnosis } from './why.js';

const { values, quick, record } = benchArgs('bench/tune/gemm', {
  only: { type: 'string' },
  trials: { type: 'string' },
  threads: { type: 'string' },
  isa: { type: 'string' },
  rounds: { type: 'string' },
  strategy: { type: 'string' },
});
if (values.isa !== undefined) selectIsa(values.isa);
const isa = hostTarget().isa;
const cores = availableParallelism();
const threadCounts = [
  ...new Set(listFlag(values.threads, quick ? '1' : '1,all').map((t) => (t === 'all' ? cores : Number(t)))),
];
for (const t of threadCounts)
  if (!Number.isSafeInteger(t) || t < 1 || t > cores)
    throw new RangeError(
      `--threads takes 1..${cores} or all, separated by commas; got ${JSON.stringify(values.threads)}`,
    );
const trials = intFlag('trials', values.trials, quick ? 4 : 256);
if (trials > 256) throw new RangeError(`--trials: the acceptance allows at most 256 trials per shape, got ${trials}`);
const rounds = intFlag('rounds', values.rounds, quick ? 2 : 5);
const strategy = values.strategy ?? 'evolve';
const onlyList = values.only === undefined ? null : listFlag(values.only, '');
const shapes = (quick ? quickShapes() : benchShapes()).filter(
  (s) => onlyList === null || onlyList.some((o) => s.name.includes(o) || s.spec === o),
);
// The forced OpenBLAS kernel of the ISA the kernels are generated for; the acceptance's "better anchor" is the faster
// of it and ONNX Runtime (with --isa avx2, the Haswell kernel alone).
const forced: AnchorName = isa === 'avx2' ? 'openblas_haswell' : 'openblas_avx512';
const ANCHORS: AnchorName[] = ['openblas', forced, 'onnxruntime'];
const betterOf: AnchorName[] = isa === 'avx2' ? [forced] : [forced, 'onnxruntime'];

const dir = mkdtempSync(join(tmpdir(), 'rltune-bench-tune-'));
const session = TuningSession.open({ db: join(dir, 'bench.db'), workDir: join(dir, 'build'), log: () => {} });
const { db, machine, workDir: work } = session;
const probe = session.probe();
const log = (m: string) => process.stderr.write(`[bench:tune] ${m}\n`);

interface Row {
  name: string;
  spec: string;
  threads: number;
  epilogue_case: boolean;
  bound: CompareResult['bound'];
  trials: number;
  errors: Record<string, number>;
  wall_s: number;
  best_config: Record<string, number>;
  gflops: number;
  fraction_of_peak: number;
  fraction_of_bandwidth: number | null;
  read_bandwidth_gbs: number | null;
  fraction_of_roofline: number | null;
  vs: CompareResult['vs'];
  better_anchor: AnchorName | null;
  ratio_vs_better: number | null;
  why: Diagnosis;
}

async function runShape(shape: BenchShape, threads: number): Promise<Row> {
  const task = session.task(withThreads(shape.spec, threads));
  const t = await session.tune(task, { strategy, seed: 1, trials, verifyTop: quick ? 1 : 3, runId: 'bench' });
  const [best] = db.best(task.spec, machine, 1);
  const source = db.source(best.source_hash!) ?? task.source(best.config_index);
  const built = await new Builder({
    workDir: work,
    cores: [],
    parallel: 1,
    timeoutMs: 120_000,
    flags: targetCFlags(task.space.target),
  }).build(source, threads > 1);
  if (!built.ok) throw new Error(`${task.spec}: the best kernel does not build: ${built.error?.message}`);
  const first = threads > 1 ? 0 : session.runnerCore;
  const cmp = await compareWithAnchors({
    task,
    libPath: built.libPath!,
    dataPath: dataFile(work, task.workload, 1),
    runner: new Runner(work, first, DEFAULT_RUN_SETTINGS),
    workDir: work,
    anchors: ANCHORS,
    rounds,
    firstCore: first,
    repeat: DEFAULT_RUN_SETTINGS.repeat,
    minRepeatMs: DEFAULT_RUN_SETTINGS.minRepeatMs,
    peakGflopsPerCore: probe.fma_peak_gflops,
  });
  let better: AnchorName | null = null;
  for (const a of betterOf)
    if (cmp.vs[a]?.gflops && (better === null || cmp.vs[a].gflops > cmp.vs[better]!.gflops!)) better = a;
  const fraction =
    cmp.bound === 'memory'
      ? { of: 'bandwidth' as const, value: cmp.fraction_of_bandwidth! }
      : { of: 'peak' as const, value: cmp.fraction_of_peak };
  const row: Row = {
    name: shape.name,
    spec: task.spec,
    threads,
    epilogue_case: shape.epilogueCase,
    bound: cmp.bound,
    trials: t.trials,
    errors: t.errors,
    wall_s: t.wall_s,
    best_config: JSON.parse(best.config) as Record<string, number>,
    gflops: round(cmp.gflops, 2),
    fraction_of_peak: round(cmp.fraction_of_peak, 4),
    fraction_of_bandwidth: cmp.fraction_of_bandwidth === undefined ? null : round(cmp.fraction_of_bandwidth, 4),
    read_bandwidth_gbs: cmp.read_bandwidth_gbs ?? null,
    fraction_of_roofline: cmp.fraction_of_roofline === undefined ? null : round(cmp.fraction_of_roofline, 4),
    vs: cmp.vs,
    better_anchor: better,
    ratio_vs_better: better ? round(cmp.vs[better]!.ratio!, 4) : null,
    why: diagnose(task, best.config_index, source, session.costMachine(task), fraction),
  };
  log(
    `${shape.name} x${threads}: ${row.gflops} GFLOP/s, ${row.ratio_vs_better ?? '-'}x ${better ?? ''}; ${row.why.text}`,
  );
  return row;
}

const rows: Row[] = [];
for (const shape of shapes) for (const t of threadCounts) rows.push(await runShape(shape, t));
session.close();

const geomean = (xs: number[]) => (xs.length ? Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length) : null);
const compute = rows.filter((r) => r.bound === 'compute' && r.ratio_vs_better !== null);
const memory = rows.filter((r) => r.bound === 'memory');
const epi = rows.filter((r) => r.epilogue_case);
const find = (name: string, t: number) => rows.find((r) => r.name === name && r.threads === t);
const sq512 = find('square/512', 1),
  sq1024 = find('square/1024', cores),
  mlp = find('gpt2-small/mlp_up', 1);
const ratios = compute.map((r) => r.ratio_vs_better!);
const acceptance = quick
  ? null
  : isa === 'avx2'
    ? {
        isa,
        geomean_vs_openblas_haswell: round(geomean(rows.map((r) => r.vs.openblas_haswell?.ratio ?? 0)) ?? 0, 4),
        geomean_1_0x_openblas_haswell: (geomean(rows.map((r) => r.vs.openblas_haswell?.ratio ?? 0)) ?? 0) >= 1.0,
      }
    : {
        isa,
        compute_geomean_vs_better_anchor: round(geomean(ratios) ?? 0, 4),
        compute_geomean_1_05x: (geomean(ratios) ?? 0) >= 1.05,
        compute_min_ratio: round(Math.min(...ratios), 4),
        compute_none_below_0_95x: ratios.every((r) => r >= 0.95),
        gemm512_fraction_of_peak: sq512?.fraction_of_peak ?? null,
        gemm512_88pct_of_peak: sq512 ? sq512.fraction_of_peak >= 0.88 : null,
        memory_min_ratio_vs_better_anchor: round(Math.min(...memory.map((r) => r.ratio_vs_better ?? 0)), 4),
        memory_1_0x_better_anchor: memory.every((r) => (r.ratio_vs_better ?? 0) >= 1.0),
        memory_min_fraction_of_bandwidth: round(Math.min(...memory.map((r) => r.fraction_of_bandwidth ?? 0)), 4),
        memory_80pct_of_bandwidth: memory.every((r) => (r.fraction_of_bandwidth ?? 0) >= 0.8),
        memory_min_fraction_of_roofline: round(Math.min(...memory.map((r) => r.fraction_of_roofline ?? 0)), 4),
        epilogue_min_ratio_vs_onnxruntime: round(Math.min(...epi.map((r) => r.vs.onnxruntime?.ratio ?? 0)), 4),
        epilogue_1_2x_onnxruntime: epi.every((r) => (r.vs.onnxruntime?.ratio ?? 0) >= 1.2),
        // The fields of the earlier version of this benchmark, from the same rows.
        gemm512_ratio_vs_better_anchor: sq512?.ratio_vs_better ?? null,
        gemm1024x2_ratio_vs_better_anchor: sq1024?.ratio_vs_better ?? null,
        gpt2mlp_ratio_vs_onnxruntime: mlp?.vs.onnxruntime?.ratio ?? null,
        misses: rows
          .filter((r) =>
            r.bound === 'compute'
              ? (r.ratio_vs_better ?? 0) < 0.95
              : (r.ratio_vs_better ?? 0) < 1 || (r.fraction_of_bandwidth ?? 0) < 0.8,
          )
          .map((r) => `${r.name} x${r.threads}: ${r.ratio_vs_better}x ${r.better_anchor}; ${r.why.text}`),
      };
const out = {
  benchmark: 'tune-gemm',
  version: 2,
  date: new Date().toISOString(),
  quick,
  isa,
  settings: { strategy, trials, rounds, threads: threadCounts, anchors: ANCHORS, better_of: betterOf },
  machine: { ...machineInfo(), probe, fingerprint: machine },
  shapes: rows,
  acceptance,
};
process.stdout.write(JSON.stringify(out) + '\n');
if (record) {
  const rdir = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
  mkdirSync(rdir, { recursive: true });
  const suffix = isa === 'avx2' && hostTarget().flags.includes('avx512f') ? '-avx2' : '';
  writeFileSync(`${rdir}tune-gemm-${out.date.slice(0, 10)}${suffix}.json`, JSON.stringify(out, null, 2) + '\n');
}
