/**
 * Model-based strategies: a search over the cost model picks what the measurer measures.
 *
 *   anneal  AutoTVM's method: parallel simulated-annealing chains walk the space on the cost model (a step
 *           changes one knob; a worse step is taken with probability exp(delta / T), T falling linearly to 0
 *           over the round's steps, the chains kept from round to round), and the best unmeasured configs they
 *           saw are the round's candidates.
 *   evolve  Ansor's method: a population, seeded with the best measured configs and random ones, evolves for a
 *           few generations on the cost model (tournament selection, mutation of one or two knobs, uniform
 *           crossover of two parents, the best of parents and children survive); the best unmeasured configs
 *           it met are the candidates.
 * Both then pick the batch the same way: an epsilon share of uniformly random configs (exploration), the rest
 * from the candidates in score order through a diversity filter (a pick must differ from the batch's other
 * picks in at least 2 knobs while such candidates remain), and after each batch the measurements refit the
 * cost model (cost/model.ts: analytic until there are records, then learned; records of other workloads,
 * when given, are its transfer prior). Configs are drawn from the pruned space (space/prune.ts).
 */
import { Rng } from '../../../rl/core/rng.js';
import { costMachine } from '../../cost/features.js';
import { MultiLevelCostModel } from '../../cost/model.js';
import { cacheSizes } from '../../measure/machine.js';
import type { MeasureResult } from '../../measure/measurer.js';
import { cacheCentre } from '../../space/centre.js';
import { GemmSpace } from '../../space/gemm_space.js';
import { cacheInfo, Pruner } from '../../space/prune.js';
import type { TuningTask } from '../../task/task.js';
import { fromDigits, hamming, radices, toDigits } from '../knobs.js';
import type { Tuner, TunerContext } from '../tuner.js';

export interface ModelBasedStats {
  level: string;
  fit_ms: number;
  predict_ms: number;
  search_ms: number;
}

/** What every cost-model strategy shares (the model, pruning, batch picking); subclasses say how they propose. */
export abstract class CostModelTuner implements Tuner {
  abstract readonly name: string;
  protected readonly rng: Rng;
  readonly model: MultiLevelCostModel;
  protected readonly pruner: Pruner | null;
  protected readonly radix: number[];
  protected readonly seen = new Set<number>();
  /** Measured configs of this run: GFLOP/s, or null for a failure. */
  protected readonly measured = new Map<number, number | null>();
  private readonly epsilon: number;
  private searchMs = 0;

  constructor(
    readonly task: TuningTask,
    seed: number,
    ctx: TunerContext = {},
  ) {
    this.rng = new Rng(seed);
    const machine = ctx.machine ?? costMachine(task.space.target, null, cacheSizes());
    this.model = new MultiLevelCostModel(task, machine, {
      prior: ctx.prior,
      log: ctx.log,
      learned: { seed, ...ctx.learned },
    });
    this.pruner =
      ctx.prune === false ? null : new Pruner(task, cacheInfo({ L1d: machine.l1d, L2: machine.l2, L3: machine.l3 }));
    this.radix = radices(task.space);
    this.epsilon = ctx.epsilon ?? 0.05;
    if (!(this.epsilon >= 0 && this.epsilon <= 1))
      throw new RangeError(`epsilon must be in [0, 1], got ${ctx.epsilon}`);
  }

  protected keep(i: number): boolean {
    return this.pruner ? this.pruner.keep(i) : this.task.space.isValid(this.task.space.config(i));
  }

  /** A uniformly random kept config not proposed yet, or null when none is found. */
  protected randomKept(): number | null {
    const size = this.task.space.size;
    for (let t = 0; t < 20_000; t++) {
      const i = this.rng.below(size);
      if (!this.seen.has(i) && this.keep(i)) return i;
    }
    for (let i = 0, s = this.rng.below(size); i < size; i++) {
      const j = (s + i) % size;
      if (!this.seen.has(j) && this.keep(j)) return j;
    }
    return null;
  }

  /** A random kept config (proposed before or not), for chains and populations. */
  protected anyKept(): number {
    const size = this.task.space.size;
    for (let t = 0; t < 20_000; t++) {
      const i = this.rng.below(size);
      if (this.keep(i)) return i;
    }
    // A tiny workload keeps few configs (gemm:M=16,N=16,K=16): the draws miss them, a scan from a random start does not.
    for (let i = 0, s = this.rng.below(size); i < size; i++) if (this.keep((s + i) % size)) return (s + i) % size;
    throw new Error(`no kept config in the ${this.task.spaceId} space of ${this.task.spec} (${size} configs)`);
  }

  /**
   * One knob changed: to a neighbouring value (half the time) or to any other value; the config itself when no kept
   * change is found.
   */
  protected mutate(i: number, knobs = 1): number {
    const d = toDigits(this.radix, i);
    for (let t = 0; t < 16; t++) {
      const e = d.slice();
      for (let m = 0; m < knobs; m++) {
        let k = this.rng.below(e.length);
        for (let g = 0; g < 8 && this.radix[k] < 2; g++) k = this.rng.below(e.length);
        if (this.radix[k] < 2) continue;
        if (this.rng.random() < 0.5) {
          const step = this.rng.random() < 0.5 ? -1 : 1;
          const v = e[k] + step;
          e[k] = v < 0 || v >= this.radix[k] ? e[k] - step : v;
        } else {
          const v = this.rng.below(this.radix[k] - 1);
          e[k] = v >= d[k] ? v + 1 : v;
        }
      }
      const j = fromDigits(this.radix, e);
      if (j !== i && this.keep(j)) return j;
    }
    return i;
  }

  protected crossover(a: number, b: number): number {
    const da = toDigits(this.radix, a),
      db = toDigits(this.radix, b);
    for (let t = 0; t < 8; t++) {
      const e = da.map((v, k) => (this.rng.random() < 0.5 ? v : db[k]));
      const j = fromDigits(this.radix, e);
      if (this.keep(j)) return j;
    }
    return this.rng.random() < 0.5 ? a : b;
  }

  /** Unproposed candidates for the next batch, best first (at least `k` when the search finds them). */
  protected abstract candidates(k: number): number[];

  abstract propose(n: number): number[] | Promise<number[]>;

  /** The batch: an epsilon share at random, the rest from `candidates` in score order through the diversity filter. */
  protected pick(n: number): number[] {
    const t0 = performance.now();
    let nRandom = 0;
    for (let s = 0; s < n; s++) if (this.rng.random() < this.epsilon) nRandom++;
    const pool = this.candidates(Math.max(4 * n, 32)).filter((i) => !this.seen.has(i));
    // The first batch starts from the cache-derived centre of the space (GEMM space v2 on; v1 replays as recorded).
    const out: number[] = this.centre()
      .filter((i) => !this.seen.has(i) && this.keep(i))
      .slice(0, Math.floor((n - nRandom) / 2));
    const minDist = this.radix.length > 3 ? 2 : 1;
    for (const i of pool) {
      if (out.length >= n - nRandom) break;
      if (out.every((j) => hamming(this.radix, i, j) >= minDist)) out.push(i);
    }
    for (const i of pool) {
      if (out.length >= n - nRandom) break;
      if (!out.includes(i)) out.push(i);
    }
    for (const i of out) this.seen.add(i);
    while (out.length < n) {
      const r = this.randomKept();
      if (r === null) break;
      this.seen.add(r);
      out.push(r);
    }
    this.searchMs += performance.now() - t0;
    return out;
  }

  private centreDone = false;

  /** The centre of a GEMM space (space/centre.ts) the first time, then nothing. */
  private centre(): number[] {
    if (this.centreDone) return [];
    this.centreDone = true;
    const w = this.task.workload,
      space = this.task.space;
    if ((w.op !== 'gemm' && w.op !== 'bmm') || !(space instanceof GemmSpace) || space.version === 1) return [];
    const m = this.model.machine;
    return cacheCentre(space, w, { l1d: m.l1d, l2: m.l2, l3: m.l3 });
  }

  update(results: MeasureResult[]): void {
    for (const r of results) {
      this.measured.set(r.config, r.ok ? r.gflops : null);
      // measured: never proposed again (the loop hands back only proposals, so this holds already)
      this.seen.add(r.config);
    }
    this.model.update(results);
  }

  /** The best measured configs of this run, best first. */
  protected bestMeasured(k: number): number[] {
    return [...this.measured]
      .filter(([, g]) => g !== null)
      .sort((a, b) => b[1]! - a[1]! || a[0] - b[0])
      .slice(0, k)
      .map(([i]) => i);
  }

  stats(): ModelBasedStats {
    return {
      level: this.model.level,
      fit_ms: Math.round(this.model.learned.fitMs),
      predict_ms: Math.round(this.model.learned.predictMs),
      search_ms: Math.round(this.searchMs),
    };
  }
}

/** The k best-scored configs of a config -> score map, best first (ties by index). */
export function topScored(found: Map<number, number>, k: number): number[] {
  return [...found]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([i]) => i);
}

/** The search strategies over the cost model (anneal, evolve): they propose synchronously. */
export abstract class ModelBasedTuner extends CostModelTuner {
  propose(n: number): number[] {
    return this.pick(n);
  }
}

export interface AnnealOptions {
  chains?: number;
  steps?: number;
}

export class AnnealTuner extends ModelBasedTuner {
  readonly name = 'anneal';
  private chains: number[] = [];
  private readonly opts: Required<AnnealOptions>;

  constructor(task: TuningTask, seed: number, ctx: TunerContext = {}, opts: AnnealOptions = {}) {
    super(task, seed, ctx);
    this.opts = { chains: 64, steps: 80, ...opts };
  }

  protected candidates(k: number): number[] {
    if (this.chains.length === 0) this.chains = Array.from({ length: this.opts.chains }, () => this.anyKept());
    // Restart a quarter of the chains from the best measured configs (AutoTVM's chains keep their points).
    const best = this.bestMeasured(Math.floor(this.opts.chains / 4));
    best.forEach((b, j) => (this.chains[j] = b));
    const pts = this.chains.slice();
    const sc = this.model.score(pts);
    const found = new Map<number, number>();
    const note = (i: number, s: number) => {
      if (!this.seen.has(i)) found.set(i, s);
    };
    pts.forEach((p, j) => note(p, sc[j]));
    // The temperature in units of the scores' spread, so the acceptance does not depend on the model's scale.
    let mean = 0,
      sq = 0;
    for (const s of sc) {
      mean += s / sc.length;
      sq += (s * s) / sc.length;
    }
    const scale = Math.sqrt(Math.max(sq - mean * mean, 1e-12));
    const steps = this.opts.steps;
    for (let step = 0; step < steps; step++) {
      const T = scale * (1 - step / steps);
      const next = pts.map((p) => this.mutate(p));
      const ns = this.model.score(next);
      for (let j = 0; j < pts.length; j++) {
        note(next[j], ns[j]);
        const delta = ns[j] - sc[j];
        if (delta >= 0 || (T > 0 && this.rng.random() < Math.exp(delta / T))) {
          pts[j] = next[j];
          sc[j] = ns[j];
        }
      }
    }
    this.chains = pts;
    return topScored(found, k);
  }
}

export interface EvolveOptions {
  population?: number;
  generations?: number;
  crossoverRate?: number;
}

export class EvolveTuner extends ModelBasedTuner {
  readonly name = 'evolve';
  private population: number[] = [];
  private readonly opts: Required<EvolveOptions>;

  constructor(task: TuningTask, seed: number, ctx: TunerContext = {}, opts: EvolveOptions = {}) {
    super(task, seed, ctx);
    this.opts = { population: 128, generations: 4, crossoverRate: 0.2, ...opts };
  }

  protected candidates(k: number): number[] {
    const P = this.opts.population;
    const pop = new Set<number>(this.bestMeasured(Math.floor(P / 4)));
    for (const i of this.population) if (pop.size < (3 * P) / 4) pop.add(i);
    // A small space may hold fewer kept configs than the population: stop after many draws that add nothing.
    for (let misses = 0; pop.size < P && misses < 200;) {
      const before = pop.size;
      pop.add(this.anyKept());
      misses = pop.size === before ? misses + 1 : 0;
    }
    let members = [...pop];
    let sc = this.model.score(members);
    const found = new Map<number, number>();
    const note = (list: number[], s: Float64Array) => list.forEach((i, j) => !this.seen.has(i) && found.set(i, s[j]));
    note(members, sc);
    const tournament = () => {
      let best = this.rng.below(members.length);
      for (let t = 0; t < 2; t++) {
        const c = this.rng.below(members.length);
        if (sc[c] > sc[best]) best = c;
      }
      return members[best];
    };
    for (let g = 0; g < this.opts.generations; g++) {
      const children = new Set<number>();
      for (let t = 0; children.size < P && t < 4 * P; t++) {
        const child =
          this.rng.random() < this.opts.crossoverRate
            ? this.crossover(tournament(), tournament())
            : this.mutate(tournament(), this.rng.random() < 0.3 ? 2 : 1);
        if (!pop.has(child)) children.add(child);
      }
      const kids = [...children];
      const ks = this.model.score(kids);
      note(kids, ks);
      const all = members
        .map((i, j) => [i, sc[j]] as [number, number])
        .concat(kids.map((i, j) => [i, ks[j]] as [number, number]));
      all.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const survivors = all.slice(0, P);
      members = survivors.map(([i]) => i);
      sc = Float64Array.from(survivors.map(([, s]) => s));
      pop.clear();
      for (const i of members) pop.add(i);
    }
    this.population = members;
    return topScored(found, k);
  }
}
