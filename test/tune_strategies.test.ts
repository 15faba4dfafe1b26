/**
 * The model-based strategies (anneal, evolve) behind the Tuner interface: what they propose (distinct, valid,
 * kept by pruning, exactly the batch asked for), real tuning runs on small workloads, reproducibility (the same
 * seed and the same measurements, replayed from the database, give the same proposals), a budget smaller than
 * one batch, transfer from the records of another workload, and the CLI's JSON contract.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { priorSamples } from '../src/tune/cost/prior.js';
import { hostMachine } from '../src/tune/measure/machine.js';
import { Measurer, type MeasureResult } from '../src/tune/measure/measurer.js';
import { RecordsDB } from '../src/tune/records/db.js';
import { tune } from '../src/tune/search/loop.js';
import { createTuner } from '../src/tune/search/registry.js';
import { AnnealTuner, EvolveTuner } from '../src/tune/search/strategies/model_based.js';
import { GrpoTuner, PpoTuner } from '../src/tune/search/rl/policy_tuner.js';
import { referenceConfig } from '../src/tune/search/rl/schedule_envs.js';
import { defaultPolicyDir } from '../src/tune/search/rl/policy_io.js';
import { Rng } from '../src/rl/core/rng.js';
import { Pruner } from '../src/tune/space/prune.js';
import { createTask } from '../src/tune/task/task.js';
import { run } from './fixtures/run_cli.js';

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

test('anneal and evolve propose distinct, valid, unpruned configs, a full batch each time, and learn from failures without NaN', () => {
  for (const spec of ['gemm:M=128,N=768,K=768,epilogue=bias+residual', 'bmm:B=12,M=128,N=128,K=64,transB=1']) {
    const task = createTask(spec);
    const pruner = new Pruner(task);
    for (const T of [AnnealTuner, EvolveTuner]) {
      const tuner = new T(task, 5);
      const seen = new Set<number>();
      for (let round = 0; round < 4; round++) {
        const batch = tuner.propose(8);
        assert.equal(batch.length, 8, `${tuner.name} ${spec}`);
        for (const i of batch) {
          assert.ok(!seen.has(i), `${tuner.name} proposed ${i} twice`);
          seen.add(i);
          assert.ok(pruner.keep(i), `${tuner.name} proposed pruned config ${i}: ${pruner.reason(i)}`);
        }
        // Every config failed (a compile error, say): the strategy goes on.
        tuner.update(
          batch.map((i): MeasureResult => ({
            config: i,
            configJSON: task.configJSON(i),
            ok: false,
            ms: null,
            gflops: null,
            error: { kind: 'compile-error', message: 'x' },
            cached: false,
            recordId: null,
          })),
        );
      }
      tuner.model.dispose();
    }
  }
});

test('grpo and ppo train a policy on the cost model and propose distinct, unpruned configs it rates above the reference', async () => {
  const task = createTask('gemm:M=128,N=768,K=768,epilogue=bias+residual');
  const pruner = new Pruner(task);
  for (const T of [GrpoTuner, PpoTuner]) {
    // Cold (the package's default policy was trained on measured records, not on the analytic level used here).
    const tuner = new T(task, 2, {}, { trainSteps: 576, samples: 48, defaultPolicy: false });
    const seen = new Set<number>();
    for (let round = 0; round < 3; round++) {
      const batch = await tuner.propose(8);
      assert.equal(batch.length, 8, tuner.name);
      for (const i of batch) {
        assert.ok(!seen.has(i), `${tuner.name} proposed ${i} twice`);
        seen.add(i);
        assert.ok(pruner.keep(i), `${tuner.name}: ${pruner.reason(i)}`);
      }
    }
    const st = tuner.stats();
    assert.equal(st.policy_steps >= 3 * 576, true, JSON.stringify(st));
    // Without measurements the reward is the analytic level: the proposals rate well above the reference config,
    // and above uniformly random valid configs.
    const a = (xs: number[]) => Array.from(tuner.model.analyticScores(xs));
    const mean = (v: number[]) => v.reduce((x, y) => x + y, 0) / v.length;
    const [ref] = a([referenceConfig(task)]);
    const proposed = mean(a([...seen]));
    const rng = new Rng(4);
    const rand: number[] = [];
    while (rand.length < 200) {
      const i = rng.below(task.space.size);
      if (pruner.keep(i)) rand.push(i);
    }
    assert.ok(
      proposed > ref + 0.2,
      `${tuner.name}: proposals ${proposed.toFixed(3)} vs the reference ${ref.toFixed(3)} (log GFLOP/s)`,
    );
    assert.ok(
      proposed > mean(a(rand)) + 0.1,
      `${tuner.name}: proposals ${proposed.toFixed(3)} vs random ${mean(a(rand)).toFixed(3)}`,
    );
    tuner.dispose();
  }
});

test('without --policy, grpo and ppo start from the default policy shipped for the space and ISA, else cold, and say which', () => {
  const task = createTask('gemm:M=8,N=3072,K=768,epilogue=bias+gelu');
  const lines: string[] = [];
  const t = new GrpoTuner(task, 1, { log: (m) => lines.push(m) }, { trainSteps: 0 });
  const dir = defaultPolicyDir(task, task.space.target);
  if (dir !== null) {
    assert.equal(t.policyFrom, dir);
    assert.match(lines.join('\n'), /starting from the default policy in/);
  } else {
    assert.equal(t.policyFrom, null);
    assert.match(lines.join('\n'), /no default policy for the .* space in this package: starting cold/);
  }
  t.dispose();
  const row = new PpoTuner(createTask('softmax:rows=16,cols=64'), 1, { log: (m) => lines.push(m) }, { trainSteps: 0 });
  assert.equal(row.policyFrom, null);
  assert.match(lines.at(-1)!, /ppo: no default policy for the row-v1\/.* space in this package: starting cold/);
  row.dispose();
});

test('a small space: the strategies end when its kept configs are used up', () => {
  const task = createTask('softmax:rows=16,cols=64');
  for (const name of ['anneal', 'evolve']) {
    const tuner = createTuner(name, task, 1) as AnnealTuner | EvolveTuner;
    const got: number[] = [];
    for (let r = 0; r < 5; r++) got.push(...tuner.propose(4));
    assert.equal(new Set(got).size, got.length);
    assert.equal(got.length, new Pruner(task).stats().kept, name);
  }
});

test('anneal and evolve tune real kernels; replayed from the records the same seed proposes the same configs; a budget below one batch', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-strat-'));
  const db = new RecordsDB(join(dir, 'r.db'));
  const machine = db.addMachine(hostMachine());
  const work = join(dir, 'work');
  const task = createTask('gemm:M=24,N=48,K=40,epilogue=bias');
  for (const name of ['anneal', 'evolve', 'grpo']) {
    const order: number[] = [];
    const live = await tune(
      task,
      createTuner(name, task, 3),
      new Measurer(task, { workDir: work, db, machine, runId: name }),
      { trials: 20, batch: 8, onResults: (rs) => order.push(...rs.map((r) => r.config)) },
    );
    assert.equal(live.trials, 20);
    assert.ok(live.best_gflops! > 0);
    assert.equal(new Set(order).size, 20);
    const replayed: number[] = [];
    const again = await tune(
      task,
      createTuner(name, task, 3),
      new Measurer(task, { workDir: work, db, machine, replayOnly: true }),
      { trials: 20, batch: 8, onResults: (rs) => replayed.push(...rs.map((r) => r.config)) },
    );
    assert.deepEqual(replayed, order, `${name}: same seed, same measurements, same proposals`);
    assert.deepEqual(again.curve, live.curve);
  }
  const small = await tune(task, createTuner('anneal', task, 9), new Measurer(task, { workDir: work, db, machine }), {
    trials: 3,
    batch: 8,
  });
  assert.equal(small.trials, 3, 'a budget smaller than one batch measures that many');
  db.close();
});

test('transfer: the records of another workload are the prior of the learned model (and never the workload itself)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-prior-'));
  const db = new RecordsDB(join(dir, 'r.db'));
  const machine = db.addMachine(hostMachine());
  const a = createTask('gemm:M=32,N=64,K=64'),
    b = createTask('gemm:M=16,N=128,K=64'),
    s = createTask('softmax:rows=16,cols=64');
  const row = (t: typeof a, i: number, g: number | null) =>
    db.insert(t.spec, machine, {
      space: t.spaceId,
      config_index: i,
      config: JSON.stringify(t.configJSON(i)),
      ok: g === null ? 0 : 1,
      median_ms: g === null ? null : 1,
      min_ms: null,
      max_ms: null,
      runs: null,
      gflops: g,
      error_kind: g === null ? 'crash' : null,
      error_message: null,
      source_hash: null,
      settings: null,
      run_id: 'test',
    });
  for (let k = 0; k < 30; k++) row(a, 1000 + k, k === 3 ? null : 10 + k);
  row(b, 5, 50);
  row(s, 1, 3);
  const prior = priorSamples(db, machine, b);
  assert.equal(prior.length, 30, 'the other GEMM workload only: not b itself, not the softmax');
  assert.ok(prior.every((p) => p.task.spec === a.spec));
  assert.equal(prior.filter((p) => p.gflops === null).length, 1);
  const lines: string[] = [];
  const tuner = new AnnealTuner(b, 1, { prior, log: (m) => lines.push(m) });
  assert.match(lines.join('\n'), /transfer from 30 records of 1 other workloads/);
  assert.equal(tuner.model.level, 'learned', 'trained on the prior before any own measurement');
  assert.equal(priorSamples(db, machine, b, { exclude: [a.spec] }).length, 0);
  tuner.model.dispose();
  db.close();
});

test('rltune tune op --strategy anneal|evolve: the JSON contract, the transfer prior and --no-transfer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-cli-mb-'));
  const db = join(dir, 'r.db');
  const first = run(
    'tune',
    'op',
    'gemm:M=16,N=32,K=48',
    '--strategy',
    'evolve',
    '--trials',
    '16',
    '--db',
    db,
    '--verify-top',
    '0',
    '--json',
  );
  assert.equal(first.code, 0, first.stderr);
  const j = lastJson(first.stdout);
  for (const k of [
    'op',
    'strategy',
    'trials',
    'measured',
    'errors',
    'best_gflops',
    'best_ms',
    'best_config',
    'wall_s',
    'curve',
  ])
    assert.ok(k in j, k);
  assert.equal(j.strategy, 'evolve');
  assert.equal(j.trials, 16);
  assert.equal(j.cost_model.transfer_records, 0);
  assert.match(first.stderr, /ranking with the analytic model/);
  const second = run(
    'tune',
    'op',
    'gemm:M=24,N=32,K=48',
    '--strategy',
    'anneal',
    '--trials',
    '8',
    '--db',
    db,
    '--verify-top',
    '0',
    '--json',
  );
  assert.equal(second.code, 0, second.stderr);
  assert.equal(lastJson(second.stdout).cost_model.transfer_records, 16);
  assert.match(second.stderr, /transfer from 16 records of 1 other workloads/);
  const cold = run(
    'tune',
    'op',
    'gemm:M=24,N=32,K=48',
    '--strategy',
    'anneal',
    '--trials',
    '8',
    '--seed',
    '2',
    '--db',
    db,
    '--verify-top',
    '0',
    '--no-transfer',
    '--json',
  );
  assert.equal(cold.code, 0, cold.stderr);
  assert.equal(lastJson(cold.stdout).cost_model.transfer_records, 0);
});
