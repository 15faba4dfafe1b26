/**
 * What the cost models see of a (task, config) pair: the machine (peak, bandwidths, caches, registers), the
 * workload (shape, FLOPs, bytes) and the loop nest that the config generates (tile sizes clamped to the shape,
 * padding, cache footprints against the caches, traffic per memory level), as one fixed-length vector per
 * feature family. Families: `gemm` (GEMM and bmm: one space, codegen/gemm_c.ts) and `row` (softmax, LayerNorm,
 * RMSNorm: codegen/rowops_c.ts). A model trained on one family refuses the other's features.
 *
 * The analytic level (analytic.ts) works from the same loop-nest description (`gemmNest`, `rowNest`), and its
 * prediction is itself a feature of the learned level: the learned model starts from the roofline's ranking and
 * learns what the roofline misses.
 */
import type { GemmConfig, GemmSpace } from '../space/gemm_space.js';
import type { RowConfig } from '../space/row_space.js';
import type { Target } from '../space/target.js';
import { DEFAULT_CACHE_SIZES } from '../measure/host.js';
import type { Probe } from '../measure/machine.js';
import type { BmmWorkload, GemmWorkload, RowWorkload } from '../task/spec.js';
import type { TuningTask } from '../task/task.js';

/** gemm-v1: the GEMM space of version 1 (replays of its records), without the features of the v2 knobs. */
export type FeatureFamily = 'gemm' | 'gemm-v1' | 'row';

/** The encoding version of each family's features: models saved with another version are refused. */
/** 2: the bcast, pipeline, packB and par knobs of GEMM space v2. */
export const FEATURE_VERSION = 2;

/** The machine as the cost models see it (from the probe, the caches and the code-generation target). */
export interface CostMachine {
  peakGflops: number;
  lanes: number;
  registers: number;
  /** Bytes. */
  l1d: number;
  l2: number;
  l3: number;
  /** GB/s of one core: L1, L2, L3 reads and the STREAM triad of memory. */
  bw: { l1: number; l2: number; l3: number; mem: number };
}

/**
 * The cost machine of a probe (native/probe.c) and the caches; a probe of version 1 has no cache bandwidths:
 * they are then estimated from the peak (L1 2x, L2 1x, L3 0.8x the peak's bytes of one FLOP per cycle). A cache
 * size `caches` lacks (a host that does not tell them) is the probe's measured one, else the default.
 */
export function costMachine(target: Target, probe: Probe | null, caches: Record<string, number> = {}): CostMachine {
  const peak = probe?.fma_peak_gflops ?? 100;
  return {
    peakGflops: peak,
    lanes: target.lanes,
    registers: target.registers,
    l1d: caches.L1d ?? probe?.caches?.L1d ?? DEFAULT_CACHE_SIZES.L1d,
    l2: caches.L2 ?? probe?.caches?.L2 ?? DEFAULT_CACHE_SIZES.L2,
    l3: caches.L3 ?? probe?.caches?.L3 ?? DEFAULT_CACHE_SIZES.L3,
    bw: {
      l1: probe?.l1_bandwidth_gbs ?? 2 * peak,
      l2: probe?.l2_bandwidth_gbs ?? peak,
      l3: probe?.l3_bandwidth_gbs ?? 0.8 * peak,
      mem: probe?.mem_bandwidth_gbs ?? 20,
    },
  };
}

export function featureFamily(task: TuningTask): FeatureFamily {
  if (task.workload.op !== 'gemm' && task.workload.op !== 'bmm') return 'row';
  return (task.space as GemmSpace).version === 1 ? 'gemm-v1' : 'gemm';
}

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;
const lg = (x: number) => Math.log2(Math.max(x, 1e-30));

/** The loop nest of a GEMM config on a workload: tile sizes clamped to the shape, padding and footprints. */
export interface GemmNest {
  batches: number;
  M: number;
  N: number;
  K: number;
  transA: number;
  transB: number;
  threads: number;
  epilogueOps: number;
  residual: number;
  MR: number;
  NV: number;
  NR: number;
  KC: number;
  MC: number;
  NC: number;
  unroll: number;
  prefetch: number;
  loopOrder: number;
  innerOrder: number;
  bcast: number;
  pipeline: number;
  packB: number;
  par: number;
  /** Effective block sizes (clamped to the shape). */
  kc: number;
  mc: number;
  nc: number;
  /** Padded sizes (the micro-kernel runs full tiles). */
  Mp: number;
  Np: number;
  accumulators: number;
  /** Bytes of the B micro-panel (kc x NR), the A micro-panel (kc x MR), the packed A block and the packed B block. */
  bMicro: number;
  aMicro: number;
  aBlock: number;
  bBlock: number;
  kBlocks: number;
  jBlocks: number;
  iBlocks: number;
}

/** Epilogue cost in vector operations per output element (the tanh of GELU and the exp of SiLU dominate). */
const EPILOGUE_OPS: Record<string, number> = { bias: 1, relu: 1, gelu: 24, silu: 20, residual: 1 };

export function gemmNest(w: GemmWorkload | BmmWorkload, c: GemmConfig, lanes: number): GemmNest {
  const batches = w.op === 'bmm' ? w.B : 1;
  const NR = c.nv * lanes,
    MC = c.mcPanels * c.mr,
    NC = c.ncPanels * NR;
  const Mp = roundUp(w.M, c.mr),
    Np = roundUp(w.N, NR);
  const kc = Math.min(c.kc, w.K),
    mc = Math.min(MC, Mp),
    nc = Math.min(NC, Np);
  const epi = w.op === 'gemm' ? w.epilogue : [];
  return {
    batches,
    M: w.M,
    N: w.N,
    K: w.K,
    transA: w.op === 'bmm' ? w.transA : 0,
    transB: w.op === 'bmm' ? w.transB : 0,
    threads: w.threads,
    epilogueOps: epi.reduce((s, e) => s + EPILOGUE_OPS[e], 0),
    residual: epi.includes('residual') ? 1 : 0,
    MR: c.mr,
    NV: c.nv,
    NR,
    KC: c.kc,
    MC,
    NC,
    unroll: c.unroll,
    prefetch: c.prefetch,
    loopOrder: c.loopOrder,
    innerOrder: c.innerOrder,
    bcast: c.bcast,
    pipeline: c.pipeline,
    packB: c.packB,
    par: c.par,
    kc,
    mc,
    nc,
    Mp,
    Np,
    accumulators: c.mr * c.nv,
    bMicro: 4 * kc * NR,
    aMicro: 4 * kc * c.mr,
    aBlock: 4 * mc * kc,
    bBlock: 4 * kc * nc,
    kBlocks: Math.ceil(w.K / kc),
    jBlocks: Math.ceil(w.N / nc),
    iBlocks: Math.ceil(Mp / mc),
  };
}

export interface RowNest {
  op: RowWorkload['op'];
  rows: number;
  cols: number;
  threads: number;
  accs: number;
  algo: number;
  vectors: number;
  usedAccs: number;
  rowBytes: number;
  passes: number;
}

export function rowNest(w: RowWorkload, c: RowConfig, lanes: number): RowNest {
  const vectors = Math.ceil(w.cols / lanes);
  // Passes over each row: softmax 3 (max; exp and sum; scale) or 2 (online max and sum; exp and scale);
  // LayerNorm 3 (mean; variance; normalize) or 2 (sums; normalize); RMSNorm 2.
  const passes = w.op === 'rmsnorm' ? 2 : c.algo === 1 ? 2 : 3;
  return {
    op: w.op,
    rows: w.rows,
    cols: w.cols,
    threads: w.threads,
    accs: c.accs,
    algo: c.algo,
    vectors,
    usedAccs: Math.min(c.accs, vectors),
    rowBytes: 4 * w.cols,
    passes,
  };
}

export const GEMM_FEATURES = [
  'log_M',
  'log_N',
  'log_K',
  'log_batches',
  'transA',
  'transB',
  'log_threads',
  'epilogue_ops',
  'residual',
  'log_flops',
  'log_intensity',
  'log_mr',
  'nv',
  'log_kc',
  'log_mc',
  'log_nc',
  'log_unroll',
  'prefetch',
  'loopOrder',
  'innerOrder',
  'log_accumulators',
  'reg_fraction',
  'loads_per_fma',
  'pad_waste',
  'edge_tiles_m',
  'edge_tiles_n',
  'b_micro_l1',
  'a_micro_l1',
  'a_block_l2',
  'b_block_l2',
  'b_block_l3',
  'log_k_blocks',
  'log_j_blocks',
  'log_i_blocks',
  'log_ukernel_calls',
  'log_pack_a_ratio',
  'c_passes',
  'unroll_over_kc',
  'prefetch_over_kc',
  'log_peak',
  'log_bw_l2',
  'log_bw_mem',
  'analytic_log_gflops',
  'analytic_compute_share',
  'analytic_pack_share',
] as const;

/** Features of the knobs that GEMM space v2 added. */
export const GEMM_V2_FEATURES = ['bcast', 'pipeline', 'packB_fused', 'packB_in_place', 'par'] as const;
const GEMM_FEATURES_V2 = [...GEMM_FEATURES, ...GEMM_V2_FEATURES];

export const ROW_FEATURES = [
  'op_softmax',
  'op_layernorm',
  'op_rmsnorm',
  'log_rows',
  'log_cols',
  'log_threads',
  'ragged_lanes',
  'log_accs',
  'algo',
  'log_used_accs',
  'passes',
  'row_l1',
  'log_total_l2',
  'log_total_l3',
  'log_peak',
  'log_bw_l2',
  'log_bw_mem',
  'analytic_log_gflops',
] as const;

export function featureNames(family: FeatureFamily): readonly string[] {
  return family === 'gemm' ? GEMM_FEATURES_V2 : family === 'gemm-v1' ? GEMM_FEATURES : ROW_FEATURES;
}

/** The analytic estimate that features.ts hands to the learned model (set by analytic.ts to avoid a cycle). */
export interface AnalyticParts {
  gflops: number;
  computeShare: number;
  packShare: number;
}
type AnalyticFn = (task: TuningTask, index: number, m: CostMachine) => AnalyticParts;
let analyticFn: AnalyticFn | null = null;
export function registerAnalytic(f: AnalyticFn): void {
  analyticFn = f;
}

/** The feature vector of config `index` of `task` on machine `m` (featureNames(featureFamily(task)) order). */
export function features(task: TuningTask, index: number, m: CostMachine, out?: Float32Array): Float32Array {
  const family = featureFamily(task);
  const names = featureNames(family);
  const f = out ?? new Float32Array(names.length);
  const a = analyticFn!(task, index, m);
  let i = 0;
  const put = (v: number) => (f[i++] = Number.isFinite(v) ? v : 0);
  if (family !== 'row') {
    const w = task.workload as GemmWorkload | BmmWorkload;
    const n = gemmNest(w, (task.space as GemmSpace).config(index), m.lanes);
    put(lg(n.M));
    put(lg(n.N));
    put(lg(n.K));
    put(lg(n.batches));
    put(n.transA);
    put(n.transB);
    put(lg(n.threads));
    put(n.epilogueOps / 10);
    put(n.residual);
    put(lg(task.flops));
    put(lg(task.flops / task.bytes));
    put(lg(n.MR));
    put(n.NV);
    put(lg(n.kc));
    put(lg(n.mc));
    put(lg(n.nc));
    put(lg(n.unroll));
    put(n.prefetch / 16);
    put(n.loopOrder);
    put(n.innerOrder);
    put(lg(n.accumulators));
    put((n.accumulators + n.NV + (n.bcast ? 0 : 1)) / m.registers);
    put((n.MR + n.NV) / n.accumulators);
    put((n.Mp * n.Np) / (n.M * n.N) - 1);
    put(n.M % n.MR === 0 ? 0 : 1);
    put(n.N % n.NR === 0 ? 0 : 1);
    put(n.bMicro / m.l1d);
    put(n.aMicro / m.l1d);
    put(n.aBlock / m.l2);
    put(n.bBlock / m.l2);
    put(n.bBlock / m.l3);
    put(lg(n.kBlocks));
    put(lg(n.jBlocks));
    put(lg(n.iBlocks));
    put(lg(n.batches * (n.Mp / n.MR) * (n.Np / n.NR) * n.kBlocks));
    put(lg(n.jBlocks));
    put(2 * n.kBlocks - 1);
    put(n.unroll / n.kc);
    put(n.prefetch / n.kc);
  } else {
    const w = task.workload as RowWorkload;
    const c = task.space.config(index) as RowConfig;
    const n = rowNest(w, c, m.lanes);
    put(w.op === 'softmax' ? 1 : 0);
    put(w.op === 'layernorm' ? 1 : 0);
    put(w.op === 'rmsnorm' ? 1 : 0);
    put(lg(n.rows));
    put(lg(n.cols));
    put(lg(n.threads));
    put(n.cols % m.lanes === 0 ? 0 : 1);
    put(lg(n.accs));
    put(n.algo);
    put(lg(n.usedAccs));
    put(n.passes);
    put(n.rowBytes / m.l1d);
    put(lg((n.rows * n.rowBytes) / m.l2));
    put(lg((n.rows * n.rowBytes) / m.l3));
  }
  put(lg(m.peakGflops));
  put(lg(m.bw.l2));
  put(lg(m.bw.mem));
  put(lg(a.gflops));
  if (family !== 'row') {
    put(a.computeShare);
    put(a.packShare);
  }
  if (family === 'gemm') {
    const c = (task.space as GemmSpace).config(index);
    put(c.bcast);
    put(c.pipeline);
    put(c.packB === 1 ? 1 : 0);
    put(c.packB === 2 ? 1 : 0);
    put(c.par);
  }
  if (i !== names.length) throw new Error(`internal: ${family} features wrote ${i} values, expected ${names.length}`);
  return f;
}
