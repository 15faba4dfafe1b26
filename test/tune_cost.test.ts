/**
 * The multi-level cost model (src/tune/cost): features, the analytic level, the learned ranking model on real
 * measurements of this machine kind (test/fixtures/prune-exhaustive.json: every config of a GEMM sub-space,
 * measured), transfer weighting, the fallback to the analytic level, and the errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/rl/core/rng.js';
import { analytic } from '../src/tune/cost/analytic.js';
import { costMachine, featureFamily, featureNames, features } from '../src/tune/cost/features.js';
import { LearnedCostModel } from '../src/tune/cost/learned.js';
import { recallAtK, spearman } from '../src/tune/cost/metrics.js';
import { MultiLevelCostModel } from '../src/tune/cost/model.js';
import type { MeasureResult } from '../src/tune/measure/measurer.js';
import { createTask } from '../src/tune/task/task.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixture = JSON.parse(
  readFileSync(join(here, '..', '..', 'test', 'fixtures', 'prune-exhaustive.json'), 'utf8'),
) as {
  spec: string;
  caches: { l1d: number; l2: number; l3: number };
  measured: { index: number; gflops: number | null }[];
};
// The probe of the machine the fixture was measured on (bench/results/tune-gemm-2026-12-01.json) with v2 bandwidths.
const PROBE = {
  fma_peak_gflops: 115.72,
  lanes: 16,
  accumulators: 24,
  mem_bandwidth_gbs: 23.85,
  l1_bandwidth_gbs: 205,
  l2_bandwidth_gbs: 116,
  l3_bandwidth_gbs: 98,
};
const task = createTask(fixture.spec);
const machine = costMachine(task.space.target, PROBE, {
  L1d: fixture.caches.l1d,
  L2: fixture.caches.l2,
  L3: fixture.caches.l3,
});

test('features: one fixed-length finite vector per family', () => {
  for (const spec of [
    'gemm:M=128,N=3072,K=768,epilogue=bias+gelu',
    'bmm:B=12,M=128,N=128,K=64,transB=1',
    'softmax:rows=1536,cols=128',
    'rmsnorm:rows=16,cols=4096',
  ]) {
    const t = createTask(spec);
    const rng = new Rng(3);
    for (let k = 0; k < 50; k++) {
      const i = rng.below(t.space.size);
      const f = features(t, i, machine);
      assert.equal(f.length, featureNames(featureFamily(t)).length, spec);
      assert.ok(f.every(Number.isFinite), `${spec} config ${i}: ${f.join(',')}`);
    }
  }
});

test('analytic level: below the peak, and it orders the obvious cases', () => {
  const t = createTask('gemm:M=512,N=512,K=512');
  const idx = (c: Record<string, number>) =>
    t.space.index(
      t.space.fromJSON({
        mr: 8,
        nv: 2,
        kc: 256,
        mcPanels: 8,
        ncPanels: 16,
        unroll: 4,
        prefetch: 0,
        loopOrder: 0,
        innerOrder: 0,
        bcast: 0,
        pipeline: 0,
        packB: 0,
        par: 0,
        ...c,
      }),
    );
  const good = analytic(t, idx({}), machine).gflops;
  const oneAcc = analytic(t, idx({ mr: 1, nv: 1 }), machine).gflops;
  const tinyKc = analytic(t, idx({ kc: 32 }), machine).gflops;
  assert.ok(good > 0 && good <= machine.peakGflops, `${good}`);
  assert.ok(oneAcc < good / 4, `1x1 tile ${oneAcc} vs 8x2 ${good}`);
  assert.ok(tinyKc < good, `kc 32 ${tinyKc} vs kc 256 ${good}`);
  const row = createTask('softmax:rows=1536,cols=128');
  const g = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => analytic(row, i, machine).gflops);
  assert.ok(g.every((x) => x > 0 && Number.isFinite(x)));
});

test('learned level: trained on half of an exhaustively measured space, it ranks the other half better than the analytic level', () => {
  const rng = new Rng(1);
  const rows = fixture.measured
    .map((r) => ({ r, u: rng.random() }))
    .sort((a, b) => a.u - b.u)
    .map((x) => x.r);
  const train = rows.slice(0, rows.length >> 1),
    held = rows.slice(rows.length >> 1);
  const model = new LearnedCostModel('gemm', machine, { seed: 1 });
  model.add(train.map((r) => ({ task, index: r.index, gflops: r.gflops })));
  for (let i = 0; i < Math.ceil(train.length / 8); i++) assert.equal(model.fit().ready, true);
  const truth = held.map((r) => r.gflops ?? -Infinity);
  const learned = model.predict(
    task,
    held.map((r) => r.index),
  );
  const level0 = held.map((r) => Math.log(analytic(task, r.index, machine).gflops));
  const rhoLearned = spearman(learned, truth),
    rhoAnalytic = spearman(level0, truth);
  const k = Math.round(held.length / 10);
  const report = {
    rhoLearned,
    rhoAnalytic,
    recallLearned: recallAtK(learned, truth, 10, k),
    recallAnalytic: recallAtK(level0, truth, 10, k),
  };
  assert.ok(rhoLearned > 0.8, JSON.stringify(report));
  assert.ok(rhoLearned > rhoAnalytic, JSON.stringify(report));
  assert.ok(rhoAnalytic > 0.3, `the analytic level should already rank this space: ${JSON.stringify(report)}`);
  // Same seed, same data: the same model.
  const again = new LearnedCostModel('gemm', machine, { seed: 1 });
  again.add(train.map((r) => ({ task, index: r.index, gflops: r.gflops })));
  for (let i = 0; i < Math.ceil(train.length / 8); i++) again.fit();
  assert.deepEqual(
    Array.from(
      again.predict(
        task,
        held.map((r) => r.index),
      ),
    ),
    Array.from(learned),
  );
  model.dispose();
  again.dispose();
});

test('transfer: a model fitted only on other workloads is ready before any own measurement and has learned their order', () => {
  // The prior: the fixture's workload; the target: the same space on another shape, scored by the prior-only model
  // against the analytic level's own order (no measurements of the target exist in the fixture).
  const model = new LearnedCostModel('gemm', machine, { seed: 2 });
  model.setPrior(fixture.measured.map((r) => ({ task, index: r.index, gflops: r.gflops })));
  assert.equal(model.fit().ready, true);
  assert.equal(model.ownRecords, 0);
  assert.equal(model.priorRecords, fixture.measured.length);
  // On the prior workload itself it must have learned the order.
  const truth = fixture.measured.map((r) => r.gflops ?? -Infinity);
  assert.ok(
    spearman(
      model.predict(
        task,
        fixture.measured.map((r) => r.index),
      ),
      truth,
    ) > 0.8,
  );
  model.dispose();
});

test('too few records: the multi-level model ranks with the analytic level and says so; then trains', () => {
  const lines: string[] = [];
  const m = new MultiLevelCostModel(task, machine, { log: (s) => lines.push(s), learned: { minRecords: 16 } });
  assert.equal(m.level, 'analytic');
  assert.match(lines.join('\n'), /0 working records .* needs 16: ranking with the analytic model/);
  const s = m.score(fixture.measured.slice(0, 5).map((r) => r.index));
  assert.equal(s.length, 5);
  const asResult = (r: { index: number; gflops: number | null }): MeasureResult => ({
    config: r.index,
    configJSON: {},
    ok: r.gflops !== null,
    ms: null,
    gflops: r.gflops,
    cached: true,
    recordId: null,
  });
  m.update(fixture.measured.slice(0, 8).map(asResult));
  assert.equal(m.level, 'analytic');
  m.update(fixture.measured.slice(8, 24).map(asResult));
  assert.equal(m.level, 'learned');
  assert.match(lines.at(-1)!, /learned level is trained/);
  m.dispose();
});

test('bad input: another operator family is refused by name; an untrained model says so', () => {
  const model = new LearnedCostModel('gemm', machine, { seed: 1 });
  const softmax = createTask('softmax:rows=16,cols=64');
  assert.throws(
    () => model.add([{ task: softmax, index: 0, gflops: 1 }]),
    /ranks gemm configs .* asked to predict for softmax .* row family/,
  );
  assert.throws(
    () => model.predict(task, [0]),
    /not trained yet .* call fit\(\) first or rank with the analytic model/,
  );
  model.add(fixture.measured.slice(0, 40).map((r) => ({ task, index: r.index, gflops: r.gflops })));
  model.fit();
  assert.throws(() => model.predict(softmax, [0]), /ranks gemm configs/);
  model.dispose();
});

test('metrics: recall at k and Spearman on known orders', () => {
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  assert.equal(recallAtK([4, 3, 2, 1], [4, 3, 2, 1], 2), 1);
  assert.equal(recallAtK([1, 2, 3, 4], [4, 3, 2, 1], 2), 0);
  assert.equal(recallAtK([1, 2, 3, 4], [4, 3, 2, 1], 2, 4), 1);
  assert.equal(recallAtK([5, 1, 1, 1], [5, -Infinity, 1, 2], 1), 1);
  assert.throws(() => spearman([1], [1, 2]), /1 scores for 2 truths/);
});
