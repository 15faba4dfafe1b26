/**
 * Static pruning of a schedule space: rules that discard configs before they are built, on top of validity
 * (which stays in the space). A pruned config is one that is either dominated on this shape and machine by
 * configs that are kept (it does strictly more work, or it cannot keep its data in the cache level its loop
 * order relies on), or a duplicate: it generates the same loop nest (the same execution, however the source
 * spells it) as another config, its canonical representative, which is kept.
 *
 * GEMM (and bmm, per batch: the shape is M, N, K), with NR = nv x lanes, MC = mcPanels x mr, NC = ncPanels x NR,
 * and the effective (clamped) sizes of what the generated code touches (codegen/gemm_c.ts):
 *   kcE = min(KC, K)   mcE = roundUp(min(MC, M), mr)   ncE = roundUp(min(NC, N), NR)
 *   nir = ceil(min(MC, M) / mr) micro-tiles per block column, njr = ceil(min(NC, N) / NR) per block row,
 *   nic = ceil(M / MC) row blocks.
 * Rules (evaluated on the canonical representative, so that duplicates always agree; first match wins):
 *   vector-width      mr or nv larger than the smallest value of that knob that covers M (N): every tile is an edge
 *                     tile, whose micro-kernel has only the covering rows (vectors), so it runs the covering
 *                     config's program with more padding in its packed panels; that config is its representative.
 *   low-accumulators  mr x nv < min(MIN_ACCUMULATORS = 4, half the largest tile that fits the target's registers
 *                     without padding on this shape): too few independent FMA chains to hide the FMA latency
 *                     (4 cycles at one vector FMA per cycle). Where the shape caps the tile (decode, M = 1: at
 *                     most 1 x 4 on AVX-512) the kernel streams B from memory and tiles of half the widest run as
 *                     fast (measured: 1 x 2, 1 x 3 and 1 x 4 within noise, 1 x 1 25% slower), so only narrower
 *                     ones go.
 *   b-panel-l2        jr outer (innerOrder 0), nir > 1: the B micro-panel kcE x NR x 4 bytes, reused by every
 *                     micro-tile of the column, is larger than L2.
 *   a-block-l2        jr outer, njr > 1: the packed A block mcE x kcE x 4 bytes, re-read for every NR columns,
 *                     is larger than L2 (per thread).
 *   b-block-l3        the packed B block kcE x ncE x 4 bytes, re-read for every row block (nic > 1) or for
 *                     every micro-row (ir outer, nir > 1), is larger than L3.
 *   useless-split     the same loop nest as its canonical representative, which takes the smallest value of
 *                     each knob that gives the same effective blocking: kc >= K (one k block of K),
 *                     MC >= M (one row block), NC >= N (one column block), loopOrder 1 when jc or pc has one
 *                     iteration (the two orders then run the same sequence), innerOrder 1 when ir or jr has one
 *                     iteration, unroll > K with one k block (the unrolled loop never runs and nor do its
 *                     prefetches: it is unroll 1, prefetch 0).
 *   Not rules: a prefetch distance >= kc (the packed micro-panels are contiguous, so it prefetches the start of
 *   the next one, which the ir or jr loop reads next: not a no-op), an unroll that does not divide kc (its
 *   remainder loop runs the rest).
 * Row operators (softmax, layernorm, rmsnorm; knobs accs, algo):
 *   vector-width      accs x lanes > cols: the vector loop (blocks of accs x lanes columns) never runs and the
 *                     row is done by the scalar tail, with accs - 1 idle accumulators still folded at the end;
 *                     kept is the smallest accs when no accs vectorizes. There are no duplicates in the row space.
 *
 * The thresholds are conservative on purpose: test/tune_prune.test.ts checks on an exhaustively measured
 * sub-space (test/fixtures/prune-exhaustive.json, bench/tuners/exhaustive.ts) that no rule discards a config
 * of the measured top 5%.
 */
import { Rng } from '../../rl/core/rng.js';
import type { TuningTask } from '../task/task.js';
import { GemmSpace } from './gemm_space.js';
import { GemmRules } from './prune_gemm.js';
import { cacheInfo, KEPT, RowRules, RULES, ValidityOnly, type CacheInfo, type RuleSet } from './prune_rules.js';
import { RowSpace } from './row_space.js';

export { cacheInfo, DEFAULT_CACHES, MIN_ACCUMULATORS, RULES, type CacheInfo } from './prune_rules.js';

export interface PruneStats {
  size: number;
  /** Valid configs among those counted (all of the space, or the sample). */
  valid: number;
  kept: number;
  pruned: number;
  /** pruned / valid */
  prunedFraction: number;
  /** Pruned configs by the rule that discarded them (the first that matches). */
  byRule: Record<string, number>;
  sampled: boolean;
  /** Configs counted: the space's size, or the sample's. */
  counted: number;
}

/** The static pruning rules of one task's space, for the cache sizes of one machine. */
export class Pruner {
  readonly caches: CacheInfo;
  private readonly rules: RuleSet;

  constructor(
    readonly task: TuningTask,
    caches: CacheInfo = cacheInfo(),
  ) {
    this.caches = caches;
    const w = task.workload,
      s = task.space;
    if ((w.op === 'gemm' || w.op === 'bmm') && s instanceof GemmSpace) this.rules = new GemmRules(s, w, caches);
    else if ((w.op === 'softmax' || w.op === 'layernorm' || w.op === 'rmsnorm') && s instanceof RowSpace)
      this.rules = new RowRules(s, w.cols);
    else this.rules = new ValidityOnly(task);
  }

  private check(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.task.space.size)
      throw new RangeError(`prune: config index must be an integer in [0, ${this.task.space.size}), got ${index}`);
  }

  /** null when kept, else `${rule}: ${why}` (rule: one of RULES' names). */
  reason(index: number): string | null {
    this.check(index);
    const c = this.rules.code(index);
    return c === KEPT ? null : `${RULES[c].name}: ${this.rules.message(index, c)}`;
  }

  /** Valid and not pruned. */
  keep(index: number): boolean {
    return this.rules.code(index) === KEPT;
  }

  /** The rule (a RULES name) that discards the config, or null when kept. */
  rule(index: number): string | null {
    const c = this.rules.code(index);
    return c === KEPT ? null : RULES[c].name;
  }

  /**
   * The representative of a useless-split duplicate or of a GEMM tile wider than the shape (vector-width: it runs the
   * covering width's edge kernel); itself when kept; -1 when invalid or pruned by another rule.
   */
  canonical(index: number): number {
    this.check(index);
    return this.rules.canonical(index);
  }

  /** Counts over the whole space (default), or over `sample` configs drawn uniformly with `seed` (default 0). */
  stats(opts: { sample?: number; seed?: number } = {}): PruneStats {
    const size = this.task.space.size;
    const byRule: Record<string, number> = {};
    for (const r of RULES.slice(1)) byRule[r.name] = 0;
    const counts = new Float64Array(RULES.length);
    let kept = 0,
      counted: number;
    const sampled = opts.sample !== undefined && opts.sample < size;
    if (sampled) {
      const n = opts.sample!;
      if (!Number.isSafeInteger(n) || n < 1)
        throw new RangeError(`prune stats: sample must be a positive integer, got ${n}`);
      const rng = new Rng(opts.seed ?? 0);
      for (let s = 0; s < n; s++) {
        const c = this.rules.code(rng.below(size));
        if (c === KEPT) kept++;
        else counts[c]++;
      }
      counted = n;
    } else {
      for (let i = 0; i < size; i++) {
        const c = this.rules.code(i);
        if (c === KEPT) kept++;
        else counts[c]++;
      }
      counted = size;
    }
    let pruned = 0;
    for (let r = 1; r < RULES.length; r++) {
      byRule[RULES[r].name] = counts[r];
      pruned += counts[r];
    }
    const valid = kept + pruned;
    return { size, valid, kept, pruned, prunedFraction: valid ? pruned / valid : 0, byRule, sampled, counted };
  }
}
