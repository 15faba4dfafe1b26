/**
 * bench/measure/noise: how noisy one trial's measurement is on this machine, and how much of the noise timing
 * each kernel against a reference kernel in the same process (the harness's paired mode) removes. Prints one
 * JSON object; --record also writes it to bench/results/measure-noise-<date>[-contend].json.
 *
 *   node dist/bench/measure/noise.js [--duration S] [--quick] [--record] [--contend] [--spec SPEC]...
 *
 * Method: per workload (default: three held-out workloads of the RL tuner's benchmark), the configs are the
 * first two proposals of `evolve` on the analytic cost model (good configs, what a tuner compares near its
 * best) and one random valid config. Two references: `reference`, the RL envs' reference config (a middling
 * BLIS blocking, 4 x 1 vectors: memory-heavy; what RunSettings.paired uses), and `strong` (8 x 3 vectors, the
 * register blocking of the fast configs). Rounds repeat until the duration is spent; each round, for each config:
 * one plain trial (a fresh harness process with the default measurement settings, what the tuner records) and
 * one paired trial against each reference (a fresh process timing the reference and the config back to back in
 * each repeat). --contend: every other round runs beside a memory-streaming process on the other core (a noisy
 * neighbour of our own), and each measure's `contention_shift` is its mean in those rounds over its mean in the
 * quiet ones (1: unmoved). Per config:
 * - raw: the plain trials' GFLOP/s: coefficient of variation (cv), max/min, and the short-term cv from
 *   consecutive rounds (sqrt(mean squared successive difference / 2) / mean): the difference between cv and the
 *   short-term cv is drift, slow changes of the machine's speed over minutes.
 * - paired.<reference>: the same of the ratio (reference time / config time) from the paired trials.
 * - rank agreement: for each pair of configs of a workload, the share of rounds in which the plain trials
 *   order them as their means over all rounds do, against the same share for the paired ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { host } from '../../src/tune/measure/host.js';
import { Builder } from '../../src/tune/measure/builder.js';
import { dataFile } from '../../src/tune/measure/data.js';
import { DEFAULT_RUN_SETTINGS, Runner, type RunResult } from '../../src/tune/measure/runner.js';
import { TuningSession, disposeTuner } from '../../src/tune/session.js';
import { targetCFlags } from '../../src/tune/space/target.js';
import { referenceConfig, type TuningTask } from '../../src/tune/task/task.js';
import { machineInfo } from '../machine.js';
import { benchArgs, numberFlag } from '../util/args.js';
import { mean, median, round } from '../util/stats.js';

const { values, quick, record } = benchArgs('bench/measure/noise', {
  duration: { type: 'string' },
  contend: { type: 'boolean' },
  spec: { type: 'string', multiple: true },
});
const contend = values.contend === true;
const durationS = numberFlag(
  'duration',
  values.duration,
  quick ? 6 : 600,
  (x) => x > 0,
  'a positive number of seconds',
);
const DEFAULT_SPECS = [
  'gemm:M=24,N=2304,K=768,epilogue=bias',
  'bmm:B=8,M=48,N=48,K=128,transB=1',
  'gemm:M=64,N=2048,K=512,epilogue=relu',
];
const specs = values.spec?.length ? values.spec : quick ? DEFAULT_SPECS.slice(0, 1) : DEFAULT_SPECS;

// A fresh database in a temporary directory: nothing is served from earlier runs. The session claims the runner's
// core (this process's threads keep off it) and probes the machine once.
const dir = mkdtempSync(join(tmpdir(), 'rltune-bench-noise-'));
const session = TuningSession.open({ db: join(dir, 'noise.db'), workDir: join(dir, 'build'), log: () => {} });
const { machine, workDir: work, runnerCore } = session;
const probe = session.probe();
const s = DEFAULT_RUN_SETTINGS;

/**
 * The `strong` reference: the register blocking of fast GEMM configs (8 x 3 vectors, kc 256); else the RL envs'
 * reference.
 */
function strongConfig(task: TuningTask): number {
  const s = task.space;
  try {
    const c = s.index(
      s.fromJSON({
        mr: 8,
        nv: 3,
        kc: 256,
        mcPanels: 4,
        ncPanels: 16,
        unroll: 2,
        prefetch: 4,
        loopOrder: 0,
        innerOrder: 0,
        bcast: 0,
        pipeline: 0,
        packB: 0,
        par: 0,
      }),
    );
    if (s.invalidReason(s.config(c)) === null) return c;
  } catch {
    // a knob value this target's space does not have
  }
  return referenceConfig(task);
}

interface Item {
  name: string;
  config: number;
  lib: string;
}
interface Workload {
  task: TuningTask;
  data: string;
  refs: Record<string, string>;
  items: Item[];
}
const REFS = ['reference', 'strong'] as const;
const workloads: Workload[] = [];
for (const spec of specs) {
  const task = session.task(spec);
  const builder = new Builder({
    workDir: work,
    cores: [],
    parallel: 1,
    timeoutMs: 120_000,
    flags: targetCFlags(task.space.target),
  });
  const lib = async (c: number) => {
    const b = await builder.build(task.source(c), task.workload.threads > 1);
    if (!b.ok) throw new Error(`${task.spec}: config ${c} does not build: ${b.error?.message}`);
    return b.libPath!;
  };
  // Good configs: evolve's first proposals on the analytic cost model (no prior: the database is fresh anyway).
  const { tuner: evolve } = session.tuner('evolve', task, 1, { prior: 'none', context: { log: () => {} } });
  const good = (await evolve.propose(2)).slice(0, 2);
  disposeTuner(evolve);
  const random = session.tuner('random', task, 1).tuner.propose(1) as number[];
  const items: Item[] = [];
  for (const [name, c] of [
    ['model-top-1', good[0]],
    ['model-top-2', good[1]],
    ['random', random[0]],
  ] as const)
    items.push({ name, config: c, lib: await lib(c) });
  workloads.push({
    task,
    data: dataFile(work, task.workload, 1),
    refs: { reference: await lib(referenceConfig(task)), strong: await lib(strongConfig(task)) },
    items,
  });
}

/** One harness process (the measurer's Runner, default settings): the plain run, or the run paired with `ref`. */
const runners = new Map(workloads.map((w) => [w, new Runner(work, w.task.workload.threads > 1 ? 0 : runnerCore, s)]));
function run(w: Workload, lib: string, ref: string | null): RunResult | null {
  const r = runners.get(w)!.runSync(lib, w.data, w.task.workload.threads, ref ?? undefined);
  return r.ok ? r : null;
}

// The noisy neighbour of --contend: streams through 256 MiB on the cores other than the runner's.
const otherCores = host().allowedCores.filter((c) => c !== runnerCore);
if (contend && otherCores.length === 0) throw new Error("--contend needs a core besides the runner's");
const HOG =
  'const a = new Float64Array(1 << 25); for (let k = 0; ; k++) for (let i = 0; i < a.length; i += 8) a[i] += k;';
const tasksetPath = host().taskset;
if (contend && !tasksetPath)
  throw new Error("--contend needs taskset (util-linux) to keep the neighbour off the runner's core");
const startHog = (): ChildProcess =>
  spawn(tasksetPath!, ['-c', otherCores.join(','), process.execPath, '-e', HOG], { stdio: 'ignore' });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Rounds until the duration is spent: per config a plain trial, then a paired one against each reference.
interface Series {
  t: number[];
  contended: boolean[];
  raw: number[];
  rel: Record<string, number[]>;
}
const series = new Map<string, Series>();
const key = (w: Workload, it: Item) => `${w.task.spec}|${it.name}`;
const t0 = performance.now();
let rounds = 0;
while ((performance.now() - t0) / 1000 < durationS) {
  const contended = contend && rounds % 2 === 1;
  const hog = contended ? startHog() : null;
  if (hog) await sleep(300);
  try {
    for (const w of workloads) {
      for (const it of w.items) {
        const plain = run(w, it.lib, null);
        if (!plain) throw new Error(`${w.task.spec} ${it.name}: a measurement failed`);
        let ser = series.get(key(w, it));
        if (!ser)
          series.set(
            key(w, it),
            (ser = { t: [], contended: [], raw: [], rel: Object.fromEntries(REFS.map((r) => [r, []])) }),
          );
        for (const r of REFS) {
          const paired = run(w, it.lib, w.refs[r]);
          if (!paired) throw new Error(`${w.task.spec} ${it.name}: a measurement against ${r} failed`);
          ser.rel[r].push(1 / paired.rel!.median); // the config's speed relative to the reference's
        }
        ser.t.push(Math.round(performance.now() - t0) / 1000);
        ser.contended.push(contended);
        ser.raw.push(w.task.flops / (plain.ms!.median * 1e6));
      }
    }
  } finally {
    hog?.kill('SIGKILL');
  }
  rounds++;
}

const cv = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1)) / m;
};
const shortCv = (xs: number[]) =>
  xs.length < 2
    ? 0
    : Math.sqrt(xs.slice(1).reduce((a, x, i) => a + (x - xs[i]) ** 2, 0) / (2 * (xs.length - 1))) / mean(xs);
const r4 = (x: number) => round(x, 4);
/** Stats of a series; with --contend, cv and max/min over the quiet rounds and the shift in the contended ones. */
const stats = (xs: number[], busy: boolean[]) => {
  const quiet = contend ? xs.filter((_, i) => !busy[i]) : xs;
  const loud = xs.filter((_, i) => busy[i]);
  return {
    mean: r4(mean(quiet)),
    cv: r4(cv(quiet)),
    short_term_cv: r4(shortCv(quiet)),
    max_over_min: r4(Math.max(...quiet) / Math.min(...quiet)),
    ...(contend && loud.length > 0
      ? { contention_shift: r4(mean(loud) / mean(quiet)), contended_cv: r4(cv(loud)) }
      : {}),
  };
};

const perConfig = workloads.flatMap((w) =>
  w.items.map((it) => {
    const ser = series.get(key(w, it))!;
    return {
      spec: w.task.spec,
      config: it.name,
      config_index: it.config,
      config_json: w.task.configJSON(it.config),
      rounds: ser.raw.length,
      raw_gflops: stats(ser.raw, ser.contended),
      paired: Object.fromEntries(REFS.map((r) => [r, stats(ser.rel[r], ser.contended)])),
    };
  }),
);
// Rank agreement of each pair of configs, round by round (quiet rounds), with the order of their means.
const agreement = workloads.flatMap((w) => {
  const out: Record<string, string | number>[] = [];
  for (let a = 0; a < w.items.length; a++) {
    for (let b = a + 1; b < w.items.length; b++) {
      const A = series.get(key(w, w.items[a]))!,
        B = series.get(key(w, w.items[b]))!;
      const keep = (xs: number[]) => xs.filter((_, i) => !A.contended[i]);
      const share = (xa: number[], xb: number[]) => {
        const qa = keep(xa),
          qb = keep(xb);
        const sign = Math.sign(mean(qa) - mean(qb));
        return r4(qa.filter((x, i) => Math.sign(x - qb[i]) === sign).length / qa.length);
      };
      out.push({
        spec: w.task.spec,
        pair: `${w.items[a].name} vs ${w.items[b].name}`,
        mean_gap: r4(Math.abs(mean(keep(A.raw)) / mean(keep(B.raw)) - 1)),
        raw: share(A.raw, B.raw),
        ...Object.fromEntries(REFS.map((r) => [`paired_${r}`, share(A.rel[r], B.rel[r])])),
      });
    }
  }
  return out;
});
const med = (f: (p: (typeof perConfig)[number]) => number | undefined) =>
  r4(median(perConfig.map(f).filter((x): x is number => x !== undefined)));
const result = {
  benchmark: 'measure-noise',
  date: new Date().toISOString(),
  quick,
  contend,
  machine: { ...machineInfo(), fingerprint: machine, probe },
  settings: {
    duration_s: durationS,
    run: s,
    specs,
    references: Object.fromEntries(
      workloads.map((w) => [
        w.task.spec,
        { reference: w.task.configJSON(referenceConfig(w.task)), strong: w.task.configJSON(strongConfig(w.task)) },
      ]),
    ),
  },
  rounds,
  wall_s: Math.round(performance.now() - t0) / 1000,
  summary: {
    median_raw_cv: med((p) => p.raw_gflops.cv),
    median_raw_short_term_cv: med((p) => p.raw_gflops.short_term_cv),
    median_raw_max_over_min: med((p) => p.raw_gflops.max_over_min),
    ...Object.fromEntries(
      REFS.flatMap((r) => [
        [`median_paired_${r}_cv`, med((p) => p.paired[r].cv)],
        [`median_paired_${r}_short_term_cv`, med((p) => p.paired[r].short_term_cv)],
        [`median_paired_${r}_max_over_min`, med((p) => p.paired[r].max_over_min)],
      ]),
    ),
    rank_agreement_raw: r4(mean(agreement.map((a) => a.raw as number))),
    ...Object.fromEntries(
      REFS.map((r) => [`rank_agreement_paired_${r}`, r4(mean(agreement.map((a) => a[`paired_${r}`] as number)))]),
    ),
    ...(contend
      ? {
          median_raw_contention_shift: med((p) => p.raw_gflops.contention_shift),
          ...Object.fromEntries(
            REFS.map((r) => [`median_paired_${r}_contention_shift`, med((p) => p.paired[r].contention_shift)]),
          ),
        }
      : {}),
  },
  per_config: perConfig,
  rank_agreement: agreement,
  timeline: Object.fromEntries(
    [...series].map(([k, v]) => [
      k,
      v.t.map((t, i) => [t, v.contended[i] ? 1 : 0, r4(v.raw[i]), ...REFS.map((r) => r4(v.rel[r][i]))]),
    ]),
  ),
};
session.close();
const text = JSON.stringify(result);
if (record) {
  const out = join(
    fileURLToPath(new URL('../../../bench/results/', import.meta.url)),
    `measure-noise-${result.date.slice(0, 10)}${contend ? '-contend' : ''}.json`,
  );
  writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
}
console.log(text);
