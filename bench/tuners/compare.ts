/**
 * bench/tuners/compare: the benchmark of search strategies (the method every strategy is judged by, the RL
 * tuner's included). Prints one JSON object; --record also writes it to bench/results/tuners-<date>.json with a
 * chart (tuners-<date>.svg) beside it.
 *
 *   node dist/bench/tuners/compare.js [--workloads bench/tuners/workloads-v1.json] [--strategies random,anneal,evolve]
 *        [--seeds 1,2,3] [--trials 256] [--transfer off,on] [--db bench/.data/tuners.db] [--record] [--quick]
 *        [--prior-workloads FILE] [--policy DIR] [--tag NAME] [--rl-options JSON] [--paired]
 *
 * Method:
 * - The workload set is a file (bench/tuners/workloads-v1.json); each workload is tuned in the default space of
 *   `rltune tune op` with the default measurement settings, every strategy with the same budget (256 trials,
 *   batches of 8) and seeds 1, 2, 3.
 * - Prior data is equal for all strategies: with transfer off nobody gets any; with transfer on every model-based
 *   strategy gets the records that the transfer-off runs made of the OTHER workloads of the set (run ids
 *   `bench-tuners:off:*`, a snapshot taken before any transfer-on run). Random search uses no prior data, so its
 *   transfer-on runs are its transfer-off runs.
 * - A config already measured on this machine (in the benchmark's database, kept between runs in bench/.data/)
 *   is served from the database instead of measured again; the trial still counts. A run's cost model learns
 *   only from its own trials plus the prior data.
 * - Held-out evaluation (the RL tuner's benchmark): --prior-workloads names the set whose records are the
 *   prior data (every model-based strategy gets the records of those workloads, the ones a policy was trained
 *   on, instead of the other workloads of the benchmarked set), and --policy the policy directory the RL
 *   strategies start from (without it they start from the package's default policy, or cold). --tag names the
 *   recorded files (tuners-<tag>-<date>.json). The held-out report adds the zero-shot checks: each run's first
 *   batch, the replay of the training workloads' top 8 configs, and the RL strategies' first batch from a cold
 *   policy (the same prior and cost-model walks, no pretraining: what pretraining itself adds).
 * - --paired: every measurement of the benchmark (trials, the freeze of best-known, the zero-shot checks) uses paired
 *   timing (RunSettings.paired: each kernel timed against the workload's reference config in the same process,
 *   guarded against runs whose reference is off); its best-known entries are marked `paired`, and a benchmark in the
 *   other mode refuses them before measuring. The prior's records stay as they were measured.
 * - This process keeps its threads off the runner's core (taskset), as `rltune tune op` does; the held-out
 *   results of 2026-12-02 were recorded before it did.
 * - Best-known per workload is frozen in bench/results/best-known.json before strategies are compared: the 5
 *   best configs ever recorded for it are re-measured 20 times each (the machine otherwise idle) and the best
 *   of their medians is best-known. An existing entry for this machine is never rewritten; --refreeze freezes
 *   again and keeps the largest of all freezes (listed in the entry's `freezes`): a slow period of the machine
 *   only lowers a freeze.
 * - Trials to 90/95/99% of best-known per run; a run that never gets there counts as budget + 1; medians over
 *   workloads and seeds, never dropping a run.
 * - Each space's size, the share that validity and pruning keep, and the share of its configs within 95% of
 *   best-known (estimated from the random runs, which sample the valid space uniformly).
 * - The cost model's ranking quality: on the workload with the most measurements, the learned level trained on
 *   half of the random runs' configs and evaluated on the other half (recall of the true top 10 within the
 *   model's top 10%, Spearman), against the analytic level on the same half.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { costMachine, featureFamily } from '../../src/tune/cost/features.js';
import { LearnedCostModel } from '../../src/tune/cost/learned.js';
import { analytic } from '../../src/tune/cost/analytic.js';
import { recallAtK, spearman } from '../../src/tune/cost/metrics.js';
import { priorSamples } from '../../src/tune/cost/prior.js';
import { runnerCore as hostRunnerCore } from '../../src/tune/measure/host.js';
import { cacheSizes, hostMachine, machineProbe } from '../../src/tune/measure/machine.js';
import { Measurer, pairedReferenceOf } from '../../src/tune/measure/measurer.js';
import { leaveRunnerCore } from '../../src/tune/measure/runner.js';
import { RecordsDB } from '../../src/tune/records/db.js';
import { tune } from '../../src/tune/search/loop.js';
import { createTuner, MODEL_BASED } from '../../src/tune/search/registry.js';
import { CostModelTuner } from '../../src/tune/search/strategies/model_based.js';
import { PolicyTuner } from '../../src/tune/search/rl/policy_tuner.js';
import { cacheInfo, Pruner } from '../../src/tune/space/prune.js';
import { createTask, referenceConfig, type TuningTask } from '../../src/tune/task/task.js';
import { Rng } from '../../src/rl/core/rng.js';
import { machineInfo } from '../machine.js';
import { renderChart } from './chart.js';
import { meanBestSoFar, median, trialsTo as trialsToTarget } from './metrics.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..', '..'); // dist/bench/tuners -> repo
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : dflt;
};
const quick = process.argv.includes('--quick');
const record = process.argv.includes('--record');
const refreeze = process.argv.includes('--refreeze');
// Paired timing (RunSettings.paired) for every measurement of the benchmark, the freeze of best-known included.
const paired = process.argv.includes('--paired');
const RUN = { paired };
const workloadsFile = resolve(arg('workloads', join(repo, 'bench', 'tuners', quick ? 'workloads-smoke.json' : 'workloads-v1.json')));
const strategies = arg('strategies', 'random,anneal,evolve').split(',');
const seeds = arg('seeds', quick ? '1' : '1,2,3').split(',').map(Number);
const budget = Number(arg('trials', quick ? '16' : '256'));
const transferModes = arg('transfer', quick ? 'off' : 'off,on').split(',') as ('off' | 'on')[];
const dbPath = resolve(arg('db', quick ? join(tmpdir(), `rltune-tuners-smoke-${process.pid}.db`) : join(repo, 'bench', '.data', 'tuners.db')));
const bestKnownPath = resolve(arg('best-known', quick ? join(tmpdir(), `rltune-best-known-smoke-${process.pid}.json`) : join(repo, 'bench', 'results', 'best-known.json')));
const priorWorkloadsFile = arg('prior-workloads', '');
const policyDir = arg('policy', '');
const tag = arg('tag', '');
// Options of the RL strategies (PolicyTunerOptions: walkSteps, incumbents, coldShare, measuredIterations), for
// ablations; recorded in the settings. The defaults are the strategies' own.
const rlOptionsText = arg('rl-options', '');
const rlOptions = (() => {
  if (!rlOptionsText) return {};
  let o: unknown;
  try {
    o = JSON.parse(rlOptionsText);
  } catch {
    throw new RangeError(`--rl-options must be a JSON object such as '{"incumbents":0}', got ${JSON.stringify(rlOptionsText)}`);
  }
  const known = ['walkSteps', 'incumbents', 'coldShare', 'measuredIterations'];
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new RangeError(`--rl-options must be a JSON object, got ${JSON.stringify(rlOptionsText)}`);
  for (const [k, v] of Object.entries(o)) if (!known.includes(k) || typeof v !== 'number') throw new RangeError(`--rl-options: ${JSON.stringify(k)}: ${JSON.stringify(v)} is not one of ${known.join(', ')} with a number`);
  return o as Record<string, number>;
})();
const BATCH = 8;
const LEVELS = [0.9, 0.95, 0.99] as const;

for (const s of strategies) if (!['random', 'grid', ...MODEL_BASED].includes(s)) throw new RangeError(`--strategies: unknown strategy ${JSON.stringify(s)}`);
for (const t of transferModes) if (t !== 'off' && t !== 'on') throw new RangeError(`--transfer takes off, on or off,on; got ${JSON.stringify(t)}`);
if (!(Number.isSafeInteger(budget) && budget >= 1)) throw new RangeError(`--trials must be a positive integer, got ${budget}`);

interface WorkloadEntry { name: string; spec: string; why?: string }
const set = JSON.parse(readFileSync(workloadsFile, 'utf8')) as { name: string; workloads: WorkloadEntry[] };
const priorWorkloads = priorWorkloadsFile
  ? (JSON.parse(readFileSync(resolve(priorWorkloadsFile), 'utf8')) as { workloads: WorkloadEntry[] }).workloads.map((w) => createTask(w.spec).spec)
  : null;
if (priorWorkloads) {
  const overlap = set.workloads.filter((w) => priorWorkloads.includes(createTask(w.spec).spec));
  if (overlap.length) throw new RangeError(`--prior-workloads overlaps the benchmarked set: ${overlap.map((w) => w.name).join(', ')} (held-out workloads must appear in no training set)`);
}
mkdirSync(dirname(dbPath), { recursive: true });
const db = new RecordsDB(dbPath);
const machine = db.addMachine(hostMachine());
const work = join(dirname(dbPath), 'build');
const runnerCore = hostRunnerCore();
leaveRunnerCore(runnerCore); // this process's threads (search, cost models, SQLite) stay off the kernels' core
const probe = machineProbe(db, machine, work, runnerCore);
const caches = cacheSizes();
const log = (m: string) => process.stderr.write(`[bench:tuners] ${m}\n`);
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

interface RunRecord {
  workload: string;
  spec: string;
  strategy: string;
  transfer: 'off' | 'on';
  seed: number;
  trials: number;
  measured_now: number;
  best_gflops: number | null;
  wall_s: number;
  curve: [number, number][];
  /** GFLOP/s per trial (null: a failed config), for the chart and the metrics. */
  per_trial: (number | null)[];
  cost_model?: unknown;
  prior_records?: number;
}

const tasks = new Map<string, TuningTask>(set.workloads.map((w) => [w.spec, createTask(w.spec)]));
for (const t of [...tasks.values()]) tasks.set(t.spec, t); // by the canonical spec too (what the runs carry)
const runs: RunRecord[] = [];

// Paired and plain timings are two scales: a best-known frozen in one is never used with runs in the other (checked
// before anything is measured).
if (existsSync(bestKnownPath)) {
  const entries = (JSON.parse(readFileSync(bestKnownPath, 'utf8')) as { entries: Record<string, { paired?: boolean }> }).entries;
  for (const w of set.workloads) {
    const e = entries[`${machine}|${tasks.get(w.spec)!.spec}`];
    if (e && (e.paired ?? false) !== paired) {
      throw new Error(`${w.name}: its best-known on this machine (${bestKnownPath}) was frozen with ${paired ? 'plain' : 'paired'} timing, and this benchmark runs ${paired ? 'paired (--paired)' : 'plain'}: run it ${paired ? 'without' : 'with'} --paired, or on a workload set not frozen yet`);
    }
  }
}

async function runOne(w: WorkloadEntry, strategy: string, transfer: 'off' | 'on', seed: number): Promise<RunRecord> {
  const task = tasks.get(w.spec)!;
  const runId = `bench-tuners:${transfer}:${strategy}:${seed}`;
  const measurer = new Measurer(task, { workDir: work, db, machine, runnerCore, runId, run: RUN });
  let prior: ReturnType<typeof priorSamples> = [];
  if (transfer === 'on' && MODEL_BASED.has(strategy)) {
    prior = priorWorkloads
      ? priorSamples(db, machine, task, { only: priorWorkloads })
      : priorSamples(db, machine, task, { only: set.workloads.map((x) => tasks.get(x.spec)!.spec), runIdPrefix: 'bench-tuners:off:' });
  }
  const policy = { ...(policyDir ? { policyDir: resolve(policyDir) } : { defaultPolicy: true }), ...rlOptions };
  const ctx = MODEL_BASED.has(strategy) ? { machine: costMachine(task.space.target, probe, caches), prior, policy, log: (m: string) => log(`${w.name} ${strategy} seed ${seed} transfer ${transfer}: ${m}`) } : undefined;
  const tuner = createTuner(strategy, task, seed, ctx);
  const perTrial: (number | null)[] = [];
  const r = await tune(task, tuner, measurer, { trials: budget, batch: BATCH, verifyTop: 0, onResults: (rs) => rs.forEach((x) => perTrial.push(x.ok ? x.gflops : null)) });
  const rec: RunRecord = {
    workload: w.name, spec: task.spec, strategy, transfer, seed, trials: r.trials, measured_now: r.measured, best_gflops: r.best_gflops, wall_s: r.wall_s, curve: r.curve, per_trial: perTrial,
    ...(tuner instanceof CostModelTuner ? { cost_model: tuner.stats(), prior_records: prior.length } : {}),
  };
  if (tuner instanceof PolicyTuner) tuner.dispose();
  else if (tuner instanceof CostModelTuner) tuner.model.dispose();
  log(`${w.name} ${strategy} transfer ${transfer} seed ${seed}: best ${r.best_gflops?.toFixed(1)} GFLOP/s, ${r.measured} measured now, ${r.wall_s} s`);
  return rec;
}

// 1. The runs: every transfer-off run first (they make the equal prior of the transfer-on runs).
const t0 = performance.now();
for (const transfer of transferModes) {
  for (const w of set.workloads) {
    for (const strategy of strategies) {
      // Random and grid use no prior data: their transfer-on runs are their transfer-off runs (run once).
      if (transfer === 'on' && !MODEL_BASED.has(strategy) && transferModes.includes('off')) continue;
      for (const seed of seeds) runs.push(await runOne(w, strategy, transfer, seed));
    }
  }
}

// 2. Best-known, frozen per machine and workload.
interface Freeze { gflops: number; config_index: number; frozen: string }
interface BestKnownFile { doc: string; entries: Record<string, { spec: string; machine: string; gflops: number; config_index: number; frozen: string; method: string; freezes?: Freeze[]; paired?: boolean }> }
const bk: BestKnownFile = existsSync(bestKnownPath) ? JSON.parse(readFileSync(bestKnownPath, 'utf8')) : {
  doc: 'Best-known GFLOP/s per workload and machine (bench/tuners/compare.ts): the 5 best configs ever recorded re-measured 20 times each, the best of their medians. Frozen: never rewritten without --refreeze, which freezes again and keeps the largest of all freezes.',
  entries: {},
};
const bkKey = (spec: string) => `${machine}|${spec}`;
for (const w of set.workloads) {
  const key = bkKey(tasks.get(w.spec)!.spec);
  if (bk.entries[key] && !refreeze) continue;
  const task = tasks.get(w.spec)!;
  // Ranked on this benchmark's timing only (records.best filters before it averages a config's records).
  const top = db.best(task.spec, machine, 50, paired ? 'paired' : 'plain').filter((r) => !paired || pairedReferenceOf(r) === referenceConfig(task)).slice(0, 5).map((r) => r.config_index);
  if (top.length === 0) throw new Error(`${w.name}: no correct record to freeze a best-known from`);
  const measurer = new Measurer(task, { workDir: work, db, machine, runnerCore, runId: 'bench-tuners:best-known', run: RUN });
  let best = { gflops: 0, config: -1 };
  for (const c of top) {
    const [{ fresh: res }] = await measurer.remeasure([c], quick ? 3 : 20);
    if (res.length === 0) continue;
    const g = task.flops / (median(res) * 1e6);
    if (g > best.gflops) best = { gflops: g, config: c };
  }
  // A refreeze keeps the largest of all freezes: a slow period of the machine can only lower a freeze (on the VM of
  // 2026-12-02 the same config's 20-run median moved by up to 15% between freezes minutes apart), and best-known
  // is the best that is known to be reachable.
  const old = bk.entries[key];
  const now: Freeze = { gflops: round(best.gflops, 3), config_index: best.config, frozen: new Date().toISOString() };
  const freezes = old ? [...(old.freezes ?? [{ gflops: old.gflops, config_index: old.config_index, frozen: old.frozen }]), now] : [now];
  const top1 = freezes.reduce((a, b) => (b.gflops > a.gflops ? b : a));
  const method = `top ${top.length} re-measured ${quick ? 3 : 20} times${paired ? ' (paired timing)' : ''}, best median` + (freezes.length > 1 ? `; the largest of ${freezes.length} freezes (--refreeze)` : '');
  bk.entries[key] = { spec: task.spec, machine, gflops: top1.gflops, config_index: top1.config_index, frozen: top1.frozen, method, freezes, ...(paired ? { paired } : {}) };
  log(`best-known ${w.name}: ${best.gflops.toFixed(1)} GFLOP/s (config ${best.config})${freezes.length > 1 ? `, the largest of ${freezes.length} freezes ${top1.gflops.toFixed(1)}` : ''}`);
}
mkdirSync(dirname(bestKnownPath), { recursive: true });
writeFileSync(bestKnownPath, JSON.stringify(bk, null, 1) + '\n');

// 3. Metrics against the frozen best-known.
const trialsTo = (run: RunRecord, frac: number, bestKnown: number) => trialsToTarget(run.per_trial, frac * bestKnown, budget);
const bestKnownOf = (spec: string) => bk.entries[bkKey(tasks.get(spec)!.spec)].gflops;
const variant = (r: RunRecord) => (r.strategy === 'random' || r.transfer === 'off' ? `${r.strategy}` : `${r.strategy}+transfer`);
const variantsAll = [...new Set(runs.map(variant))];
const table: Record<string, Record<string, number>> = {};
const perWorkload: Record<string, Record<string, Record<string, number>>> = {};
for (const v of variantsAll) {
  const rs = runs.filter((r) => variant(r) === v && (r.transfer === 'off' || MODEL_BASED.has(r.strategy) || !transferModes.includes('off')));
  const row: Record<string, number> = {};
  for (const f of LEVELS) row[`trials_to_${Math.round(f * 100)}`] = median(rs.map((r) => trialsTo(r, f, bestKnownOf(r.spec))));
  row.final_fraction_of_best_known = round(median(rs.map((r) => (r.best_gflops ?? 0) / bestKnownOf(r.spec))));
  row.runs = rs.length;
  row.reached_95_share = round(rs.filter((r) => trialsTo(r, 0.95, bestKnownOf(r.spec)) <= budget).length / rs.length);
  // The area under the normalised best-so-far curve (metrics.ts), which a plateau just under 95% does not flip.
  for (const k of [...new Set([Math.min(64, budget), budget])]) row[`mean_best_so_far_${k}`] = round(median(rs.map((r) => meanBestSoFar(r.per_trial, bestKnownOf(r.spec), k))));
  row.median_wall_s = round(median(rs.map((r) => r.wall_s)), 1);
  table[v] = row;
  for (const w of set.workloads) {
    const ws = rs.filter((r) => r.workload === w.name);
    if (ws.length === 0) continue;
    perWorkload[w.name] ??= {};
    perWorkload[w.name][v] = {
      ...Object.fromEntries(LEVELS.map((f) => [`trials_to_${Math.round(f * 100)}`, median(ws.map((r) => trialsTo(r, f, bestKnownOf(r.spec))))])),
      final_gflops: round(median(ws.map((r) => r.best_gflops ?? 0)), 2),
    };
  }
}

// 3b. The RL tuner's held-out checks (with --prior-workloads and an RL strategy).
// Zero-shot: the best of a run's first batch (its first 8 proposals, before any measurement of this workload has
// refitted anything) as a fraction of best-known. Its baseline replays the training workloads' best configs on the
// held-out shape: the 8 configs whose GFLOP/s is the largest fraction of their own workload's best (this machine's
// records of the prior workloads in the same space), skipping those not valid on the held-out shape, measured
// once (served from the records when measured before).
const RL = ['grpo', 'ppo'].filter((s) => strategies.includes(s));
const firstBatchBest = (r: RunRecord) => Math.max(0, ...r.per_trial.slice(0, BATCH).map((g) => g ?? 0));
const replay: Record<string, { configs: number[]; best_gflops: number; fraction_of_best_known: number }> = {};
if (priorWorkloads && RL.length > 0) {
  const priorSet = new Set(priorWorkloads);
  // This machine's working records of the prior workloads, by spec (read once for all held-out workloads).
  const priorRows = new Map<string, { space: string; index: number; g: number }[]>();
  for (const r of db.allResults()) {
    if (r.machine !== machine || !priorSet.has(r.spec) || r.ok !== 1 || !r.gflops) continue;
    let g = priorRows.get(r.spec);
    if (!g) priorRows.set(r.spec, (g = []));
    g.push({ space: r.space, index: r.config_index, g: r.gflops });
  }
  for (const w of set.workloads) {
    const task = tasks.get(w.spec)!;
    const ranked: { index: number; frac: number }[] = [];
    for (const all of priorRows.values()) {
      const rows = all.filter((x) => x.space === task.spaceId);
      if (rows.length === 0) continue;
      const top = Math.max(...rows.map((x) => x.g));
      for (const x of rows) ranked.push({ index: x.index, frac: x.g / top });
    }
    ranked.sort((a, b) => b.frac - a.frac || a.index - b.index);
    const picked: number[] = [];
    for (const { index } of ranked) {
      if (picked.length === BATCH) break;
      if (!picked.includes(index) && index < task.space.size && task.space.isValid(task.space.config(index))) picked.push(index);
    }
    if (picked.length === 0) continue;
    const measurer = new Measurer(task, { workDir: work, db, machine, runnerCore, runId: 'bench-tuners:replay-top8', run: RUN });
    const res = await measurer.measure(picked);
    const best = Math.max(0, ...res.map((x) => (x.ok ? x.gflops ?? 0 : 0)));
    replay[w.name] = { configs: picked, best_gflops: round(best, 2), fraction_of_best_known: round(best / bestKnownOf(w.spec)) };
    log(`replay of the training workloads' top 8 on ${w.name}: ${best.toFixed(1)} GFLOP/s`);
  }
}
// The same first batch from a cold policy (no pretraining, the same transfer prior of the cost model and the
// same walks on it): what the pretrained policy itself adds to the zero-shot result.
const coldFirst: Record<string, { first8_fraction_of_best_known: number; per_workload: Record<string, number> }> = {};
if (priorWorkloads) {
  for (const strategy of RL) {
    const fr: number[] = [];
    const perW: Record<string, number> = {};
    for (const w of set.workloads) {
      const task = tasks.get(w.spec)!;
      const prior = priorSamples(db, machine, task, { only: priorWorkloads });
      const ws: number[] = [];
      for (const seed of seeds) {
        const measurer = new Measurer(task, { workDir: work, db, machine, runnerCore, runId: `bench-tuners:cold-first8:${strategy}:${seed}`, run: RUN });
        const tuner = createTuner(strategy, task, seed, { machine: costMachine(task.space.target, probe, caches), prior, policy: { defaultPolicy: false, ...rlOptions }, log: () => {} }) as PolicyTuner;
        const per: number[] = [];
        await tune(task, tuner, measurer, { trials: Math.min(BATCH, budget), batch: BATCH, verifyTop: 0, onResults: (rs) => rs.forEach((x) => per.push(x.ok ? x.gflops ?? 0 : 0)) });
        tuner.dispose();
        ws.push(Math.max(0, ...per) / bestKnownOf(w.spec));
      }
      fr.push(...ws);
      perW[w.name] = round(median(ws));
    }
    coldFirst[strategy] = { first8_fraction_of_best_known: round(median(fr)), per_workload: perW };
    log(`${strategy} from a cold policy, first batch: ${coldFirst[strategy].first8_fraction_of_best_known} of best-known`);
  }
}
const policyMetaFile = policyDir ? join(resolve(policyDir), 'policy.json') : '';
const policyTrainS = policyMetaFile && existsSync(policyMetaFile) ? (JSON.parse(readFileSync(policyMetaFile, 'utf8')).train_s as number | undefined) ?? null : null;
const zeroShot: Record<string, unknown> = {};
for (const v of variantsAll) {
  const rs = runs.filter((r) => variant(r) === v);
  const fr = rs.map((r) => firstBatchBest(r) / bestKnownOf(r.spec));
  const perW: Record<string, number> = {};
  for (const w of set.workloads) {
    const ws = rs.filter((r) => r.workload === w.name);
    if (ws.length) perW[w.name] = round(median(ws.map((r) => firstBatchBest(r) / bestKnownOf(r.spec))));
  }
  zeroShot[v] = { first8_fraction_of_best_known: round(median(fr)), per_workload: perW };
}
const replayMedian = Object.keys(replay).length ? round(median(Object.values(replay).map((x) => x.fraction_of_best_known))) : null;
for (const v of variantsAll) {
  const row = table[v];
  const z = zeroShot[v] as { first8_fraction_of_best_known: number };
  row.first8_fraction_of_best_known = z.first8_fraction_of_best_known;
  // Wall time of a run plus, for the RL strategies started from a pretrained policy, that policy's training time.
  const rl = RL.some((s) => v.startsWith(s));
  if (rl && policyTrainS !== null) row.policy_pretrain_s = policyTrainS;
  row.median_wall_s_with_pretraining = round(row.median_wall_s + (rl && policyTrainS !== null ? policyTrainS : 0), 1);
}

// 4. Spaces: size, valid and kept shares, the share within 95% of best-known (from the random runs).
const spaces: Record<string, unknown> = {};
for (const w of set.workloads) {
  const task = tasks.get(w.spec)!;
  const st = new Pruner(task, cacheInfo(caches)).stats(task.space.size > 2e6 ? { sample: 200_000, seed: 1 } : undefined);
  const samples = runs.filter((r) => r.workload === w.name && r.strategy === 'random').flatMap((r) => r.per_trial);
  const bkG = bestKnownOf(w.spec);
  const bestTrial = Math.max(0, ...runs.filter((r) => r.workload === w.name).flatMap((r) => r.per_trial.map((g) => g ?? 0)));
  spaces[w.name] = {
    spec: task.spec, space: task.spaceId, size: task.space.size, valid: st.valid, kept_after_pruning: st.kept, pruned_fraction: round(st.prunedFraction, 4),
    best_known_gflops: bkG,
    // A check on the freeze: best-known against the best single-trial timing of any run. Far below 1 means the
    // re-measurements ran slower than the trials did (a slow period of the machine), not a winner's curse alone.
    best_trial_gflops: round(bestTrial, 2),
    best_known_over_best_trial: round(bkG / Math.max(1e-9, bestTrial)),
    random_samples: samples.length,
    within_95_of_best_known: samples.length ? round(samples.filter((g) => g !== null && g >= 0.95 * bkG).length / samples.length, 4) : null,
  };
}

// 5. Ranking quality of the cost model's levels on held-out configs.
function rankingQuality() {
  const cands = set.workloads.map((w) => ({ w, n: db.recordedConfigs(tasks.get(w.spec)!.spec, machine, tasks.get(w.spec)!.spaceId).size })).sort((a, b) => b.n - a.n);
  const out: Record<string, unknown>[] = [];
  for (const { w } of cands.filter((c) => featureFamily(tasks.get(c.w.spec)!) === 'gemm').slice(0, quick ? 1 : 3)) {
    const task = tasks.get(w.spec)!;
    // The random runs' configs: a uniform sample of the valid space, as measured.
    const rows = [...db.recordedConfigs(task.spec, machine, task.spaceId).values()].filter((r) => /^bench-tuners:(off|on):random:/.test(r.run_id ?? ''));
    if (rows.length < (quick ? 8 : 200)) continue;
    const rng = new Rng(7);
    const order = rows.map((r) => ({ r, u: rng.random() })).sort((a, b) => a.u - b.u).map((x) => x.r);
    const train = order.slice(0, Math.floor(order.length / 2)), test = order.slice(Math.floor(order.length / 2));
    const cm = costMachine(task.space.target, probe, caches);
    const model = new LearnedCostModel('gemm', cm, { seed: 1 });
    model.add(train.map((r) => ({ task, index: r.config_index, gflops: r.ok ? r.gflops : null })));
    // Online training refits after every batch of 8; the equivalent here: one fit per 8 records.
    for (let i = 0; i < Math.ceil(train.length / BATCH); i++) model.fit();
    if (!model.ready) {
      out.push({ workload: w.name, measured: rows.length, skipped: `too few working records to train (${train.length})` });
      model.dispose();
      continue;
    }
    const truth = test.map((r) => (r.ok && r.gflops ? r.gflops : -Infinity));
    const learned = model.predict(task, test.map((r) => r.config_index));
    const level0 = test.map((r) => Math.log(analytic(task, r.config_index, cm).gflops));
    const k10 = Math.max(1, Math.round(test.length * 0.1));
    const ok = truth.map((t, i) => ({ t, i })).filter((x) => x.t > -Infinity).map((x) => x.i);
    out.push({
      workload: w.name, measured: rows.length, train: train.length, held_out: test.length,
      learned: { recall_top10_in_top10pct: round(recallAtK(learned, truth, 10, k10)), spearman: round(spearman(ok.map((i) => learned[i]), ok.map((i) => truth[i]))) },
      analytic: { recall_top10_in_top10pct: round(recallAtK(level0, truth, 10, k10)), spearman: round(spearman(ok.map((i) => level0[i]), ok.map((i) => truth[i]))) },
    });
    model.dispose();
  }
  return out;
}
const ranking = rankingQuality();

const modelBased = strategies.filter((s) => MODEL_BASED.has(s));
const randomT95 = table.random?.trials_to_95;
const bestMB = modelBased.map((s) => ({ s, t: table[s]?.trials_to_95 ?? Infinity })).sort((a, b) => a.t - b.t)[0];
const bestMBt = modelBased.map((s) => ({ s: `${s}+transfer`, t: table[`${s}+transfer`]?.trials_to_95 ?? Infinity })).filter((x) => Number.isFinite(x.t)).sort((a, b) => a.t - b.t)[0];
const transferCmp = modelBased.filter((s) => table[s] && table[`${s}+transfer`]).map((s) => ({ strategy: s, without: table[s].trials_to_95, with: table[`${s}+transfer`].trials_to_95 }));
/** The RL tuner's acceptance: trials to 95% against the best traditional strategy, and the zero-shot checks. */
function rlAcceptance() {
  // The fastest to 95% of `names` in a row of medians (the table, or one workload's row).
  const pick = (names: string[], row: Record<string, Record<string, number>> = table) =>
    names.map((s) => ({ s, t: row[s]?.trials_to_95 ?? Infinity })).filter((x) => Number.isFinite(x.t)).sort((a, b) => a.t - b.t)[0] ?? null;
  // The same prior for all: the transfer-on variant of each model-based strategy when it ran, else the plain one.
  const withPrior = (s: string) => (table[`${s}+transfer`] ? `${s}+transfer` : s);
  const rlNames = RL.map(withPrior), tradNames = ['anneal', 'evolve'].filter((s) => strategies.includes(s)).map(withPrior);
  const rl = pick(rlNames);
  const trad = pick(tradNames);
  const bestZero = rlNames.filter((v) => table[v]).map((v) => ({ v, f: table[v].first8_fraction_of_best_known })).sort((a, b) => b.f - a.f)[0] ?? null;
  const cold = bestZero ? coldFirst[bestZero.v.replace('+transfer', '')] ?? null : null;
  // Per workload (medians over seeds): the fastest RL variant against the fastest traditional one. A workload where
  // the traditional strategy needs 1 trial cannot have the RL one at half of it.
  const perW: Record<string, { rl: string; rl_trials_to_95: number; traditional: string; traditional_trials_to_95: number; ratio: number }> = {};
  for (const [w, row] of Object.entries(perWorkload)) {
    const r = pick(rlNames, row), t = pick(tradNames, row);
    if (r && t) perW[w] = { rl: r.s, rl_trials_to_95: r.t, traditional: t.s, traditional_trials_to_95: t.t, ratio: round(r.t / t.t) };
  }
  return {
    best_rl: rl?.s ?? null,
    rl_trials_to_95: rl?.t ?? null,
    best_traditional: trad?.s ?? null,
    traditional_trials_to_95: trad?.t ?? null,
    rl_at_most_half_of_best_traditional: rl && trad ? rl.t <= trad.t / 2 : null,
    per_workload_rl_vs_traditional_95: perW,
    rl_at_most_half_on: Object.keys(perW).filter((w) => perW[w].ratio <= 0.5),
    rl_not_slower_on: Object.keys(perW).filter((w) => perW[w].ratio <= 1),
    half_unattainable_on: Object.keys(perW).filter((w) => perW[w].traditional_trials_to_95 < 2),
    zero_shot_best_rl: bestZero?.v ?? null,
    zero_shot_first8_fraction: bestZero?.f ?? null,
    zero_shot_at_least_80pct: bestZero ? bestZero.f >= 0.8 : null,
    replay_top8_fraction: replayMedian,
    zero_shot_beats_replay: bestZero && replayMedian !== null ? bestZero.f > replayMedian : null,
    // The ablation: the same strategy's first batch from a cold policy (no pretraining).
    zero_shot_cold_first8_fraction: cold?.first8_fraction_of_best_known ?? null,
    zero_shot_pretrained_beats_cold: bestZero && cold ? bestZero.f > cold.first8_fraction_of_best_known : null,
  };
}
const result = {
  benchmark: 'tuners',
  date: new Date().toISOString(),
  quick,
  workload_set: set.name,
  machine: { ...machineInfo(), probe, fingerprint: machine },
  settings: { trials: budget, batch: BATCH, seeds, strategies, transfer: transferModes, prior_workloads: priorWorkloadsFile || null, policy: policyDir || null, rl_options: rlOptions, paired, policy_train_s: policyTrainS, db: dbPath.startsWith(repo) ? dbPath.slice(repo.length + 1) : dbPath, best_known: bestKnownPath.startsWith(repo) ? bestKnownPath.slice(repo.length + 1) : bestKnownPath },
  wall_s: round((performance.now() - t0) / 1000, 1),
  table,
  per_workload: perWorkload,
  spaces,
  ranking_quality: ranking,
  acceptance: {
    best_model_based: bestMB?.s ?? null,
    model_based_trials_to_95: bestMB?.t ?? null,
    random_trials_to_95: randomT95 ?? null,
    model_based_at_most_third_of_random: bestMB && randomT95 !== undefined ? bestMB.t <= randomT95 / 3 : null,
    // With transfer on for every strategy (random uses no prior data, so its runs are the same).
    best_model_based_with_transfer: bestMBt?.s ?? null,
    model_based_with_transfer_trials_to_95: bestMBt?.t ?? null,
    model_based_with_transfer_at_most_third_of_random: bestMBt && randomT95 !== undefined ? bestMBt.t <= randomT95 / 3 : null,
    learned_recall_better_than_analytic: ranking.some((r) => r.learned) ? ranking.filter((r) => r.learned).every((r) => (r.learned as { recall_top10_in_top10pct: number }).recall_top10_in_top10pct > (r.analytic as { recall_top10_in_top10pct: number }).recall_top10_in_top10pct) : null,
    learned_recall_better_than_analytic_on: ranking.filter((r) => r.learned && (r.learned as { recall_top10_in_top10pct: number }).recall_top10_in_top10pct > (r.analytic as { recall_top10_in_top10pct: number }).recall_top10_in_top10pct).map((r) => r.workload),
    learned_spearman_better_than_analytic_on: ranking.filter((r) => r.learned && (r.learned as { spearman: number }).spearman > (r.analytic as { spearman: number }).spearman).map((r) => r.workload),
    transfer: transferCmp.map((t) => ({ ...t, fewer_trials_with_transfer: t.with < t.without })),
    ...(RL.length > 0 ? rlAcceptance() : {}),
  },
  zero_shot: RL.length > 0 ? { first_batch: zeroShot, replay_top8: replay, replay_median_fraction_of_best_known: replayMedian, cold_policy_first_batch: coldFirst } : undefined,
  runs: runs.map(({ per_trial, ...r }) => ({ ...r, per_trial: per_trial.map((g) => (g === null ? null : round(g, 2))) })),
};
if (record) {
  const day = result.date.slice(0, 10);
  const outDir = join(repo, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const stem = tag ? `tuners-${tag}-${day}` : `tuners-${day}`;
  writeFileSync(join(outDir, `${stem}.json`), JSON.stringify(result, null, 1) + '\n');
  writeFileSync(join(outDir, `${stem}.svg`), renderChart(result.runs, set.workloads.map((w) => w.name), (name) => bestKnownOf(set.workloads.find((w) => w.name === name)!.spec), budget));
}
db.close();
console.log(JSON.stringify({ ...result, runs: quick ? result.runs : `${result.runs.length} runs (in the recorded file)` }));
