/**
 * bench/tuners/exhaustive: measures every valid config of a small sub-space of one GEMM workload on this
 * machine and writes the fixture of the pruning test (test/tune_prune.test.ts checks that no static pruning
 * rule of space/prune.ts discards a config of the measured top 5%). Prints one JSON object (a summary).
 *
 *   node dist/bench/tuners/exhaustive.js [--out test/fixtures/prune-exhaustive.json] [--rounds N] [--quick]
 *
 * The sub-space is a cartesian product of knob values of the default GEMM space, chosen on a ragged shape
 * (the tiles do not divide M or N) so that every GEMM rule fires on some of its configs: mr = 2 (too few
 * accumulators), nv = 4 (a whole vector of padding for N = 40), mr = 14, 16 with mcPanels = 48 and kc >= 384
 * (an A block beyond the 1 MiB L2 of the machine it was recorded on), ncPanels 4 (one column block when
 * NR >= 40: the same loop nest as ncPanels 1), innerOrder 1 (the same as 0 with one micro-tile column or row).
 * Indices are those of the full default space.
 *
 * Measurement: unlike the tuning loop (which compiles on one core while it times on the other), every config
 * is built first, then timed with nothing compiling, in `--rounds` (default 3) interleaved rounds (config
 * order shuffled per round) with the default run settings of `rltune tune op`; a config's gflops is the median
 * of its rounds. On the 2-core VM this was recorded on, the tuning loop's measurements of two configs that run
 * the same loop nest differed by up to 4x; this way they agree within a few %. The machine should be otherwise
 * idle. --quick measures a few configs only and writes nothing (a smoke run).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/rl/core/rng.js';
import { Builder } from '../../src/tune/measure/builder.js';
import { dataFile } from '../../src/tune/measure/data.js';
import { hostMachine } from '../../src/tune/measure/machine.js';
import { DEFAULT_RUN_SETTINGS, Runner } from '../../src/tune/measure/runner.js';
import type { GemmConfig } from '../../src/tune/space/gemm_space.js';
import { cacheInfo } from '../../src/tune/space/prune.js';
import { targetCFlags } from '../../src/tune/space/target.js';
import { createTask } from '../../src/tune/task/task.js';
import { machineInfo } from '../machine.js';
import { benchArgs, intFlag } from '../util/args.js';
import { median } from '../util/stats.js';

export const SPEC = 'gemm:M=700,N=40,K=400';
export const SUB_SPACE: Record<keyof GemmConfig, number[]> = {
  mr: [2, 4, 8, 14, 16],
  nv: [1, 2, 3, 4],
  kc: [128, 384, 512],
  mcPanels: [8, 48],
  ncPanels: [1, 4],
  unroll: [4],
  prefetch: [8],
  loopOrder: [0],
  innerOrder: [0, 1],
  bcast: [0],
  pipeline: [0],
  packB: [0],
  par: [0],
};

const { values, quick, record } = benchArgs('bench/tuners/exhaustive', {
  out: { type: 'string' },
  rounds: { type: 'string' },
});
if (record)
  throw new RangeError(
    "bench/tuners/exhaustive writes the pruning test's fixture (--out), nothing in bench/results: it has no --record",
  );
const outArg = values.out;
const rounds = intFlag('rounds', values.rounds, quick ? 1 : 3);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const outPath = outArg ? resolve(outArg) : join(root, 'test', 'fixtures', 'prune-exhaustive.json');
const round3 = (x: number) => Math.round(x * 1000) / 1000;

const task = createTask(SPEC);
const names = Object.keys(SUB_SPACE) as (keyof GemmConfig)[];
let configs: GemmConfig[] = [{} as GemmConfig];
for (const k of names) configs = configs.flatMap((c) => SUB_SPACE[k].map((v) => ({ ...c, [k]: v })));
const valid = configs.filter((c) => task.space.isValid(c));
const indices = valid.map((c) => task.space.index(c));
const todo = quick ? indices.slice(0, 4) : indices;

const dir = mkdtempSync(join(tmpdir(), 'rltune-exhaustive-'));
const cores = availableParallelism();
const t0 = performance.now();
const builder = new Builder({
  workDir: dir,
  cores: Array.from({ length: cores }, (_, i) => i),
  parallel: cores,
  timeoutMs: 120_000,
  flags: targetCFlags(task.space.target),
});
const built = await Promise.all(todo.map((i) => builder.build(task.source(i), false)));
const buildS = (performance.now() - t0) / 1000;
const runner = new Runner(dir, cores - 1, DEFAULT_RUN_SETTINGS);
const data = dataFile(dir, task.workload, 1);
const perRound: (number | null)[][] = todo.map(() => []);
const errors: (string | undefined)[] = todo.map((_, j) =>
  built[j].ok ? undefined : `${built[j].error!.kind}: ${built[j].error!.message.slice(0, 200)}`,
);
const rng = new Rng(1);
for (let r = 0; r < rounds; r++) {
  const order = todo.map((_, j) => j);
  for (let j = order.length - 1; j > 0; j--) {
    const k = rng.below(j + 1);
    [order[j], order[k]] = [order[k], order[j]];
  }
  let done = 0;
  for (const j of order) {
    if (errors[j] === undefined) {
      const res = await runner.run(built[j].libPath!, data, 1);
      if (res.ok) perRound[j].push(round3(task.flops / (res.ms!.median * 1e6)));
      else errors[j] = `${res.error!.kind}: ${res.error!.message.slice(0, 200)}`;
    }
    if (++done % 16 === 0) process.stderr.write(`\rround ${r + 1}/${rounds}: ${done}/${todo.length}`);
  }
}
process.stderr.write('\n');
const wallS = (performance.now() - t0) / 1000;
rmSync(dir, { recursive: true, force: true });

const measured = todo.map((index, j) => ({
  index,
  config: task.configJSON(index),
  gflops: errors[j] === undefined ? round3(median(perRound[j] as number[])) : null,
  rounds: perRound[j],
  ...(errors[j] !== undefined ? { error: errors[j] } : {}),
}));
/** The fixture as JSON with one measured config per line (a small, diffable file). */
function fixtureText(f: { measured: unknown[] }): string {
  const { measured: rows, ...meta } = f;
  return JSON.stringify(meta, null, 1).replace(
    /\n}$/,
    `,\n "measured": [\n${rows.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n ]\n}\n`,
  );
}
const t = task.space.target;
const fixture = {
  spec: task.spec,
  date: new Date().toISOString(),
  machine: hostMachine(),
  caches: cacheInfo(),
  lanes: t.lanes,
  target: { isa: t.isa, lanes: t.lanes, registers: t.registers },
  spaceId: task.spaceId,
  subSpace: SUB_SPACE,
  settings: { ...DEFAULT_RUN_SETTINGS, rounds, gflops: 'median of the rounds' },
  measured,
};
if (!quick) {
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, fixtureText(fixture));
}
const ok = measured.filter((m) => m.gflops !== null).sort((a, b) => b.gflops! - a.gflops!);
const spread = ok.map((m) => (Math.max(...(m.rounds as number[])) - Math.min(...(m.rounds as number[]))) / m.gflops!);
process.stdout.write(
  JSON.stringify({
    benchmark: 'tuners-exhaustive',
    date: fixture.date,
    quick,
    machine: machineInfo(),
    spec: task.spec,
    configs: configs.length,
    valid: valid.length,
    measured: measured.length,
    errors: measured.length - ok.length,
    rounds,
    build_s: Math.round(buildS * 10) / 10,
    wall_s: Math.round(wallS * 10) / 10,
    round_spread_median: spread.length ? round3(median(spread)) : null,
    best: ok[0] ?? null,
    median_gflops: ok.length ? ok[Math.floor(ok.length / 2)].gflops : null,
    fixture: quick ? null : outPath,
  }) + '\n',
);
