/**
 * bench/tuners/compare: the benchmark of search strategies (the method every strategy is judged by, the RL
 * tuner's included). Prints one JSON object; --record also writes it to bench/results/tuners-<date>.json with a
 * chart (tuners-<date>.svg) beside it.
 *
 *   node dist/bench/tuners/compare.js [--workloads bench/tuners/workloads-v1.json] [--strategies random,anneal,evolve]
 *        [--seeds 1,2,3] [--trials 256] [--transfer off,on] [--db bench/.data/tuners.db] [--record] [--quick]
 *        [--prior-workloads FILE] [--policy DIR|cold] [--tag NAME] [--rl-options JSON] [--paired] [--refreeze]
 *        [--best-known FILE] [--replay-only [--replay-machine FINGERPRINT]] [--out FILE]
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
 *   strategies start from (without it they start from the package's default policy, or cold; `--policy cold`: from no
 *   policy, whole runs of the RL strategies without pretraining). --tag names the
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
 * - --replay-only: every trial is served from the records and nothing is measured (TuningSession's replayOnly); a
 *   config that is not recorded is an error. bench/tuners/replay.ts replays the recorded results this way.
 *   --replay-machine FINGERPRINT replays that machine's records with its caches (a result recorded on another
 *   machine of the same instruction set).
 * - --out FILE: the whole result, every run's trials included, also goes to FILE (what --record writes, anywhere).
 *
 * The parts: options.ts (arguments), runs.ts (the runs, through the TuningSession), freeze.ts (best-known),
 * heldout.ts (the held-out checks), ranking.ts (the cost model's ranking), report.ts (tables, verdicts, files).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TuningSession } from '../../src/tune/session.js';
import { machineInfo } from '../machine.js';
import { median, round } from '../util/stats.js';
import { checkTiming, bestKnownKey, freezeBestKnown } from './freeze.js';
import { coldFirstBatch, policyTrainS, replayTop8, rlOf, zeroShotOf } from './heldout.js';
import { BATCH, compareOptions } from './options.js';
import { rankingQuality } from './ranking.js';
import { acceptanceOf, addZeroShot, recordResult, rlAcceptanceOf, spacesOf, tablesOf } from './report.js';
import { runAll, tasksOf } from './runs.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'); // dist/bench/tuners -> repo

async function main(): Promise<void> {
  const o = compareOptions(process.argv.slice(2), repo);
  const log = (m: string) => process.stderr.write(`[bench:tuners] ${m}\n`);
  mkdirSync(dirname(o.dbPath), { recursive: true });
  // The session claims the runner's core at its first probe: this process's threads (search, cost models, SQLite)
  // stay off the kernels' core, as with `rltune tune op`.
  const session = TuningSession.open({
    db: o.dbPath,
    workDir: join(dirname(o.dbPath), 'build'),
    replayOnly: o.replayOnly,
    ...(o.replayMachine ? { replayMachine: o.replayMachine } : {}),
    log,
  });
  try {
    const probe = session.probe();
    const tasks = tasksOf(o);
    checkTiming(o, tasks, session.machine);
    const t0 = performance.now();
    const runs = await runAll(session, o, tasks, log);
    const bk = await freezeBestKnown(session, o, tasks, log);
    const bestKnownOf = (spec: string) => bk.entries[bestKnownKey(session.machine, tasks.get(spec)!.spec)].gflops;
    const { table, perWorkload } = tablesOf(o, runs, bestKnownOf);
    const rl = rlOf(o);
    const replay = await replayTop8(session, o, tasks, bestKnownOf, log);
    const cold = await coldFirstBatch(session, o, tasks, bestKnownOf, log);
    const trainS = policyTrainS(o);
    const zeroShot = zeroShotOf(o, runs, bestKnownOf);
    const replayMedian = Object.keys(replay).length
      ? round(median(Object.values(replay).map((x) => x.fraction_of_best_known)))
      : null;
    addZeroShot(table, zeroShot, rl, trainS);
    const spaces = spacesOf(session.caches, o, tasks, runs, bestKnownOf);
    const ranking = rankingQuality(session, o, tasks);
    const rel = (p: string) => (p.startsWith(repo) ? p.slice(repo.length + 1) : p);
    const result = {
      benchmark: 'tuners',
      date: new Date().toISOString(),
      quick: o.quick,
      workload_set: o.set.name,
      machine: { ...machineInfo(), probe, fingerprint: session.machine },
      settings: {
        trials: o.budget,
        batch: BATCH,
        seeds: o.seeds,
        strategies: o.strategies,
        transfer: o.transferModes,
        prior_workloads: o.priorWorkloadsFile || null,
        policy: o.policyDir || null,
        rl_options: o.rlOptions,
        gemm_space: o.gemmSpace,
        paired: o.paired,
        policy_train_s: trainS,
        db: rel(o.dbPath),
        best_known: rel(o.bestKnownPath),
        replay_only: o.replayOnly,
      },
      wall_s: round((performance.now() - t0) / 1000, 1),
      table,
      per_workload: perWorkload,
      spaces,
      ranking_quality: ranking,
      acceptance: {
        ...acceptanceOf(o, table, ranking),
        ...(rl.length > 0 ? rlAcceptanceOf(o, rl, table, perWorkload, replayMedian, cold) : {}),
      },
      zero_shot:
        rl.length > 0
          ? {
              first_batch: zeroShot,
              replay_top8: replay,
              replay_median_fraction_of_best_known: replayMedian,
              cold_policy_first_batch: cold,
            }
          : undefined,
      runs: runs.map(({ per_trial, ...r }) => ({
        ...r,
        per_trial: per_trial.map((g) => (g === null ? null : round(g, 2))),
      })),
    };
    if (o.record) recordResult(repo, o, result, bestKnownOf);
    if (o.out) writeFileSync(o.out, JSON.stringify(result, null, 1) + '\n');
    console.log(
      JSON.stringify({ ...result, runs: o.quick ? result.runs : `${result.runs.length} runs (in the recorded file)` }),
    );
  } finally {
    session.close();
  }
}

await main();
