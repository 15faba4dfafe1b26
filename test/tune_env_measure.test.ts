/**
 * Measurements that an environment asks for: the synchronous path of the measurer (the same build, run and
 * record as the asynchronous one), and the tuning loop's trial measurer, through which grpo/ppo train on
 * measured rewards (`measuredIterations`): every such measurement is recorded, counts as a trial, stays inside the
 * budget, is never a config measured twice in a run, and reaches the strategy's update.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostMachine } from '../src/tune/measure/machine.js';
import { Measurer, type MeasureResult } from '../src/tune/measure/measurer.js';
import { RecordsDB } from '../src/tune/records/db.js';
import { tune } from '../src/tune/search/loop.js';
import { GrpoTuner, PpoTuner } from '../src/tune/search/rl/policy_tuner.js';
import { referenceConfig } from '../src/tune/search/rl/schedule_envs.js';
import { createTask, type TuningTask } from '../src/tune/task/task.js';
import { run } from './fixtures/run_cli.js';

const task = createTask('gemm:M=24,N=32,K=40,epilogue=bias');

test('measureSync builds, runs and records like measure, and serves a recorded config from the records', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-msync-'));
  const db = new RecordsDB(join(dir, 'r.db'));
  const machine = db.addMachine(hostMachine());
  const m = new Measurer(task, { workDir: join(dir, 'work'), db, machine, runId: 'sync' });
  const ref = referenceConfig(task);
  const [a] = m.measureSync([ref]);
  assert.equal(a.ok, true, JSON.stringify(a.error));
  assert.ok(a.gflops! > 0 && a.ms!.runs >= 1);
  assert.equal(a.cached, false);
  assert.ok(a.recordId !== null);
  const rows = db.allResults().filter((r) => r.run_id === 'sync');
  assert.equal(rows.length, 1);
  assert.equal(rows[0].config_index, ref);
  // The same config again: served from the records, by both paths, not measured again.
  const [b] = m.measureSync([ref]);
  const [c] = await m.measure([ref]);
  assert.equal(b.cached, true);
  assert.equal(c.cached, true);
  assert.equal(b.gflops, a.gflops);
  assert.equal(m.measuredCount, 1);
  db.close();
});

test('grpo and ppo with measured iterations: the env asks the loop to measure; each is recorded, a trial, within the budget and never twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-envmeasure-'));
  const K = task.space.knobs.length;
  for (const [name, make] of [
    [
      'grpo',
      () =>
        new GrpoTuner(
          task,
          2,
          {},
          {
            defaultPolicy: false,
            trainSteps: 0,
            measuredIterations: 3,
            grpo: { groupSize: 4, promptsPerIteration: 1, minibatchSize: 4 },
          },
        ),
    ],
    [
      'ppo',
      () =>
        new PpoTuner(
          task,
          2,
          {},
          {
            defaultPolicy: false,
            trainSteps: 0,
            measuredIterations: 3,
            ppo: { nEnvs: 1, nSteps: 4 * K, nMinibatches: 1 },
          },
        ),
    ],
  ] as const) {
    // A database per strategy: every trial is then a fresh measurement, recorded under the run's id.
    const db = new RecordsDB(join(dir, `${name}.db`));
    const machine = db.addMachine(hostMachine());
    const tuner = make();
    const updated: number[] = [];
    const orig = tuner.update.bind(tuner);
    tuner.update = (rs: MeasureResult[]) => {
      updated.push(...rs.map((r) => r.config));
      orig(rs);
    };
    const rounds: number[][] = [];
    const r = await tune(
      task,
      tuner,
      new Measurer(task, { workDir: join(dir, 'work'), db, machine, runId: `env-${name}` }),
      { trials: 20, batch: 8, onResults: (rs) => rounds.push(rs.map((x) => x.config)) },
    );
    const stats = tuner.stats();
    tuner.dispose();
    const all = rounds.flat();
    assert.equal(r.trials, 20, `${name}: the budget, env measurements included`);
    assert.equal(all.length, 20);
    assert.equal(new Set(all).size, 20, `${name}: no config twice in a run`);
    // The first round: the env's measured episodes (the reference config first) before the batch of 8.
    assert.ok(rounds[0].length > 8, `${name}: the first round holds the env's measurements too (${rounds[0].length})`);
    assert.equal(rounds[0][0], referenceConfig(task), `${name}: the reward's reference config is measured first`);
    // Every trial is recorded under the run's id; the strategy's update saw every one.
    const recorded = db
      .allResults()
      .filter((x) => x.run_id === `env-${name}`)
      .map((x) => x.config_index);
    assert.deepEqual(
      [...recorded].sort((a, b) => a - b),
      [...all].sort((a, b) => a - b),
      `${name}: recorded = trials`,
    );
    assert.deepEqual(updated, all, `${name}: update got the env's results and the batches'`);
    assert.ok(stats.policy_steps >= 4 * K, `${name}: policy steps ${stats.policy_steps}`);
    assert.equal(r.measured, 20);
    db.close();
  }
});

test('rltune tune op --measured-iterations: the JSON contract for grpo; refused for other strategies and for bad values', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-cli-envm-'));
  const db = join(dir, 'r.db');
  // One measured iteration of grpo's default 4 x 8 episodes (and the reference) fits in 48 trials, with batches.
  const ok = run(
    'tune',
    'op',
    'gemm:M=16,N=32,K=48',
    '--strategy',
    'grpo',
    '--trials',
    '48',
    '--measured-iterations',
    '1',
    '--db',
    db,
    '--verify-top',
    '0',
    '--json',
  );
  assert.equal(ok.code, 0, ok.stderr);
  const j = JSON.parse(ok.last);
  assert.equal(j.trials, 48);
  assert.equal(j.measured, 48);
  assert.ok(j.cost_model.measured_train_ms > 0, JSON.stringify(j.cost_model));
  const bad = run(
    'tune',
    'op',
    'gemm:M=16,N=32,K=48',
    '--strategy',
    'grpo',
    '--trials',
    '8',
    '--measured-iterations=-3',
    '--db',
    db,
  );
  assert.equal(bad.code, 2, bad.stderr);
  assert.match(bad.stderr, /--measured-iterations expects an integer >= 0, got "-3"/);
  const other = run(
    'tune',
    'op',
    'gemm:M=16,N=32,K=48',
    '--strategy',
    'anneal',
    '--trials',
    '8',
    '--measured-iterations',
    '1',
    '--db',
    db,
  );
  assert.equal(other.code, 2, other.stderr);
  assert.match(other.stderr, /--measured-iterations is for the RL strategies \(grpo, ppo\); --strategy is anneal/);
});

test('the synchronous path records failures as their kind; an env whose every measurement fails gets the penalty, never NaN, and the run goes on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-envfail-'));
  const fast = { repeat: 3, minRepeatMs: 2, timeoutMs: 1500 };
  const entry = 'const float *A = in[0], *B = in[1];';
  const plant: [string, (s: string) => string][] = [
    ['compile-error', (s) => s.replace('int rltune_kernel(', 'int rltune_kernel(((')],
    ['crash', (s) => s.replace(entry, `${entry} *(volatile float *)0 = 1.f;`)],
    ['run-timeout', (s) => s.replace(entry, `${entry} for (volatile int spin = 1; spin;) {}`)],
  ];
  const ref = referenceConfig(task);
  for (const [kind, mutate] of plant) {
    assert.notEqual(mutate(task.source(ref)), task.source(ref), kind);
    const bad: TuningTask = { ...task, source: (i) => mutate(task.source(i)) };
    const kdb = new RecordsDB(join(dir, `${kind}.db`)); // the same spec and config: a database per kind
    const [r] = new Measurer(bad, {
      workDir: join(dir, 'work'),
      db: kdb,
      machine: kdb.addMachine(hostMachine()),
      run: fast,
      runId: `sync-${kind}`,
    }).measureSync([ref]);
    assert.equal(r.ok, false);
    assert.equal(r.error!.kind, kind, r.error!.message);
    assert.equal(kdb.allResults().filter((x) => x.run_id === `sync-${kind}`)[0].error_kind, kind);
    kdb.close();
  }
  // Every config but the reference fails to compile: their measured rewards are the env's penalty, the loop
  // counts the failures as trials, and nothing is NaN.
  const failing: TuningTask = { ...task, source: (i) => (i === ref ? task.source(i) : plant[0][1](task.source(i))) };
  const db2 = new RecordsDB(join(dir, 'failing.db'));
  const machine2 = db2.addMachine(hostMachine());
  const opts = {
    defaultPolicy: false,
    trainSteps: 0,
    measuredIterations: 2,
    grpo: { groupSize: 4, promptsPerIteration: 1, minibatchSize: 4 },
  };
  const tuner = new GrpoTuner(failing, 4, {}, opts);
  const r = await tune(
    failing,
    tuner,
    new Measurer(failing, { workDir: join(dir, 'work2'), db: db2, machine: machine2, run: fast }),
    { trials: 12, batch: 4 },
  );
  const params = tuner.policy.policy.parameters;
  assert.ok(params.every(Number.isFinite), 'the policy stays finite');
  assert.ok(
    tuner.stats().policy_steps >= 2 * 4 * task.space.knobs.length,
    `policy steps ${tuner.stats().policy_steps}`,
  );
  tuner.dispose();
  assert.equal(r.trials, 12);
  assert.equal(r.errors['compile-error'], 11);
  assert.ok(r.best_gflops! > 0, 'the reference is the best');
  // A reference that fails too: no measured training (its rewards would have no scale), the run goes on.
  const broken: TuningTask = { ...task, source: (i) => plant[0][1](task.source(i)) };
  const db3 = new RecordsDB(join(dir, 'broken.db'));
  const t3 = new GrpoTuner(broken, 4, {}, opts);
  const r3 = await tune(
    broken,
    t3,
    new Measurer(broken, { workDir: join(dir, 'work3'), db: db3, machine: db3.addMachine(hostMachine()), run: fast }),
    { trials: 8, batch: 4 },
  );
  assert.equal(t3.stats().policy_steps, 0);
  t3.dispose();
  assert.equal(r3.errors['compile-error'], 8);
  assert.equal(r3.best_gflops, null);
  db3.close();
  db2.close();
});
