/**
 * bench/measure/noise: how noisy one trial's measurement is on this machine, and how much of the noise timing
 * each kernel against a reference kernel in the same process (the harness's paired mode) removes. Prints one
 * JSON object; --record also writes it to bench/results/measure-noise-<date>.json.
 *
 *   node dist/bench/measure/noise.js [--duration S] [--quick] [--record] [--spec SPEC]...
 *
 * Method: per workload (default: three held-out workloads of the RL tuner's benchmark), the configs are the
 * first two proposals of `evolve` on the analytic cost model (good configs, what a tuner compares near its
 * best) and one random valid config; the reference is the RL env's reference config. Rounds repeat until
 * the duration is spent; each round, for each config: one plain trial (a fresh harness process with the
 * default measurement settings, what the tuner records) and one paired trial (a fresh process timing the
 * reference and the config back to back in each repeat). Per config:
 * - raw: the plain trials' GFLOP/s: coefficient of variation (cv), max/min, and the short-term cv from
 *   consecutive rounds (sqrt(mean squared successive difference / 2) / mean): the difference between cv and the
 *   short-term cv is drift, slow changes of the machine's speed over minutes.
 * - paired: the same of the ratio (reference time / config time) from the paired trials.
 * - rank agreement: for each pair of configs of a workload, the share of rounds in which the plain trials
 *   order them as their means over all rounds do, against the same share for the paired ratios.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheSizes, hostMachine, machineProbe } from '../../src/tune/measure/machine.js';
import { costMachine } from '../../src/tune/cost/features.js';
import { Builder } from '../../src/tune/measure/builder.js';
import { dataFile } from '../../src/tune/measure/data.js';
import { DEFAULT_RUN_SETTINGS, ensureHarness, leaveRunnerCore } from '../../src/tune/measure/runner.js';
import { RecordsDB } from '../../src/tune/records/db.js';
import { createTuner } from '../../src/tune/search/loop.js';
import { referenceConfig } from '../../src/tune/search/schedule_envs.js';
import { targetCFlags } from '../../src/tune/space/target.js';
import { createTask, type TuningTask } from '../../src/tune/task/task.js';
import { machineInfo } from '../machine.js';

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const record = argv.includes('--record');
const flag = (name: string): string[] => argv.flatMap((a, i) => (a === `--${name}` && i + 1 < argv.length ? [argv[i + 1]] : a.startsWith(`--${name}=`) ? [a.slice(name.length + 3)] : []));
const durationS = Number(flag('duration')[0] ?? (quick ? 6 : 600));
if (!(durationS > 0)) throw new RangeError(`--duration must be a positive number of seconds, got ${JSON.stringify(flag('duration')[0])}`);
const DEFAULT_SPECS = ['gemm:M=24,N=2304,K=768,epilogue=bias', 'bmm:B=8,M=48,N=48,K=128,transB=1', 'gemm:M=64,N=2048,K=512,epilogue=relu'];
const specs = flag('spec').length ? flag('spec') : quick ? DEFAULT_SPECS.slice(0, 1) : DEFAULT_SPECS;

const dir = mkdtempSync(join(tmpdir(), 'rltune-bench-noise-'));
const work = join(dir, 'build');
mkdirSync(work, { recursive: true });
const runnerCore = availableParallelism() - 1;
leaveRunnerCore(runnerCore);
const db = new RecordsDB(join(dir, 'noise.db'));
const machine = db.addMachine(hostMachine());
const probe = machineProbe(db, machine, work, runnerCore);
const caches = cacheSizes();
const harness = ensureHarness(work);
const s = DEFAULT_RUN_SETTINGS;

interface Item { name: string; config: number; lib: string }
interface Workload { task: TuningTask; data: string; ref: string; items: Item[] }
const workloads: Workload[] = [];
for (const spec of specs) {
  const task = createTask(spec);
  const builder = new Builder({ workDir: work, cores: [], parallel: 1, timeoutMs: 120_000, flags: targetCFlags(task.space.target) });
  const lib = async (c: number) => {
    const b = await builder.build(task.source(c), task.workload.threads > 1);
    if (!b.ok) throw new Error(`${task.spec}: config ${c} does not build: ${b.error?.message}`);
    return b.libPath!;
  };
  const evolve = createTuner('evolve', task, 1, { machine: costMachine(task.space.target, probe, caches), log: () => {} });
  const good = (await evolve.propose(2)).slice(0, 2);
  const random = createTuner('random', task, 1).propose(1) as number[];
  const items: Item[] = [];
  for (const [name, c] of [['model-top-1', good[0]], ['model-top-2', good[1]], ['random', random[0]]] as const) items.push({ name, config: c, lib: await lib(c) });
  workloads.push({ task, data: dataFile(work, task.workload, 1), ref: await lib(referenceConfig(task)), items });
}

const core = (t: TuningTask) => String(t.workload.threads > 1 ? 0 : runnerCore);
function run(w: Workload, lib: string, ref: string | null): Record<string, number> | null {
  const args = [lib, w.data, core(w.task), String(w.task.workload.threads), String(s.number), String(s.repeat), String(s.minRepeatMs), s.flush ? '1' : '0', ...(ref ? [ref] : [])];
  const out = execFileSync(harness, args, { encoding: 'utf8', timeout: s.timeoutMs, env: { ...process.env, OMP_NUM_THREADS: String(w.task.workload.threads) } });
  const j = JSON.parse(out.trim().split('\n').at(-1)!);
  return j.ok ? j : null;
}

// Rounds until the duration is spent: per config a plain trial, then a paired one.
const series = new Map<string, { t: number[]; raw: number[]; rel: number[] }>();
const key = (w: Workload, it: Item) => `${w.task.spec}|${it.name}`;
const t0 = performance.now();
let rounds = 0;
while ((performance.now() - t0) / 1000 < durationS) {
  for (const w of workloads) {
    for (const it of w.items) {
      const plain = run(w, it.lib, null);
      const paired = run(w, it.lib, w.ref);
      if (!plain || !paired) throw new Error(`${w.task.spec} ${it.name}: a measurement failed`);
      let ser = series.get(key(w, it));
      if (!ser) series.set(key(w, it), (ser = { t: [], raw: [], rel: [] }));
      ser.t.push(Math.round(performance.now() - t0) / 1000);
      ser.raw.push(w.task.flops / (plain.median_ms * 1e6));
      ser.rel.push(1 / paired.rel_median); // the config's speed relative to the reference's
    }
  }
  rounds++;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cv = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, xs.length - 1)) / m;
};
const shortCv = (xs: number[]) => xs.length < 2 ? 0 : Math.sqrt(xs.slice(1).reduce((a, x, i) => a + (x - xs[i]) ** 2, 0) / (2 * (xs.length - 1))) / mean(xs);
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
const stats = (xs: number[]) => ({ mean: r4(mean(xs)), cv: r4(cv(xs)), short_term_cv: r4(shortCv(xs)), max_over_min: r4(Math.max(...xs) / Math.min(...xs)) });
const median = (xs: number[]) => {
  const a = [...xs].sort((x, y) => x - y);
  return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
};

const perConfig = workloads.flatMap((w) => w.items.map((it) => {
  const ser = series.get(key(w, it))!;
  return { spec: w.task.spec, config: it.name, config_index: it.config, config_json: w.task.configJSON(it.config), rounds: ser.raw.length, raw_gflops: stats(ser.raw), paired_ratio: stats(ser.rel) };
}));
// Rank agreement of each pair of configs, round by round, with the order of their means.
const agreement = workloads.flatMap((w) => {
  const out = [];
  for (let a = 0; a < w.items.length; a++) {
    for (let b = a + 1; b < w.items.length; b++) {
      const A = series.get(key(w, w.items[a]))!, B = series.get(key(w, w.items[b]))!;
      const share = (xa: number[], xb: number[]) => {
        const sign = Math.sign(mean(xa) - mean(xb));
        return r4(xa.filter((x, i) => Math.sign(x - xb[i]) === sign).length / xa.length);
      };
      out.push({ spec: w.task.spec, pair: `${w.items[a].name} vs ${w.items[b].name}`, mean_gap: r4(Math.abs(mean(A.raw) / mean(B.raw) - 1)), raw: share(A.raw, B.raw), paired: share(A.rel, B.rel) });
    }
  }
  return out;
});
const result = {
  benchmark: 'measure-noise',
  date: new Date().toISOString(),
  quick,
  machine: { ...machineInfo(), fingerprint: machine, probe },
  settings: { duration_s: durationS, run: s, specs },
  rounds,
  wall_s: Math.round(performance.now() - t0) / 1000,
  summary: {
    median_raw_cv: r4(median(perConfig.map((p) => p.raw_gflops.cv))),
    median_raw_short_term_cv: r4(median(perConfig.map((p) => p.raw_gflops.short_term_cv))),
    median_paired_cv: r4(median(perConfig.map((p) => p.paired_ratio.cv))),
    median_paired_short_term_cv: r4(median(perConfig.map((p) => p.paired_ratio.short_term_cv))),
    median_raw_max_over_min: r4(median(perConfig.map((p) => p.raw_gflops.max_over_min))),
    median_paired_max_over_min: r4(median(perConfig.map((p) => p.paired_ratio.max_over_min))),
    rank_agreement_raw: r4(mean(agreement.map((a) => a.raw))),
    rank_agreement_paired: r4(mean(agreement.map((a) => a.paired))),
  },
  per_config: perConfig,
  rank_agreement: agreement,
  timeline: Object.fromEntries([...series].map(([k, v]) => [k, v.t.map((t, i) => [t, r4(v.raw[i]), r4(v.rel[i])])])),
};
db.close();
const text = JSON.stringify(result);
if (record) {
  const out = join(fileURLToPath(new URL('../../../bench/results/', import.meta.url)), `measure-noise-${result.date.slice(0, 10)}.json`);
  writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
}
console.log(text);
