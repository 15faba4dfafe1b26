#!/usr/bin/env node
/**
 * The tuner part of `npm run demo`: tunes one workload with the RL tuner (`grpo`, starting from the package's
 * default policy) and with random search, the same trial budget and seed, and prints both tuning curves side by
 * side (best GFLOP/s so far against trials) with a text chart.
 *
 *   node scripts/demo-tuner.mjs [--spec SPEC] [--trials N] [--seed S] [--db FILE]
 *
 * Both runs use one database (default runs/demo-tuner.db): a config one run measured is served to the other
 * from the records and still counts as its trial, and a second demo replays without measuring.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { spec: { type: 'string' }, trials: { type: 'string' }, seed: { type: 'string' }, db: { type: 'string' } },
});
const spec = values.spec ?? 'gemm:M=16,N=1024,K=1024,epilogue=bias+gelu';
const trials = Number(values.trials ?? 48);
const seed = values.seed ?? '1';
if (!Number.isSafeInteger(trials) || trials < 8)
  throw new RangeError(`--trials must be an integer >= 8, got ${JSON.stringify(values.trials)}`);
const db = resolve(values.db ?? join(repo, 'runs', 'demo-tuner.db'));
mkdirSync(dirname(db), { recursive: true });

function tuneOp(strategy) {
  process.stderr.write(`[demo] rltune tune op ${spec} --strategy ${strategy} --trials ${trials} --seed ${seed}\n`);
  const outText = execFileSync(
    process.execPath,
    [
      join(repo, 'bin', 'rltune'),
      'tune',
      'op',
      spec,
      '--strategy',
      strategy,
      '--trials',
      String(trials),
      '--seed',
      seed,
      '--db',
      db,
      '--verify-top',
      '0',
      '--json',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(outText.trim().split('\n').pop());
}

const runs = [tuneOp('grpo'), tuneOp('random')];
const names = ['grpo', 'random'];
const marks = ['#', '.'];
/** Best GFLOP/s after each trial (0 before the first correct one). */
const series = runs.map((r) => {
  const s = new Array(trials).fill(0);
  for (const [t, g] of r.curve) for (let i = t - 1; i < trials; i++) s[i] = Math.max(s[i], g);
  return s;
});
const top = Math.max(...series.flat());
const lowest = Math.min(...series.map((s) => s.find((g) => g > 0) ?? top));
const rows = 12,
  lo = Math.max(0, lowest * 0.95),
  hi = top * 1.01;
const grid = Array.from({ length: rows }, () => new Array(trials).fill(' '));
series.forEach((s, k) =>
  s.forEach((g, t) => {
    if (g <= 0) return;
    const y = Math.min(rows - 1, Math.max(0, Math.round(((g - lo) / (hi - lo)) * (rows - 1))));
    if (grid[rows - 1 - y][t] === ' ' || k === 0) grid[rows - 1 - y][t] = marks[k];
  }),
);
const lines = [
  `\nTuning ${spec}: best GFLOP/s so far against trials (${marks[0]} grpo from the default policy, ${marks[1]} random search)`,
];
grid.forEach((row, i) => {
  const v = hi - (i / (rows - 1)) * (hi - lo);
  lines.push(`${v.toFixed(1).padStart(7)} |${row.join('')}`);
});
lines.push(`${''.padStart(7)} +${'-'.repeat(trials)}`);
lines.push(`${''.padStart(9)}1${' '.repeat(Math.max(0, trials - 1 - String(trials).length))}${trials}  trials`);
lines.push('');
const at = [1, 2, 4, 8, 16, 32, trials].filter((t, i, a) => t <= trials && a.indexOf(t) === i);
lines.push(`${'after trial'.padEnd(12)}${at.map((t) => String(t).padStart(8)).join('')}`);
series.forEach((s, k) =>
  lines.push(`${names[k].padEnd(12)}${at.map((t) => s[t - 1].toFixed(1).padStart(8)).join('')}`),
);
runs.forEach((r, k) =>
  lines.push(
    `${names[k]}: best ${r.best_gflops?.toFixed(1)} GFLOP/s, ${r.measured} measured now, ${r.wall_s} s${r.cost_model?.policy_from ? ` (policy ${r.cost_model.policy_from.replace(repo + '/', '')})` : ''}`,
  ),
);
process.stdout.write(lines.join('\n') + '\n');
