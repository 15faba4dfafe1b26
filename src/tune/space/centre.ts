/**
 * The centre of a GEMM space on a machine: the blockings that the cache sizes prescribe (GotoBLAS/BLIS's analytic
 * rules, Low et al., "Analytical modeling is enough for high-performance BLIS", 2016), for the largest register
 * tiles, as configs of the space. The model-based strategies seed their search with them (model_based.ts), so the
 * search starts where a library's hand-chosen blocking would be and moves from there.
 *
 *   kc: the B micro-panel (kc x NR floats) fills at most half of L1d (the A micro-panel and C stream beside it);
 *   mc: the packed A block (mc x kc) fills at most half of L2;
 *   nc: the packed B block (kc x nc) fills at most half of L3.
 * Each is the largest knob value within its bound (the smallest value when none is), clamped to the shape.
 */
import type { GemmConfig, GemmSpace } from './gemm_space.js';
import { ukernelRegisters } from './gemm_space.js';

export interface CentreCaches {
  l1d: number;
  l2: number;
  l3: number;
}

const largestWithin = (values: number[], ok: (v: number) => boolean) => values.filter(ok).at(-1) ?? values[0];

/** Config indices of the centre of `space` for an M x N x K GEMM: up to `tiles` register tiles, two B modes each. */
export function cacheCentre(
  space: GemmSpace,
  shape: { M: number; N: number; K: number },
  caches: CentreCaches,
  tiles = 4,
): number[] {
  const knob = (n: string) => space.knobs.find((k) => k.name === n)!.values;
  const L = space.target.lanes;
  const shapes: { mr: number; nv: number }[] = [];
  for (const mr of knob('mr'))
    for (const nv of knob('nv'))
      if (
        ukernelRegisters(mr, nv, 0) <= space.target.registers &&
        nv * L <= Math.max(L, shape.N) &&
        mr <= Math.max(1, shape.M)
      )
        shapes.push({ mr, nv });
  // The largest tiles first (most FMAs per load); among equals, the squarer one.
  shapes.sort((a, b) => b.mr * b.nv - a.mr * a.nv || Math.abs(a.mr - a.nv * L) - Math.abs(b.mr - b.nv * L));
  const out: number[] = [];
  for (const { mr, nv } of shapes.slice(0, tiles)) {
    const NR = nv * L;
    const kc = largestWithin(knob('kc'), (v) => 4 * v * NR <= caches.l1d / 2 || v <= 32);
    const kcE = Math.min(kc, shape.K);
    const mcPanels = largestWithin(knob('mcPanels'), (p) => 4 * p * mr * kcE <= caches.l2 / 2 || p === 1);
    const ncPanels = largestWithin(knob('ncPanels'), (p) => 4 * kcE * p * NR <= caches.l3 / 2 || p === 1);
    // Threads split the A blocks when there are enough of them, else the B panels (one block of a 128-row prefill
    // would leave all but one thread idle).
    const blocks = Math.ceil(shape.M / (mcPanels * mr));
    const par = space.threads > 1 && blocks < 2 * space.threads ? 1 : 0;
    for (const packB of [0, space.bTransposed || (space.threads > 1 && par === 0) ? 0 : 1]) {
      const c: GemmConfig = {
        mr,
        nv,
        kc,
        mcPanels,
        ncPanels,
        unroll: 4,
        prefetch: 0,
        loopOrder: 0,
        innerOrder: 0,
        bcast: 0,
        pipeline: 0,
        packB: space.version === 1 ? 0 : packB,
        par: space.version === 1 ? 0 : par,
      };
      if (space.isValid(c)) out.push(space.index(space.fromJSON(c)));
    }
  }
  return [...new Set(out)];
}
