#!/usr/bin/env node
/**
 * The RL tuner's held-out results pooled over sets, and how much they move with best-known: per strategy, the
 * median over every run of the given recorded results (default: every bench/results/tuners-rl*.json) of
 *   - the trials to 95% of bench/results/best-known.json scaled by 0.98, 1 and 1.02;
 *   - the mean best-so-far fraction of best-known over the first 16, 64 and 256 trials (the area under the
 *     normalised curve, which a plateau just under the 95% line does not flip);
 *   - the trials to 95% of the best single trial that any run of the same set recorded for the workload
 *     (`trials_to_95_of_best_trial`): best-known is a 20-run re-measurement, a trial is one measurement, and on a
 *     noisy machine the best of thousands of single measurements sits well above any re-measurement of them (the
 *     winner's curse), which puts best-known's 95% line within reach of a lucky first trial. This basis compares
 *     trials with trials (and is as optimistic as the luckiest trial).
 * The metrics are bench/tuners/metrics.ts's (the built copy: run `npm run build` first). Prints one JSON object.
 *
 *   node scripts/heldout-pooled.mjs [results.json ...]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { meanBestSoFar, median, trialsTo } from '../dist/bench/tuners/metrics.js';

const results = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'results');
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2)
  : readdirSync(results).filter((f) => /^tuners-rl.*\.json$/.test(f)).sort().map((f) => join(results, f)); // every recorded held-out set
const bk = JSON.parse(readFileSync(join(results, 'best-known.json'), 'utf8')).entries;
const names = files.map((f) => f.replace(/.*\//, ''));
const out = { files: names, runs: 0, trials_to_95: {}, mean_best_so_far: {}, trials_to_95_of_best_trial: {} };
const runs = [];
for (const [i, f] of files.entries()) {
  const d = JSON.parse(readFileSync(f, 'utf8'));
  const bestTrial = new Map();
  for (const r of d.runs) for (const g of r.per_trial) if (g !== null && g > (bestTrial.get(r.spec) ?? 0)) bestTrial.set(r.spec, g);
  for (const r of d.runs) {
    const e = bk[`${d.machine.fingerprint}|${r.spec}`];
    if (!e) throw new Error(`no best-known for ${r.spec} on machine ${d.machine.fingerprint}`);
    runs.push({ ...r, best_known: e.gflops, best_trial: bestTrial.get(r.spec), file: names[i] });
  }
}
out.runs = runs.length;
const strategies = [...new Set(runs.map((r) => r.strategy))];
for (const scale of [0.98, 1, 1.02]) {
  out.trials_to_95[`best_known_x${scale}`] = Object.fromEntries(strategies.map((s) => [s,
    median(runs.filter((r) => r.strategy === s).map((r) => trialsTo(r.per_trial, 0.95 * scale * r.best_known, r.trials)))]));
}
for (const k of [16, 64, 256]) {
  out.mean_best_so_far[`first_${k}`] = Object.fromEntries(strategies.map((s) => [s,
    Math.round(1000 * median(runs.filter((r) => r.strategy === s).map((r) => meanBestSoFar(r.per_trial, r.best_known, k)))) / 1000]));
}
const t95best = (rs) => median(rs.map((r) => trialsTo(r.per_trial, 0.95 * r.best_trial, r.trials)));
out.trials_to_95_of_best_trial.all = Object.fromEntries(strategies.map((s) => [s, t95best(runs.filter((r) => r.strategy === s))]));
for (const f of out.files) {
  out.trials_to_95_of_best_trial[f] = Object.fromEntries(strategies.map((s) => [s, t95best(runs.filter((r) => r.strategy === s && r.file === f))]));
}
console.log(JSON.stringify(out, null, 1));
