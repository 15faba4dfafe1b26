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
 *   vector-width      mr or nv larger than the smallest value of that knob that covers M (N): every tile
 *                     then carries at least one whole row (vector) of zero padding, strictly more work.
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
import { DEFAULT_CACHE_SIZES } from '../measure/host.js';
import { cacheSizes } from '../measure/machine.js';
import type { TuningTask } from '../task/task.js';
import { GemmSpace, MAX_WORKSPACE_BYTES } from './gemm_space.js';
import { RowSpace } from './row_space.js';

export interface CacheInfo {
  /** bytes */
  l1d: number;
  l2: number;
  l3: number;
}

/** The defaults (host.ts's DEFAULT_CACHE_SIZES) in the rules' keys. */
export const DEFAULT_CACHES: CacheInfo = {
  l1d: DEFAULT_CACHE_SIZES.L1d,
  l2: DEFAULT_CACHE_SIZES.L2,
  l3: DEFAULT_CACHE_SIZES.L3,
};

/**
 * The cache sizes the rules use, from `cacheSizes()` (keys L1d, L2, L3; this machine's when omitted), with the defaults
 * for what is missing.
 */
export function cacheInfo(caches: Record<string, number> = cacheSizes()): CacheInfo {
  const pick = (k: string, d: number) => {
    const v = caches[k];
    return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : d;
  };
  return { l1d: pick('L1d', DEFAULT_CACHES.l1d), l2: pick('L2', DEFAULT_CACHES.l2), l3: pick('L3', DEFAULT_CACHES.l3) };
}

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

/**
 * Fewest independent accumulators (FMA chains) of a GEMM micro-tile: the FMA latency (4 cycles) times one
 * vector FMA per cycle. Cores with two full-width FMA pipes would want 8, but the conservative bound is 4:
 * on this project's AVX-512 machine the recorded best gpt2mlp kernel is a 4 x 1 tile
 * (bench/results/tune-gemm-2026-12-01.json).
 */
export const MIN_ACCUMULATORS = 4;

export const RULES: { name: string; doc: string }[] = [
  {
    name: 'invalid',
    doc: 'not valid in the space (validity stays in the space; named here so that reason() explains every config that keep() refuses)',
  },
  {
    name: 'vector-width',
    doc: 'GEMM: mr (nv x lanes) larger than the smallest mr (nv) that covers M (N): a whole row (vector) of every tile is padding. Rows: accs x lanes > cols, the vector loop never runs',
  },
  {
    name: 'low-accumulators',
    doc: `GEMM: mr x nv below min(${MIN_ACCUMULATORS}, half the largest unpadded tile the registers allow on this shape): too few FMA chains to hide the FMA latency`,
  },
  {
    name: 'b-panel-l2',
    doc: 'GEMM, jr outer: the B micro-panel (kc x NR x 4 bytes, clamped to K), reused by every micro-tile of its column, exceeds L2',
  },
  {
    name: 'a-block-l2',
    doc: 'GEMM, jr outer with several NR columns: the packed A block (MC x KC x 4 bytes, clamped to M and K), re-read for each, exceeds L2',
  },
  {
    name: 'b-block-l3',
    doc: 'GEMM: the packed B block (KC x NC x 4 bytes, clamped to K and N), re-read for each row block (or micro-row, ir outer), exceeds L3',
  },
  {
    name: 'useless-split',
    doc: 'GEMM: the same loop nest as its canonical representative (kc >= K, MC >= M, NC >= N, a loop order or inner order that cannot matter, an unroll that never runs): canonical() names it',
  },
];

const KEPT = -1;
const R_INVALID = 0,
  R_WIDTH = 1,
  R_ACCS = 2,
  R_BPANEL = 3,
  R_ABLOCK = 4,
  R_BBLOCK = 5,
  R_DUP = 6;

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;
const kib = (b: number) => `${(b / 1024).toFixed(b < 10240 ? 1 : 0)} KiB`;

/** The rules of one space on one workload: `code(i)` is KEPT or the index of the first rule in RULES that matches. */
interface RuleSet {
  code(i: number): number;
  /** The kept representative of a duplicate, itself when kept, -1 when pruned otherwise or invalid. */
  canonical(i: number): number;
  message(i: number, code: number): string;
}

/** Position of the first value of `values` that satisfies `ok`, or -1. */
function firstWhere(values: readonly number[], ok: (v: number) => boolean): number {
  for (let j = 0; j < values.length; j++) if (ok(values[j])) return j;
  return -1;
}

class GemmRules implements RuleSet {
  private readonly radix: Int32Array;
  private readonly vals: Float64Array[];
  private readonly d: Int32Array;
  private readonly cd: Int32Array;
  // Knob positions in the space.
  private readonly kMr: number;
  private readonly kNv: number;
  private readonly kKc: number;
  private readonly kMc: number;
  private readonly kNc: number;
  private readonly kUn: number;
  private readonly kPf: number;
  private readonly kLo: number;
  private readonly kIo: number;
  private readonly L: number;
  private readonly regs: number;
  private readonly T: number;
  private readonly M: number;
  private readonly N: number;
  private readonly K: number;
  /** Smallest mr (nv) value that covers M (N); Infinity when none does. */
  readonly mrCover: number;
  readonly nvCover: number;
  readonly accThreshold: number;
  private readonly kcCoverDigit: number;
  private readonly mcCoverDigit: Int32Array; // per mr digit
  private readonly ncCoverDigit: Int32Array; // per nv digit
  private readonly lo0: number;
  private readonly io0: number;
  private readonly un1: number;
  private readonly pf0: number;

  constructor(
    private readonly space: GemmSpace,
    shape: { M: number; N: number; K: number },
    private readonly caches: CacheInfo,
  ) {
    const knobs = space.knobs;
    const pos = (name: string) => {
      const j = knobs.findIndex((k) => k.name === name);
      if (j < 0) throw new Error(`prune: the GEMM space has no knob ${name}`);
      return j;
    };
    this.kMr = pos('mr');
    this.kNv = pos('nv');
    this.kKc = pos('kc');
    this.kMc = pos('mcPanels');
    this.kNc = pos('ncPanels');
    this.kUn = pos('unroll');
    this.kPf = pos('prefetch');
    this.kLo = pos('loopOrder');
    this.kIo = pos('innerOrder');
    this.radix = Int32Array.from(knobs, (k) => k.values.length);
    this.vals = knobs.map((k) => Float64Array.from(k.values));
    this.d = new Int32Array(knobs.length);
    this.cd = new Int32Array(knobs.length);
    this.L = space.target.lanes;
    this.regs = space.target.registers;
    this.T = space.threads;
    this.M = shape.M;
    this.N = shape.N;
    this.K = shape.K;
    const mrs = knobs[this.kMr].values,
      nvs = knobs[this.kNv].values;
    const mrC = firstWhere(mrs, (v) => v >= this.M),
      nvC = firstWhere(nvs, (v) => v * this.L >= this.N);
    this.mrCover = mrC < 0 ? Infinity : mrs[mrC];
    this.nvCover = nvC < 0 ? Infinity : nvs[nvC];
    let maxAccs = 0;
    for (const mr of mrs)
      for (const nv of nvs)
        if (mr <= this.mrCover && nv <= this.nvCover && mr * nv + nv + 1 <= this.regs)
          maxAccs = Math.max(maxAccs, mr * nv);
    this.accThreshold = Math.min(MIN_ACCUMULATORS, Math.ceil(maxAccs / 2));
    this.kcCoverDigit = firstWhere(knobs[this.kKc].values, (v) => v >= this.K);
    this.mcCoverDigit = Int32Array.from(mrs, (mr) => firstWhere(knobs[this.kMc].values, (p) => p * mr >= this.M));
    this.ncCoverDigit = Int32Array.from(nvs, (nv) =>
      firstWhere(knobs[this.kNc].values, (p) => p * nv * this.L >= this.N),
    );
    this.lo0 = knobs[this.kLo].values.indexOf(0);
    this.io0 = knobs[this.kIo].values.indexOf(0);
    this.un1 = knobs[this.kUn].values.indexOf(1);
    this.pf0 = knobs[this.kPf].values.indexOf(0);
  }

  private decode(i: number): void {
    const d = this.d,
      r = this.radix;
    for (let k = r.length - 1; k >= 0; k--) {
      const n = r[k],
        q = Math.floor(i / n);
      d[k] = i - q * n;
      i = q;
    }
  }

  private encode(digits: Int32Array): number {
    let i = 0;
    for (let k = 0; k < digits.length; k++) i = i * this.radix[k] + digits[k];
    return i;
  }

  /** GemmSpace.invalidReason, without building the config object (test/tune_prune.test.ts checks they agree). */
  private valid(mr: number, nv: number, kc: number, mcp: number, ncp: number, un: number): boolean {
    if (mr * nv + nv + 1 > this.regs) return false;
    if (4 * (this.T * mcp * mr * kc + kc * ncp * nv * this.L) > MAX_WORKSPACE_BYTES) return false;
    return un <= kc;
  }

  /** Fills `cd` with the canonical digits of the config in `d` (the config is valid). */
  private canonicalize(): void {
    const d = this.d,
      cd = this.cd,
      v = this.vals;
    cd.set(d);
    const mr = v[this.kMr][d[this.kMr]],
      nr = v[this.kNv][d[this.kNv]] * this.L,
      kc = v[this.kKc][d[this.kKc]];
    const mcp = v[this.kMc][d[this.kMc]],
      ncp = v[this.kNc][d[this.kNc]],
      un = v[this.kUn][d[this.kUn]];
    const onePc = kc >= this.K,
      oneJc = ncp * nr >= this.N;
    if (onePc) cd[this.kKc] = this.kcCoverDigit;
    if (mcp * mr >= this.M) cd[this.kMc] = this.mcCoverDigit[d[this.kMr]];
    if (oneJc) cd[this.kNc] = this.ncCoverDigit[d[this.kNv]];
    if ((onePc || oneJc) && this.lo0 >= 0) cd[this.kLo] = this.lo0;
    const nir = Math.ceil(Math.min(mcp * mr, this.M) / mr),
      njr = Math.ceil(Math.min(ncp * nr, this.N) / nr);
    if ((nir <= 1 || njr <= 1) && this.io0 >= 0) cd[this.kIo] = this.io0;
    if (onePc && un > this.K && this.un1 >= 0 && this.pf0 >= 0) {
      cd[this.kUn] = this.un1;
      cd[this.kPf] = this.pf0;
    }
    // The representative has smaller blocks, so it is valid whenever the config is; checked all the same.
    if (
      !this.valid(
        mr,
        nr / this.L,
        v[this.kKc][cd[this.kKc]],
        v[this.kMc][cd[this.kMc]],
        v[this.kNc][cd[this.kNc]],
        v[this.kUn][cd[this.kUn]],
      )
    )
      cd.set(d);
  }

  code(i: number): number {
    this.decode(i);
    const d = this.d,
      v = this.vals;
    const mr = v[this.kMr][d[this.kMr]],
      nv = v[this.kNv][d[this.kNv]],
      kc = v[this.kKc][d[this.kKc]];
    const mcp = v[this.kMc][d[this.kMc]],
      ncp = v[this.kNc][d[this.kNc]],
      un = v[this.kUn][d[this.kUn]];
    if (!this.valid(mr, nv, kc, mcp, ncp, un)) return R_INVALID;
    if (mr > this.mrCover || nv > this.nvCover) return R_WIDTH;
    if (mr * nv < this.accThreshold) return R_ACCS;
    this.canonicalize();
    const cd = this.cd;
    // Cache rules on the representative: the same program, so a duplicate and its representative agree.
    const nr = nv * this.L,
      MC = mcp * mr,
      NC = ncp * nr;
    const kcE = Math.min(kc, this.K),
      mcE = roundUp(Math.min(MC, this.M), mr),
      ncE = roundUp(Math.min(NC, this.N), nr);
    const nir = Math.ceil(Math.min(MC, this.M) / mr),
      njr = Math.ceil(Math.min(NC, this.N) / nr),
      nic = Math.ceil(this.M / MC);
    const jrOuter = v[this.kIo][cd[this.kIo]] === 0;
    if (jrOuter && nir > 1 && 4 * kcE * nr > this.caches.l2) return R_BPANEL;
    if (jrOuter && njr > 1 && 4 * mcE * kcE > this.caches.l2) return R_ABLOCK;
    if ((nic > 1 || (!jrOuter && nir > 1)) && 4 * kcE * ncE > this.caches.l3) return R_BBLOCK;
    for (let k = 0; k < cd.length; k++) if (cd[k] !== d[k]) return R_DUP;
    return KEPT;
  }

  canonical(i: number): number {
    const c = this.code(i);
    if (c === KEPT) return i;
    return c === R_DUP ? this.encode(this.cd) : -1;
  }

  message(i: number, code: number): string {
    const c = this.space.config(i);
    const nr = c.nv * this.L,
      MC = c.mcPanels * c.mr,
      NC = c.ncPanels * nr,
      { M, N, K } = this;
    const kcE = Math.min(c.kc, K),
      mcE = roundUp(Math.min(MC, M), c.mr),
      ncE = roundUp(Math.min(NC, N), nr);
    switch (code) {
      case R_INVALID:
        return this.space.invalidReason(c) ?? 'invalid';
      case R_WIDTH:
        return c.mr > this.mrCover
          ? `mr=${c.mr} rows per tile for M=${M}: mr=${this.mrCover} already covers M, the rest of every tile is zero padding`
          : `NR = nv x ${this.L} = ${nr} columns per tile for N=${N}: nv=${this.nvCover} already covers N, at least one vector of every tile is zero padding`;
      case R_ACCS:
        return `mr x nv = ${c.mr * c.nv} accumulators, fewer than ${this.accThreshold} (independent FMA chains needed to hide the FMA latency, as far as the registers and the shape allow)`;
      case R_BPANEL:
        return `the B micro-panel kc x NR = ${kcE} x ${nr} floats (${kib(4 * kcE * nr)}) exceeds L2 (${kib(this.caches.l2)}) and is reused by every micro-tile of its column`;
      case R_ABLOCK:
        return `the packed A block MC x KC = ${mcE} x ${kcE} floats (${kib(4 * mcE * kcE)}) exceeds L2 (${kib(this.caches.l2)}) and is re-read for each of its ${Math.ceil(Math.min(NC, N) / nr)} column panels`;
      case R_BBLOCK:
        return `the packed B block KC x NC = ${kcE} x ${ncE} floats (${kib(4 * kcE * ncE)}) exceeds L3 (${kib(this.caches.l3)}) and is re-read for each row block`;
      case R_DUP: {
        const j = this.canonical(i),
          r = this.space.config(j);
        const diffs = (Object.keys(c) as (keyof typeof c)[])
          .filter((k) => c[k] !== r[k])
          .map((k) => `${k} ${c[k]} -> ${r[k]}`);
        return `the same loop nest as config ${j} (${diffs.join(', ')}) on M=${M}, N=${N}, K=${K}`;
      }
      default:
        return '';
    }
  }
}

class RowRules implements RuleSet {
  private readonly minAccs: number;

  constructor(
    private readonly space: RowSpace,
    private readonly cols: number,
  ) {
    this.minAccs = Math.min(...space.knobs[space.knobs.findIndex((k) => k.name === 'accs')].values);
  }

  code(i: number): number {
    const c = this.space.config(i);
    if (!this.space.isValid(c)) return R_INVALID;
    if (c.accs * this.space.target.lanes > this.cols && c.accs !== this.minAccs) return R_WIDTH;
    return KEPT;
  }

  canonical(i: number): number {
    return this.code(i) === KEPT ? i : -1;
  }

  message(i: number, code: number): string {
    const c = this.space.config(i),
      L = this.space.target.lanes;
    if (code === R_INVALID) return this.space.invalidReason(c) ?? 'invalid';
    return `accs x lanes = ${c.accs} x ${L} = ${c.accs * L} > cols=${this.cols}: the vector loop never runs (scalar row, ${c.accs - 1} idle accumulators folded)`;
  }
}

/** Any other space: validity only. */
class ValidityOnly implements RuleSet {
  constructor(private readonly task: TuningTask) {}
  code(i: number): number {
    return this.task.space.isValid(this.task.space.config(i)) ? KEPT : R_INVALID;
  }
  canonical(i: number): number {
    return this.code(i) === KEPT ? i : -1;
  }
  message(i: number): string {
    return this.task.space.invalidReason(this.task.space.config(i)) ?? 'invalid';
  }
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
   * The kept representative of a useless-split duplicate; itself when kept; -1 when invalid or pruned by another rule.
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
