/**
 * The schedule space of GEMM (and the GEMM inside each bmm batch): the GotoBLAS/BLIS structure, as AutoTVM
 * knobs. For C[M,N] = A[M,K] B[K,N]:
 *
 *   for jc in 0..N step NC            (loopOrder 0; loopOrder 1 swaps jc and pc)
 *     for pc in 0..K step KC
 *       pack B[pc:pc+KC, jc:jc+NC] into panels of NR columns  (kc x NR each, zero-padded)
 *       for ic in 0..M step MC
 *         pack A[ic:ic+MC, pc:pc+KC] into panels of MR rows   (kc x MR each, zero-padded)
 *         for jr in 0..NC step NR, ir in 0..MC step MR   (innerOrder 0: jr outer; 1: ir outer)
 *           micro-kernel: an MR x NR tile of C in MR * NV vector accumulators, kc rank-1 updates
 *           (unrolled `unroll` times, software prefetch `prefetch` k-steps ahead), then C = or += tile,
 *           and the epilogue on the last k block.
 *
 * Knobs and their values (NR = NV x the target's lanes; MC = mcPanels x MR; NC = ncPanels x NR):
 *   mr 1..16, nv 1..4, kc, mcPanels, ncPanels, unroll, prefetch, loopOrder, innerOrder.
 * Validity (checked before code generation; invalid configs are not trials): the accumulators, the NV
 * B vectors and one broadcast register fit the target's vector registers (MR*NV + NV + 1 <= registers),
 * and the packed panels fit the workspace limit.
 *
 * A config is a knob vector (one value index per knob); its integer index is the mixed-radix number of that
 * vector (first knob most significant), so every index in [0, size) names one config.
 */
import { KnobSpace, type ScheduleSpace } from './space.js';
import type { Target } from './target.js';

export interface GemmConfig {
  mr: number;
  nv: number;
  kc: number;
  mcPanels: number;
  ncPanels: number;
  unroll: number;
  prefetch: number;
  loopOrder: number;
  innerOrder: number;
  bcast: number;
  pipeline: number;
  packB: number;
  par: number;
}

export type KnobName = keyof GemmConfig;

export const GEMM_KNOBS: { name: KnobName; values: number[]; doc: string }[] = [
  { name: 'mr', values: [1, 2, 4, 6, 8, 10, 12, 14, 16], doc: 'rows of the micro-tile' },
  { name: 'nv', values: [1, 2, 3, 4], doc: 'vectors per row of the micro-tile (NR = nv x lanes)' },
  { name: 'kc', values: [32, 64, 128, 192, 256, 384, 512], doc: 'depth of a packed block (L1/L2 blocking)' },
  {
    name: 'mcPanels',
    values: [1, 2, 4, 8, 12, 16, 24, 32, 48],
    doc: 'MC = mcPanels x MR rows of A per packed block (L2)',
  },
  {
    name: 'ncPanels',
    values: [1, 4, 8, 16, 32, 64, 128, 256],
    doc: 'NC = ncPanels x NR columns of B per packed block (L3)',
  },
  { name: 'unroll', values: [1, 2, 4, 8], doc: 'k-loop unroll of the micro-kernel' },
  { name: 'prefetch', values: [0, 4, 8, 16], doc: 'software prefetch distance in k-steps (0: none)' },
  { name: 'loopOrder', values: [0, 1], doc: '0: jc outside pc (BLIS); 1: pc outside jc' },
  { name: 'innerOrder', values: [0, 1], doc: '0: jr outer, ir inner (B micro-panel stays in L1); 1: ir outer' },
  { name: 'bcast', values: [0, 1], doc: "0: A broadcast into a register; 1: folded into the FMA's operand (AVX-512)" },
  { name: 'pipeline', values: [0, 1], doc: "1: a k-step's B vectors load during the previous step's FMAs" },
  {
    name: 'packB',
    values: [0, 1, 2],
    doc: '0: B packed before use; 1: packed by its first tile (fused); 2: read in place (row stride N)',
  },
  { name: 'par', values: [0, 1], doc: 'threads split 0: the mc blocks of A; 1: the nr panels of B' },
];

/** Knobs of space version 1 (the first ones), and the values version 1 kept the later ones at. */
const GEMM_V1_KNOBS = 9;
const V2_DEFAULTS = { bcast: 0, pipeline: 0, packB: 0, par: 0 };

/** Vector registers a micro-tile needs: accumulators, B vectors, and the broadcast register unless folded. */
export function ukernelRegisters(rows: number, nv: number, bcast: number): number {
  return rows * nv + nv + (bcast ? 0 : 1);
}

/** Most bytes of packed panels one config may use (A block per thread + B block). */
export const MAX_WORKSPACE_BYTES = 256 * 2 ** 20;

export class GemmSpace extends KnobSpace<GemmConfig> implements ScheduleSpace<GemmConfig> {
  constructor(
    readonly target: Target,
    readonly threads = 1,
    /** B stored N x K (bmm transB): packing is the only way to read it by rows of N. */
    readonly bTransposed = false,
    /** 1: the knobs of space version 1 only (replaying its records); the later knobs stay at their first value. */
    readonly version: 1 | 2 = 2,
  ) {
    super(version === 1 ? GEMM_KNOBS.slice(0, GEMM_V1_KNOBS) : GEMM_KNOBS, 'GEMM');
  }

  override config(i: number): GemmConfig {
    return this.version === 1 ? { ...V2_DEFAULTS, ...super.config(i) } : super.config(i);
  }

  override fromJSON(j: unknown): GemmConfig {
    return this.version === 1 ? { ...V2_DEFAULTS, ...super.fromJSON(j) } : super.fromJSON(j);
  }

  /** The config's knobs as the records keep them (the knobs of this space version only). */
  json(c: GemmConfig): Record<string, number> {
    return Object.fromEntries(this.knobs.map((k) => [k.name, c[k.name as KnobName]]));
  }

  nr(c: GemmConfig): number {
    return c.nv * this.target.lanes;
  }

  /** Why the config cannot be valid on this target, or null when it can. */
  invalidReason(c: GemmConfig): string | null {
    const regs = ukernelRegisters(c.mr, c.nv, c.bcast);
    if (regs > this.target.registers)
      return `mr x nv + nv${c.bcast ? '' : ' + 1'} = ${regs} vector registers, the ${this.target.isa} target has ${this.target.registers}`;
    if (c.bcast && this.target.isa !== 'avx512') return `bcast 1 (broadcast in the FMA operand) needs AVX-512`;
    if (c.par === 1 && this.threads === 1) return 'par 1 splits the B panels between threads: one thread has none';
    if (c.par === 1 && c.innerOrder === 1)
      return 'par 1 runs the nr panels as the parallel loop: innerOrder 1 is the same';
    if (c.packB > 0 && this.bTransposed) return 'B stored N x K is read through its packed panels only (packB 0)';
    if (c.packB === 1 && this.threads > 1 && c.par === 0)
      return 'packB 1 (packed by the first tile) with threads splitting A blocks would race on the panels';
    const bytes = 4 * (this.threads * c.mcPanels * c.mr * c.kc + c.kc * c.ncPanels * this.nr(c));
    if (bytes > MAX_WORKSPACE_BYTES)
      return `packed panels need ${(bytes / 2 ** 20).toFixed(0)} MiB, more than ${MAX_WORKSPACE_BYTES / 2 ** 20} MiB`;
    if (c.unroll > c.kc) return `unroll ${c.unroll} exceeds kc ${c.kc}`;
    return null;
  }

  isValid(c: GemmConfig): boolean {
    return this.invalidReason(c) === null;
  }

  /** Number of valid configs (counted once, by enumeration). */
  validCount(): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.isValid(this.config(i))) n++;
    return n;
  }
}
