/**
 * bench/tuners/pooled: the RL tuner's held-out results pooled over sets, and how much they move with best-known (the
 * pooled numbers the README cites). Per strategy, the median over every run of the given recorded results (default:
 * every bench/results/tuners-rl*.json) of
 *   - the trials to 95% of bench/results/best-known.json scaled by 0.98, 1 and 1.02;
 *   - the mean best-so-far fraction of best-known over the first 16, 64 and 256 trials (the area under the
 *     normalised curve, which a plateau just under the 95% line does not flip);
 *   - the trials to 95% of the best single trial that any run of the same set recorded for the workload
 *     (`trials_to_95_of_best_trial`): best-known is a 20-run re-measurement, a trial is one measurement, and on a
 *     noisy machine the best of thousands of single measurements sits well above any re-measurement of them (the
 *     winner's curse), which puts best-known's 95% line within reach of a lucky first trial. This basis compares
 *     trials with trials (and is as optimistic as the luckiest trial).
 * It reads recorded files only (nothing is tuned or measured). Prints one JSON object.
 *
 *   node dist/bench/tuners/pooled.js [results.json ...] [--best-known FILE]      (npm run bench:pooled)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchArgs } from '../util/args.js';
import { median, round } from '../util/stats.js';
import { meanBestSoFar, trialsTo } from './metrics.js';

interface RecordedRun {
  workload: string;
  spec: string;
  strategy: string;
  trials: number;
  per_trial: (number | null)[];
}
interface PooledRun extends RecordedRun {
  best_known: number;
  best_trial: number;
  file: string;
}

const results = fileURLToPath(new URL('../../../bench/results/', import.meta.url));
const { values, positionals } = benchArgs(
  'bench/tuners/pooled',
  { 'best-known': { type: 'string' } },
  { positionals: true },
);
const files =
  positionals.length > 0
    ? positionals.map((f) => resolve(f))
    : readdirSync(results)
        .filter((f) => /^tuners-rl.*\.json$/.test(f))
        .sort()
        .map((f) => join(results, f)); // every recorded held-out set
const bk = (
  JSON.parse(readFileSync(values['best-known'] ?? join(results, 'best-known.json'), 'utf8')) as {
    entries: Record<string, { gflops: number }>;
  }
).entries;
const names = files.map((f) => f.replace(/.*\//, ''));

const runs: PooledRun[] = [];
for (const [i, f] of files.entries()) {
  const d = JSON.parse(readFileSync(f, 'utf8')) as { machine: { fingerprint: string }; runs: RecordedRun[] };
  const bestTrial = new Map<string, number>();
  for (const r of d.runs)
    for (const g of r.per_trial) if (g !== null && g > (bestTrial.get(r.spec) ?? 0)) bestTrial.set(r.spec, g);
  for (const r of d.runs) {
    const e = bk[`${d.machine.fingerprint}|${r.spec}`];
    if (!e) throw new Error(`no best-known for ${r.spec} on machine ${d.machine.fingerprint}`);
    runs.push({ ...r, best_known: e.gflops, best_trial: bestTrial.get(r.spec)!, file: names[i] });
  }
}
const strategies = [...new Set(runs.map((r) => r.strategy))];
/** Per strategy, the median of `f` over the runs of that strategy that `keep` lets through. */
const perStrategy = (f: (r: PooledRun) => number, keep: (r: PooledRun) => boolean = () => true) =>
  Object.fromEntries(strategies.map((s) => [s, median(runs.filter((r) => r.strategy === s && keep(r)).map(f))]));
const t95best = (r: PooledRun) => trialsTo(r.per_trial, 0.95 * r.best_trial, r.trials);

const out = {
  files: names,
  runs: runs.length,
  trials_to_95: Object.fromEntries(
    [0.98, 1, 1.02].map((scale) => [
      `best_known_x${scale}`,
      perStrategy((r) => trialsTo(r.per_trial, 0.95 * scale * r.best_known, r.trials)),
    ]),
  ),
  mean_best_so_far: Object.fromEntries(
    [16, 64, 256].map((k) => [
      `first_${k}`,
      Object.fromEntries(
        Object.entries(perStrategy((r) => meanBestSoFar(r.per_trial, r.best_known, k))).map(([s, x]) => [s, round(x)]),
      ),
    ]),
  ),
  trials_to_95_of_best_trial: {
    all: perStrategy(t95best),
    ...Object.fromEntries(names.map((f) => [f, perStrategy(t95best, (r) => r.file === f)])),
  },
};
console.log(JSON.stringify(out, null, 1));
