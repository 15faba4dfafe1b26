import { test } from 'node:test';
import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder } from '../src/tune/measure/builder.js';
import { dataFile } from '../src/tune/measure/data.js';
import { hostMachine } from '../src/tune/measure/machine.js';
import { Measurer, RETRY_PAUSES_MS } from '../src/tune/measure/measurer.js';
import { Runner } from '../src/tune/measure/runner.js';
import { LocalTrials } from '../src/tune/measure/trials.js';
import { RecordsDB } from '../src/tune/records/db.js';
import { GridTuner } from '../src/tune/search/strategies/grid.js';
import { tune } from '../src/tune/search/loop.js';
import { targetCFlags } from '../src/tune/space/target.js';
import { createTask, referenceConfig, type TuningTask } from '../src/tune/task/task.js';

const FAST = { repeat: 3, minRepeatMs: 2, timeoutMs: 10_000 };
const work = mkdtempSync(join(tmpdir(), 'rltune-measure-'));

/** A valid config index of the task's space with these knobs. */
function configOf(task: TuningTask, knobs: Partial<Record<string, number>>): number {
  const base = {
    mr: 4,
    nv: 1,
    kc: 32,
    mcPanels: 2,
    ncPanels: 1,
    unroll: 2,
    prefetch: 0,
    loopOrder: 0,
    innerOrder: 0,
    bcast: 0,
    pipeline: 0,
    packB: 0,
    par: 0,
    ...knobs,
  };
  const i = task.space.index(base);
  assert.equal(task.space.invalidReason(task.space.config(i)), null);
  return i;
}

async function buildAndRun(task: TuningTask, source: string, timeoutMs = FAST.timeoutMs) {
  const b = new Builder({
    workDir: work,
    cores: [],
    parallel: 2,
    timeoutMs: 60_000,
    flags: targetCFlags(task.space.target),
  });
  const built = await b.build(source, task.workload.threads > 1);
  if (!built.ok) return { ok: false, error: built.error! };
  const r = new Runner(work, -1, { number: 0, flush: false, ...FAST, timeoutMs });
  return r.run(built.libPath!, dataFile(work, task.workload, 1), task.workload.threads);
}

test('generated GEMM and bmm kernels are correct on shapes the tiles do not divide, with every epilogue, transposes and loop order', async () => {
  const cases: [string, Partial<Record<string, number>>][] = [
    ['gemm:M=37,N=45,K=29', { mr: 6, nv: 2, kc: 32, unroll: 4, loopOrder: 1 }],
    ['gemm:M=37,N=45,K=29,epilogue=bias+gelu', { mr: 1, nv: 1, kc: 64, unroll: 8, innerOrder: 1, prefetch: 4 }],
    ['gemm:M=5,N=70,K=100,epilogue=bias+relu+residual', { mr: 8, nv: 1, kc: 32, mcPanels: 1, ncPanels: 4, unroll: 1 }],
    ['gemm:M=40,N=17,K=65,epilogue=silu', { mr: 2, nv: 4, kc: 32, unroll: 2, loopOrder: 1, innerOrder: 1 }],
    ['gemm:M=64,N=64,K=64,epilogue=residual+gelu,threads=2', { mr: 4, nv: 1, kc: 32, mcPanels: 2 }],
    // Batched GEMM with each layout of attention: Q.K^T (transB) and P.V, and a transposed A.
    ['bmm:B=3,M=37,N=29,K=21,transB=1', { mr: 6, nv: 2, kc: 32 }],
    ['bmm:B=2,M=20,N=33,K=40,transA=1,transB=1', { mr: 4, nv: 1, kc: 32, loopOrder: 1 }],
    ['bmm:B=2,M=17,N=50,K=36', { mr: 8, nv: 1, kc: 32, innerOrder: 1 }],
  ];
  for (const [spec, knobs] of cases) {
    const task = createTask(spec);
    const r = await buildAndRun(task, task.source(configOf(task, knobs)));
    assert.ok(r.ok, `${spec} ${JSON.stringify(knobs)}: ${JSON.stringify(r.error)}`);
  }
});

/** Planted bugs: each turns a correct kernel's source into a wrong one, and the kind it must be recorded as. */
const PLANTED: { name: string; kinds: string[]; mutate: (src: string) => string }[] = [
  // An off-by-one in the edge tiles: one row of each partial tile is never written (left NaN).
  {
    name: 'off-by-one tile',
    kinds: ['wrong-result'],
    mutate: (s) => s.replace('mc - ir < MR ? mc - ir : MR', 'mc - ir - 1 < MR ? mc - ir - 1 : MR'),
  },
  // A skipped store: the first vector of the first row of each full tile is never written on the first k block.
  {
    name: 'skipped store',
    kinds: ['wrong-result'],
    mutate: (s) => s.replace(/\n\s+"vmovups %%[yz]mm0, 0\(%\[t\]\)\\n\\t"/, '\n'),
  },
  // An uninitialized accumulator: C (NaN-filled by the harness) is accumulated into instead of overwritten.
  {
    name: 'uninitialized accumulator',
    kinds: ['wrong-result'],
    mutate: (s) => s.replaceAll('test %[first], %[first]', 'cmp %[first], %[first]'),
  },
  // A write past the end of C in the edge tiles (the epilogue runs 64 columns too far): the canaries see it.
  {
    name: 'out-of-bounds write',
    kinds: ['wrong-result'],
    mutate: (s) => s.replace('apply_epilogue(c, rows, cols, N_,', 'apply_epilogue(c, rows, cols + 64, N_,'),
  },
  {
    name: 'null dereference',
    kinds: ['crash'],
    mutate: (s) =>
      s.replace(
        'const float *A = in[0], *B = in[1];',
        'const float *A = in[0], *B = in[1]; *(volatile float *)0 = 1.f;',
      ),
  },
  {
    name: 'endless loop',
    kinds: ['run-timeout'],
    mutate: (s) =>
      s.replace(
        'const float *A = in[0], *B = in[1];',
        'const float *A = in[0], *B = in[1]; for (volatile int spin = 1; spin;) {}',
      ),
  },
  {
    name: 'syntax error',
    kinds: ['compile-error'],
    mutate: (s) => s.replace('int rltune_kernel(', 'int rltune_kernel((('),
  },
];

test('planted wrong kernels are recorded as wrong-result, crash, run-timeout or compile-error', async () => {
  const task = createTask('gemm:M=37,N=45,K=29,epilogue=bias');
  const src = task.source(configOf(task, { mr: 6, nv: 2, kc: 32 }));
  for (const p of PLANTED) {
    const bad = p.mutate(src);
    assert.notEqual(bad, src, `${p.name}: the mutation must change the source`);
    const r = await buildAndRun(task, bad, 1500);
    assert.equal(r.ok, false, `${p.name} passed as correct`);
    assert.ok(p.kinds.includes(r.error!.kind), `${p.name}: recorded as ${r.error!.kind} (${r.error!.message})`);
  }
});

test('tuning with planted wrong configs: they are recorded with their kind and never reported as best', async () => {
  const real = createTask('gemm:M=37,N=45,K=29');
  const db = new RecordsDB(join(work, 'planted.db'));
  const machine = db.addMachine(hostMachine());
  // The first 6 grid configs; the planted bugs (which skip work, so they would look fast) go into 4 of them.
  const grid = new GridTuner(real, 0).propose(6);
  const planted = new Map([
    [grid[0], PLANTED[0]],
    [grid[2], PLANTED[1]],
    [grid[3], PLANTED[2]],
    [grid[5], PLANTED[4]],
  ]);
  const task: TuningTask = {
    ...real,
    source: (i) => (planted.has(i) ? planted.get(i)!.mutate(real.source(i)) : real.source(i)),
  };
  const m = new Measurer(task, { workDir: work, db, machine, run: FAST });
  const r = await tune(task, new GridTuner(task, 0), m, { trials: 6 });
  assert.equal(r.trials, 6);
  assert.equal(r.errors['wrong-result'], 3);
  assert.equal(r.errors.crash, 1);
  assert.ok(r.best_config_index !== null && !planted.has(r.best_config_index), `best ${r.best_config_index}`);
  const best = db.best(task.spec, machine, 10);
  assert.equal(best.length, 2);
  for (const row of best) assert.ok(!planted.has(row.config_index));
  assert.equal(db.count(task.spec), 6);
  // A second run of the same configs measures nothing: the records are the results.
  const again = await tune(
    task,
    new GridTuner(task, 0),
    new Measurer(task, { workDir: work, db, machine, run: FAST }),
    { trials: 6 },
  );
  assert.equal(again.measured, 0);
  assert.equal(again.best_config_index, r.best_config_index);
  assert.equal(db.count(task.spec), 6);
  // A replay of the records (no compiler, no runner) gives the same run: strategies can be tested on it.
  const replay = await tune(
    task,
    new GridTuner(task, 0),
    new Measurer(task, { workDir: work, db, machine, replayOnly: true }),
    { trials: 6 },
  );
  assert.deepEqual({ ...replay, wall_s: 0 }, { ...again, wall_s: 0 });
  await assert.rejects(
    tune(task, new GridTuner(task, 0), new Measurer(task, { workDir: work, db, machine, replayOnly: true }), {
      trials: 7,
    }),
    /replay: config \d+ of gemm:M=37,N=45,K=29,epilogue=none,threads=1 is not in the records/,
  );
  db.close();
});

test('softmax, LayerNorm and RMSNorm kernels are correct in every config of their space (ragged column counts, 2 threads)', async () => {
  const db = new RecordsDB(join(work, 'rows.db'));
  const machine = db.addMachine(hostMachine());
  for (const spec of [
    'softmax:rows=9,cols=131',
    'layernorm:rows=5,cols=77,eps=1e-5',
    'rmsnorm:rows=6,cols=45,threads=2',
  ]) {
    const task = createTask(spec);
    const r = await tune(task, new GridTuner(task, 0), new Measurer(task, { workDir: work, db, machine, run: FAST }), {
      trials: 100,
    });
    assert.equal(r.stopped, 'space-exhausted', spec);
    assert.equal(r.trials, spec.startsWith('rmsnorm') ? 4 : 8, spec);
    assert.deepEqual(Object.values(r.errors), [0, 0, 0, 0, 0], `${spec}: ${JSON.stringify(r.errors)}`);
  }
  db.close();
});

test('paired timing: the harness times a kernel against the reference in one process, checks both, and says which one failed', async () => {
  const task = createTask('gemm:M=37,N=45,K=29,epilogue=bias');
  const b = new Builder({
    workDir: work,
    cores: [],
    parallel: 2,
    timeoutMs: 60_000,
    flags: targetCFlags(task.space.target),
  });
  const good = await b.build(task.source(configOf(task, { mr: 6, nv: 2, kc: 32 })), false);
  const ref = await b.build(task.source(referenceConfig(task)), false);
  const wrong = await b.build(PLANTED[0].mutate(task.source(configOf(task, { mr: 6, nv: 2, kc: 32 }))), false);
  assert.ok(good.ok && ref.ok && wrong.ok);
  const runner = new Runner(work, -1, { number: 0, flush: false, ...FAST });
  const data = dataFile(work, task.workload, 1);
  const r = await runner.run(good.libPath!, data, 1, ref.libPath);
  assert.equal(r.ok, true, r.error?.message);
  assert.ok(r.rel && r.rel.median > 0 && r.rel.min <= r.rel.median && r.rel.median <= r.rel.max, JSON.stringify(r));
  assert.ok(r.refMs! > 0 && r.ms!.median > 0);
  // The ratio is of the same process's times: within the spread of its repeats of kernel time over reference time.
  assert.ok(Math.abs(Math.log(r.rel.median / (r.ms!.median / r.refMs!))) < Math.log(r.rel.max / r.rel.min) + 0.5);
  assert.equal((await runner.run(good.libPath!, data, 1)).rel, undefined, 'plain timing has no ratio');
  // A wrong kernel is wrong against a good reference; a wrong reference is named as the reference.
  const w = await runner.run(wrong.libPath!, data, 1, ref.libPath);
  assert.equal(w.ok, false);
  assert.equal(w.error!.kind, 'wrong-result');
  assert.doesNotMatch(w.error!.message, /reference/);
  const wr = await runner.run(good.libPath!, data, 1, wrong.libPath);
  assert.equal(wr.ok, false);
  assert.match(wr.error!.message, /^reference kernel, first call/);
});

test('paired timing in the measurer: calibrated on the reference once, the scale kept in the records, paired and plain records apart', async () => {
  const task = createTask('gemm:M=37,N=45,K=29,epilogue=bias');
  const dbPath = join(mkdtempSync(join(tmpdir(), 'rltune-paired-')), 'r.db');
  const db = new RecordsDB(dbPath);
  const machine = db.addMachine(hostMachine());
  const a = configOf(task, { mr: 6, nv: 2, kc: 32 }),
    b = configOf(task, { mr: 4, nv: 1, kc: 64 }),
    c = configOf(task, { mr: 8, nv: 1, kc: 32 });
  const opts = { workDir: work, db, machine, runnerCore: -1, run: { ...FAST, paired: true } };
  const m1 = new Measurer(task, opts);
  const [ra, rb] = await m1.measure([a, b]);
  assert.ok(ra.ok && rb.ok && ra.gflops! > 0 && rb.gflops! > 0);
  const settingsOf = (id: number | null) => JSON.parse(db.allResults().find((r) => r.id === id)!.settings!);
  const sa = settingsOf(ra.recordId),
    sb = settingsOf(rb.recordId);
  assert.equal(sa.paired, true);
  assert.equal(sa.reference.config, referenceConfig(task));
  assert.ok(sa.reference.ms > 0 && sa.reference.raw_median_ms > 0 && sa.reference.ref_median_ms > 0);
  assert.equal(sb.reference.ms, sa.reference.ms, 'one calibration per workload');
  // The recorded time is the ratio to the reference times the calibrated reference time.
  assert.ok(Math.abs(ra.ms!.median - sa.reference.rel_median * sa.reference.ms) < 1e-9 * ra.ms!.median);
  // A later paired run serves what is recorded and keeps the scale for new configs.
  const m2 = new Measurer(task, opts);
  const [again, rc] = await m2.measure([a, c]);
  assert.equal(again.cached, true);
  assert.equal(again.ms!.median, ra.ms!.median);
  assert.equal(rc.cached, false);
  assert.equal(settingsOf(rc.recordId).reference.ms, sa.reference.ms);
  // Re-measurements (verify) are paired too.
  const [v] = await m2.remeasure([a], 2);
  assert.equal(v.fresh.length, 2);
  // A plain run does not serve paired records, and its records carry no reference.
  const plain = new Measurer(task, { ...opts, run: FAST });
  const [pa] = await plain.measure([a]);
  assert.equal(pa.cached, false);
  assert.equal(settingsOf(pa.recordId).reference, undefined);
  assert.equal(
    (await new Measurer(task, opts).measure([a]))[0].recordId,
    ra.recordId,
    'the paired record, not the later plain one',
  );
  db.close();
  // A paired record against another reference config is another scale: not served, not a calibration.
  const raw = new Database(dbPath);
  const moved = { ...sa, reference: { ...sa.reference, config: configOf(task, { mr: 8, nv: 1, kc: 32 }), ms: 123 } };
  raw.prepare('UPDATE results SET settings = ? WHERE settings LIKE ?').run(JSON.stringify(moved), '%"paired":true%');
  raw.close();
  const db2 = new RecordsDB(dbPath);
  const [fresh] = await new Measurer(task, { ...opts, db: db2 }).measure([a]);
  assert.equal(fresh.cached, false);
  const sf = JSON.parse(db2.allResults().find((r) => r.id === fresh.recordId)!.settings!).reference;
  assert.notEqual(sf.ms, 123, 'calibrated anew');
  db2.close();
});

test('paired timing: a run whose reference is off its recent runs is repeated after pauses (a bounded number of times), and the record says so', async () => {
  const task = createTask('gemm:M=37,N=45,K=29,epilogue=bias');
  const db = new RecordsDB(join(mkdtempSync(join(tmpdir(), 'rltune-paired-retry-')), 'r.db'));
  const machine = db.addMachine(hostMachine());
  const m = new Measurer(task, { workDir: work, db, machine, runnerCore: -1, run: { ...FAST, paired: true } });
  const [a] = await m.measure([configOf(task, { mr: 6, nv: 2, kc: 32 })]);
  const settingsOf = (id: number | null) => JSON.parse(db.allResults().find((r) => r.id === id)!.settings!);
  assert.equal(
    settingsOf(a.recordId).reference.first_ref_median_ms,
    undefined,
    'a reference as fast as its calibration runs is not run again',
  );
  // As if the reference had run 3 times slower in its recent runs: the next run's reference is off them, so it runs
  // twice.
  const recent = (m.trials as LocalTrials).paired!.recentRefMs;
  const slow = recent.map((x) => 3 * x);
  recent.splice(0, recent.length, ...slow);
  const [b] = await m.measure([configOf(task, { mr: 4, nv: 1, kc: 64 })]);
  assert.ok(b.ok);
  const sb = settingsOf(b.recordId).reference;
  assert.ok(sb.first_ref_median_ms > 0 && sb.ref_median_ms > 0, JSON.stringify(sb));
  // The recent runs stay 3 times slower than any run now, so it is repeated as often as there are pauses, and then
  // counts.
  assert.equal(sb.ref_retries, RETRY_PAUSES_MS.length);
  assert.equal(m.measuredCount, 2, 'the repeated run is not another trial');
  db.close();
});
