/**
 * Level 0 of the cost model: an analytic roofline with cache reuse, from the loop nest (features.ts) and the
 * machine's probed FMA peak and L1/L2/L3/memory bandwidths (native/probe.c, cached in the database). No
 * training, no measurement: it ranks configs from the first trial on, and it is the fallback when there are too
 * few records to train the learned level.
 *
 * GEMM (per batch, then times the batches; divided by the threads where the work is split):
 *   compute  padded FLOPs / (peak x min(1, accumulators / 8)): 8 independent accumulators cover the FMA latency
 *            times the FMA ports of current cores; fewer leave the FMA units idle;
 *   L1       the micro-kernel's loads per FMA (NV B vectors and MR broadcasts per k step);
 *   stream   the packed panels the micro-kernel streams: the one that is reused across the inner loop (B with
 *            innerOrder 0, A with 1) is read from L1 when it fits half of L1, else from the level its block fits;
 *            the other one is read again for every tile, from the level where its block fits;
 *   packing  A is packed once per (jc, pc) block, B once per (pc, jc): bytes read from where the operand fits,
 *            written to L2 (transposed operands pay a strided gather, counted as twice the bytes);
 *   C        each k block reads and writes the output tile (2 x kBlocks - 1 passes) at the level C fits;
 *   epilogue vector operations per output element (features.ts EPILOGUE_OPS).
 *   time = max(compute, L1, stream) + packing + C + epilogue.
 * Rows: max(bytes / bandwidth of where the rows fit, latency-bound reductions: 4 cycles per vector add spread over
 * the independent accumulators) per pass, with the exp of softmax counted as vector work.
 */
import type { GemmSpace } from '../space/gemm_space.js';
import type { RowConfig } from '../space/row_space.js';
import type { BmmWorkload, GemmWorkload, RowWorkload } from '../task/spec.js';
import type { TuningTask } from '../task/task.js';
import {
  featureFamily,
  gemmNest,
  registerAnalytic,
  rowNest,
  type AnalyticParts,
  type CostMachine,
} from './features.js';

/** Read bandwidth (bytes/s) of the level that holds `bytes`, for `threads` cores (L3 and memory are shared). */
function levelBw(bytes: number, m: CostMachine, threads: number): number {
  if (bytes <= m.l1d / 2) return m.bw.l1 * 1e9 * threads;
  if (bytes <= m.l2 / 2) return m.bw.l2 * 1e9 * threads;
  if (bytes <= m.l3 / 2) return m.bw.l3 * 1e9 * Math.min(threads, 2);
  return m.bw.mem * 1e9;
}

export function analyticGemm(
  w: GemmWorkload | BmmWorkload,
  space: GemmSpace,
  index: number,
  m: CostMachine,
): AnalyticParts {
  const n = gemmNest(w, space.config(index), m.lanes);
  const T = n.threads;
  const peak = m.peakGflops * 1e9;
  const flopsPad = 2 * n.Mp * n.Np * n.K;
  const tCompute = (flopsPad / (peak * Math.min(1, n.accumulators / 8) * T)) * (1 + 0.5 / (n.unroll * n.accumulators));
  // One vector FMA per cycle at peak; the L1 port moves 64 bytes per cycle per vector of 16 floats, roughly.
  const fmas = flopsPad / (2 * m.lanes);
  const l1BytesPerFma = (4 * m.lanes * n.NV + 4 * n.MR) / n.accumulators;
  const tL1 = (fmas * l1BytesPerFma) / (m.bw.l1 * 1e9 * T);
  const tiles = (n.Mp / n.MR) * (n.Np / n.NR);
  // Streams of the packed panels into the micro-kernel.
  let tStream: number;
  if (n.innerOrder === 0) {
    // jr outer, ir inner: the B micro-panel is reused across the mc / MR tiles of a block; A is streamed per tile.
    const bReads = n.bMicro <= m.l1d / 2 ? (n.Np / n.NR) * n.iBlocks * n.kBlocks : tiles * n.kBlocks;
    tStream = (tiles * n.kBlocks * n.aMicro) / levelBw(n.aBlock, m, T) + (bReads * n.bMicro) / levelBw(n.bBlock, m, T);
  } else {
    const aReads = n.aMicro <= m.l1d / 2 ? (n.Mp / n.MR) * n.jBlocks * n.kBlocks : tiles * n.kBlocks;
    tStream = (tiles * n.kBlocks * n.bMicro) / levelBw(n.bBlock, m, T) + (aReads * n.aMicro) / levelBw(n.aBlock, m, T);
  }
  const aBytes = 4 * n.M * n.K,
    bBytes = 4 * n.K * n.N,
    cBytes = 4 * n.M * n.N;
  const packA =
    (n.jBlocks * aBytes * (n.transA ? 2 : 1)) / levelBw(aBytes, m, T) +
    (n.jBlocks * 4 * n.Mp * n.K) / levelBw(n.aBlock, m, T);
  // packB 0: B read and written once; 1: its first tile writes what it reads anyway (the write only); 2: not packed,
  // but each tile reads its rows of B from where the block of B fits (counted in the stream above).
  const packB =
    n.packB === 2
      ? 0
      : (n.packB === 0 ? (bBytes * (n.transB ? 2 : 1)) / levelBw(bBytes, m, T) : 0) +
        (4 * n.K * n.Np) / levelBw(n.bBlock, m, T);
  const tPack = packA + packB;
  const tC = ((2 * n.kBlocks - 1) * cBytes) / levelBw(cBytes, m, T) + (n.residual * cBytes) / levelBw(cBytes, m, T);
  const tEpi = (n.M * n.N * n.epilogueOps) / m.lanes / (peak / (2 * m.lanes)) / T;
  const tCore = Math.max(tCompute, tL1, tStream);
  const t = n.batches * (tCore + tPack + tC + tEpi);
  return {
    gflops: (n.batches * 2 * n.M * n.N * n.K) / t / 1e9,
    computeShare: tCompute / (tCore + tPack + tC + tEpi),
    packShare: tPack / (tCore + tPack + tC + tEpi),
  };
}

export function analyticRow(w: RowWorkload, c: RowConfig, m: CostMachine, flops: number): AnalyticParts {
  const n = rowNest(w, c, m.lanes);
  const T = n.threads;
  const vectorOpsPerS = (m.peakGflops * 1e9) / (2 * m.lanes); // vector operations per second of one core
  const total = n.rows * n.rowBytes;
  // First pass from where the whole input lives; later passes from L1 when a row fits there.
  const firstBw = levelBw(total, m, T),
    laterBw = n.rowBytes <= m.l1d / 2 ? m.bw.l1 * 1e9 * T : firstBw;
  const tBytes = total / firstBw + ((n.passes - 1) * total) / laterBw + total / levelBw(total, m, T);
  // Reductions: one dependent add per vector per accumulator (4 cycles of latency), the passes that reduce.
  const reducePasses = w.op === 'softmax' ? (c.algo === 1 ? 1 : 2) : w.op === 'layernorm' ? (c.algo === 1 ? 1 : 2) : 1;
  const latencyOps = n.rows * reducePasses * Math.max(n.vectors, Math.ceil(n.vectors / n.usedAccs) * 4);
  const expOps = w.op === 'softmax' ? n.rows * n.vectors * (c.algo === 1 ? 2 : 1) * 16 : 0;
  const tOps = (latencyOps + expOps + n.rows * n.vectors * n.passes) / vectorOpsPerS / T;
  const t = Math.max(tBytes, tOps) + 0.2 * Math.min(tBytes, tOps);
  return { gflops: flops / t / 1e9, computeShare: tOps / (tOps + tBytes), packShare: 0 };
}

/** The analytic estimate of config `index` of `task`. */
export function analytic(task: TuningTask, index: number, m: CostMachine): AnalyticParts {
  if (featureFamily(task) !== 'row')
    return analyticGemm(task.workload as GemmWorkload | BmmWorkload, task.space as GemmSpace, index, m);
  return analyticRow(task.workload as RowWorkload, task.space.config(index) as RowConfig, m, task.flops);
}

registerAnalytic(analytic);
