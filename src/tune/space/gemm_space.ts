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
];

/** Most bytes of packed panels one config may use (A block per thread + B block). */
export const MAX_WORKSPACE_BYTES = 256 * 2 ** 20;

export class GemmSpace extends KnobSpace<GemmConfig> implements ScheduleSpace<GemmConfig> {
  constructor(
    readonly target: Target,
    readonly threads = 1,
  ) {
    super(GEMM_KNOBS, 'GEMM');
  }

  nr(c: GemmConfig): number {
    return c.nv * this.target.lanes;
  }

  /** Why the config cannot be valid on this target, or null when it can. */
  invalidReason(c: GemmConfig): string | null {
    const regs = c.mr * c.nv + c.nv + 1;
    if (regs > this.target.registers)
      return `mr x nv + nv + 1 = ${regs} vector registers, the ${this.target.isa} target has ${this.target.registers}`;
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
