/**
 * The tuning session (src/tune/session.ts), the one entry point of tuning, through the package's public export
 * `rltune/tune`: it files every result in the records, a rerun with the same seed resumes from them (nothing
 * measured again), a model-based strategy gets the machine's cost model and the other workloads' records as its
 * transfer prior, and the README's example runs as written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTask, RecordsDB, TuningSession } from 'rltune/tune';
import { hostMachine } from '../src/tune/measure/machine.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FAST = { repeat: 3, minRepeatMs: 2 };

test('a session tunes a GEMM into its records, resumes a rerun from them, and gives a model-based strategy the transfer prior', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-session-'));
  // claimRunnerCore false: the test runner's own threads keep their affinity.
  const session = TuningSession.open({ db: join(dir, 'r.db'), claimRunnerCore: false, log: () => {} });
  try {
    const first = await session.tune('gemm:M=48,N=48,K=48', { strategy: 'random', trials: 6, seed: 3, run: FAST });
    assert.equal(first.trials, 6);
    assert.equal(first.measured, 6);
    assert.ok(first.best_gflops! > 0);
    assert.equal(first.cost_model, undefined, 'random search has no cost model');
    const again = await session.tune('gemm:M=48,N=48,K=48', { strategy: 'random', trials: 6, seed: 3, run: FAST });
    assert.equal(again.measured, 0, 'the same seed proposes the same configs, served from the records');
    assert.deepEqual(again.best_config, first.best_config);
    const evolve = await session.tune('gemm:M=40,N=56,K=48', { strategy: 'evolve', trials: 4, seed: 1, run: FAST });
    assert.equal(evolve.cost_model?.transfer_records, 6, "the other workload's 6 records are the transfer prior");
    const cold = await session.tune('gemm:M=40,N=56,K=48', {
      strategy: 'evolve',
      trials: 4,
      seed: 2,
      prior: 'none',
      run: FAST,
    });
    assert.equal(cold.cost_model?.transfer_records, 0);
    assert.equal(session.db.best(first.op, session.machine, 1).length, 1);
  } finally {
    session.close();
  }
  // The session closed the database it opened; a database handed in open stays open.
  const db = new RecordsDB(join(dir, 'r.db'));
  const s2 = TuningSession.open({ db, claimRunnerCore: false, log: () => {} });
  s2.close();
  assert.equal(db.best(createTask('gemm:M=48,N=48,K=48').spec, s2.machine, 1).length, 1);
  db.close();
});

test('a bad spec or strategy is refused by name before anything is measured', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-session-'));
  const session = TuningSession.open({ db: join(dir, 'r.db'), claimRunnerCore: false, log: () => {} });
  try {
    await assert.rejects(session.tune('gemm:M=0,N=4,K=4', { trials: 1 }), /M/);
    await assert.rejects(
      session.tune('gemm:M=8,N=8,K=8', { strategy: 'hill-climb', trials: 1 }),
      /unknown strategy "hill-climb"; expected one of random, grid/,
    );
  } finally {
    session.close();
  }
});

test("the README's example of tuning from TypeScript runs as written", () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Tuning from TypeScript'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'README.md has a ts block under "## Tuning from TypeScript"');
  assert.ok(code.trim().split('\n').length < 15, 'the example is under 15 lines');
  // Plain JavaScript as written (no type annotations), run from inside the package so `rltune/tune` resolves.
  const dir = mkdtempSync(join(tmpdir(), 'rltune-readme-'));
  const file = join(root, 'dist', 'test', `readme-example-${process.pid}.mjs`);
  writeFileSync(file, code);
  const stdout = execFileSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  assert.match(stdout, /GFLOP\/s/);
});

// replayOnly: a benchmark's replay must not measure (a measurement would make a different result silently), so a
// config that is not in the records, or a machine without a recorded probe, is an error instead.
test('a replayOnly session serves a recorded run again and refuses what it would have to measure', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-session-'));
  const spec = 'gemm:M=32,N=40,K=48';
  const live = TuningSession.open({ db: join(dir, 'r.db'), claimRunnerCore: false, log: () => {} });
  const first = await live.tune(spec, { strategy: 'random', trials: 4, seed: 5, run: FAST });
  live.close();
  const replay = TuningSession.open({ db: join(dir, 'r.db'), replayOnly: true, log: () => {} });
  try {
    const again = await replay.tune(spec, { strategy: 'random', trials: 4, seed: 5, run: FAST });
    assert.equal(again.measured, 0);
    assert.deepEqual(again.curve, first.curve);
    await assert.rejects(
      replay.tune(spec, { strategy: 'random', trials: 4, seed: 6, run: FAST }),
      /replay: config \d+ of gemm:M=32,N=40,K=48,\S* is not in the records/,
    );
  } finally {
    replay.close();
  }
  // A model-based strategy needs the machine's probe; a replay does not measure one.
  const empty = TuningSession.open({ db: join(dir, 'empty.db'), replayOnly: true, log: () => {} });
  try {
    await assert.rejects(
      empty.tune(spec, { strategy: 'evolve', trials: 4 }),
      /replay: the records hold no probe of this machine/,
    );
  } finally {
    empty.close();
  }
});

// replayMachine: a result recorded on another machine of the same instruction set replays here with that machine's
// records and caches (the pruner and the cost models read the caches); anything else is refused by name.
test('a replayOnly session replays the records and caches of another machine of the same instruction set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-session-'));
  const db = new RecordsDB(join(dir, 'r.db'));
  const here = hostMachine();
  const other = db.addMachine({ ...here, cores: here.cores + 64, caches: { L1d: 12345, L2: 678910, L3: 1112131 } });
  const alien = db.addMachine({ ...here, cores: here.cores + 65, isa: here.isa === 'avx2' ? 'avx512' : 'avx2' });
  db.close();
  const file = join(dir, 'r.db');
  const s = TuningSession.open({ db: file, replayOnly: true, replayMachine: other, log: () => {} });
  try {
    assert.equal(s.machine, other);
    assert.deepEqual(s.caches, { L1d: 12345, L2: 678910, L3: 1112131 });
  } finally {
    s.close();
  }
  assert.throws(() => TuningSession.open({ db: file, replayMachine: other }), /replayMachine .* needs replayOnly/);
  assert.throws(
    () => TuningSession.open({ db: file, replayOnly: true, replayMachine: 'feedfacefeedface' }),
    new RegExp(`no machine "feedfacefeedface" in .*; it holds .*${other}`),
  );
  assert.throws(
    () => TuningSession.open({ db: file, replayOnly: true, replayMachine: alien }),
    /its search spaces differ, so its records cannot replay here/,
  );
});
