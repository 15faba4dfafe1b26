/**
 * The GEMM (and bmm) pruning rules of prune.ts on one space and shape: the digits of a config are decoded once,
 * canonicalized (the useless-split duplicates map to their representative), and the rules evaluated in order on
 * the representative, so that duplicates always agree.
 */
import { MAX_WORKSPACE_BYTES, ukernelRegisters, type GemmSpace } from './gemm_space.js';
import {
  firstWhere,
  kib,
  KEPT,
  MIN_ACCUMULATORS,
  R_ABLOCK,
  R_ACCS,
  R_BBLOCK,
  R_BPANEL,
  R_DUP,
  R_INVALID,
  R_WIDTH,
  roundUp,
  type CacheInfo,
  type RuleSet,
} from './prune_rules.js';

export class GemmRules implements RuleSet {
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
  /** Positions of bcast, pipeline, packB and par (-1 in space version 1, which keeps them at 0). */
  private readonly kBc: number;
  private readonly kPb: number;
  private readonly kPar: number;
  /** bcast of the config being checked (the representative shares it). */
  private bc = 0;
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
  private readonly mrCoverDigit: number;
  private readonly nvCoverDigit: number;
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
    this.kBc = knobs.findIndex((k) => k.name === 'bcast');
    this.kPb = knobs.findIndex((k) => k.name === 'packB');
    this.kPar = knobs.findIndex((k) => k.name === 'par');
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
    this.mrCoverDigit = mrC;
    this.nvCoverDigit = nvC;
    let maxAccs = 0;
    for (const mr of mrs)
      for (const nv of nvs)
        if (mr <= this.mrCover && nv <= this.nvCover && ukernelRegisters(mr, nv, 0) <= this.regs)
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
    if (ukernelRegisters(mr, nv, this.bc) > this.regs) return false;
    if (4 * (this.T * mcp * mr * kc + kc * ncp * nv * this.L) > MAX_WORKSPACE_BYTES) return false;
    return un <= kc;
  }

  /** The rest of GemmSpace.invalidReason: the bcast, packB and par knobs. */
  private validKnobsV2(packB: number, par: number, innerOrder: number): boolean {
    if (this.bc && this.space.target.isa !== 'avx512') return false;
    if (par === 1 && (this.T === 1 || innerOrder === 1)) return false;
    if (packB > 0 && this.space.bTransposed) return false;
    return !(packB === 1 && this.T > 1 && par === 0);
  }

  /** Fills `cd` with the canonical digits of the config in `d` (the config is valid). */
  private canonicalize(): void {
    const d = this.d,
      cd = this.cd,
      v = this.vals;
    cd.set(d);
    // A tile wider (taller) than the shape runs the edge micro-kernel of the covering width (height) only: the same
    // program as the covering mr (nv), up to the padding of the packed panels.
    if (v[this.kMr][d[this.kMr]] > this.mrCover) cd[this.kMr] = this.mrCoverDigit;
    if (v[this.kNv][d[this.kNv]] > this.nvCover) cd[this.kNv] = this.nvCoverDigit;
    const mr = v[this.kMr][cd[this.kMr]],
      nr = v[this.kNv][cd[this.kNv]] * this.L,
      kc = v[this.kKc][d[this.kKc]];
    const mcp = v[this.kMc][d[this.kMc]],
      ncp = v[this.kNc][d[this.kNc]],
      un = v[this.kUn][d[this.kUn]];
    const onePc = kc >= this.K,
      oneJc = ncp * nr >= this.N;
    if (onePc) cd[this.kKc] = this.kcCoverDigit;
    if (mcp * mr >= this.M) cd[this.kMc] = this.mcCoverDigit[cd[this.kMr]];
    if (oneJc) cd[this.kNc] = this.ncCoverDigit[cd[this.kNv]];
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
    const knob = (k: number) => (k < 0 ? 0 : v[k][d[k]]);
    this.bc = knob(this.kBc);
    if (
      !this.valid(mr, nv, kc, mcp, ncp, un) ||
      !this.validKnobsV2(knob(this.kPb), knob(this.kPar), v[this.kIo][d[this.kIo]])
    )
      return R_INVALID;
    this.canonicalize();
    if (mr > this.mrCover || nv > this.nvCover) return R_WIDTH;
    if (mr * nv < this.accThreshold) return R_ACCS;
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
    return c === R_DUP || c === R_WIDTH ? this.encode(this.cd) : -1;
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
