#!/usr/bin/env node
/**
 * The RL tuner's held-out results pooled over sets, and how much they move with best-known: trials to 95% per
 * strategy, the median over every run of the given recorded results (bench/results/tuners-rl*.json), against
 * bench/results/best-known.json scaled by 0.98, 1 and 1.02. Prints one JSON object.
 *
 *   node scripts/heldout-pooled.mjs [results.json ...]
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const results = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'results');
const files = process.argv.slice(2).length > 0 ? process.argv.slice(2)
  : ['tuners-rl-2026-12-02.json', 'tuners-rl-decode-2026-12-02.json', 'tuners-rl-v3-2026-12-02.json'].map((f) => join(results, f));
const bk = JSON.parse(readFileSync(join(results, 'best-known.json'), 'utf8')).entries;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b), m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const out = { files: files.map((f) => f.replace(/.*\//, '')), runs: 0, trials_to_95: {} };
const runs = [];
for (const f of files) {
  const d = JSON.parse(readFileSync(f, 'utf8'));
  for (const r of d.runs) runs.push({ ...r, machine: d.machine.fingerprint });
}
out.runs = runs.length;
for (const scale of [0.98, 1, 1.02]) {
  const row = {};
  for (const s of [...new Set(runs.map((r) => r.strategy))]) {
    row[s] = median(runs.filter((r) => r.strategy === s).map((r) => {
      const e = bk[`${r.machine}|${r.spec}`];
      if (!e) throw new Error(`no best-known for ${r.spec} on machine ${r.machine}`);
      let best = -Infinity;
      for (let t = 0; t < r.per_trial.length; t++) {
        if (r.per_trial[t] !== null && r.per_trial[t] > best) best = r.per_trial[t];
        if (best >= 0.95 * scale * e.gflops) return t + 1;
      }
      return r.trials + 1;
    }));
  }
  out.trials_to_95[`best_known_x${scale}`] = row;
}
console.log(JSON.stringify(out, null, 1));
