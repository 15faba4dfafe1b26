/**
 * What the pruning rules share (prune.ts explains the rules): the cache sizes they use, the rules' names and
 * codes, the RuleSet contract of one space's rules on one workload, the row operators' rule and the validity-only
 * fallback. The GEMM rules, the bulk, are in prune_gemm.ts.
 */
import { DEFAULT_CACHE_SIZES } from '../measure/host.js';
import { cacheSizes } from '../measure/machine.js';
import type { TuningTask } from '../task/task.js';
import type { RowSpace } from './row_space.js';

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

/** A config that no rule discards; the others are indices into RULES. */
export const KEPT = -1;
export const R_INVALID = 0,
  R_WIDTH = 1,
  R_ACCS = 2,
  R_BPANEL = 3,
  R_ABLOCK = 4,
  R_BBLOCK = 5,
  R_DUP = 6;

export const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;
export const kib = (b: number) => `${(b / 1024).toFixed(b < 10240 ? 1 : 0)} KiB`;

/** The rules of one space on one workload: `code(i)` is KEPT or the index of the first rule in RULES that matches. */
export interface RuleSet {
  code(i: number): number;
  /** The kept representative of a duplicate, itself when kept, -1 when pruned otherwise or invalid. */
  canonical(i: number): number;
  message(i: number, code: number): string;
}

/** Position of the first value of `values` that satisfies `ok`, or -1. */
export function firstWhere(values: readonly number[], ok: (v: number) => boolean): number {
  for (let j = 0; j < values.length; j++) if (ok(values[j])) return j;
  return -1;
}

/** softmax, layernorm, rmsnorm: the vector-width rule (prune.ts). */
export class RowRules implements RuleSet {
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
export class ValidityOnly implements RuleSet {
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
