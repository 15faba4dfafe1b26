/**
 * The RL tuner's policies: train-policy from the records of a workload set (behaviour cloning, AWR, GRPO on the
 * cost model), the policy directory and its compatibility checks, held-out workloads never read, an empty
 * database, and the tuner starting from a policy (or refusing one).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { costMachine } from '../src/tune/cost/features.js';
import { hostMachine } from '../src/tune/measure/machine.js';
import { RecordsDB } from '../src/tune/records/db.js';
import { policyMismatch, PolicyMismatchError, readPolicyMeta } from '../src/tune/search/rl/policy_io.js';
import { cloneSamplesFromRecords, trainPolicy } from '../src/tune/search/rl/policy_train.js';
import { hamming } from '../src/tune/search/knobs.js';
import { GrpoTuner, PpoTuner } from '../src/tune/search/rl/policy_tuner.js';
import { hostTarget } from '../src/tune/space/target.js';
import { createTask } from '../src/tune/task/task.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const fixture = JSON.parse(
  readFileSync(join(here, '..', '..', 'test', 'fixtures', 'prune-exhaustive.json'), 'utf8'),
) as { spec: string; measured: { index: number; config: object; gflops: number | null }[] };
const TRAIN = createTask(fixture.spec),
  HELD = createTask('gemm:M=100,N=200,K=300,epilogue=bias');
const machine = costMachine(hostTarget(), null, {});

function dbWithRecords(): { db: RecordsDB; id: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-policy-'));
  const db = new RecordsDB(join(dir, 'r.db'));
  const id = db.addMachine(hostMachine());
  const put = (t: typeof TRAIN, index: number, g: number | null) =>
    db.insert(t.spec, id, {
      space: t.spaceId,
      config_index: index,
      config: JSON.stringify(t.configJSON(index)),
      ok: g === null ? 0 : 1,
      median_ms: g === null ? null : 1,
      min_ms: null,
      max_ms: null,
      runs: 5,
      gflops: g,
      error_kind: g === null ? 'crash' : null,
      error_message: null,
      source_hash: null,
      settings: null,
      run_id: 'test',
    });
  for (const r of fixture.measured) put(TRAIN, r.index, r.gflops);
  // Records of a held-out workload: train-policy must never read them.
  for (const r of fixture.measured.slice(0, 50)) put(HELD, r.index, 1000);
  return { db, id, dir };
}

test('train-policy: clones the best records of the training workloads only, trains GRPO on the cost model, writes a policy directory', async () => {
  const { db, id, dir } = dbWithRecords();
  const lines: string[] = [];
  const out = join(dir, 'policy');
  const r = await trainPolicy({
    tasks: [TRAIN],
    db,
    machineId: id,
    machine,
    out,
    steps: 1500,
    bcTop: 10,
    seed: 3,
    log: (m) => lines.push(m),
  });
  assert.equal(
    r.records,
    fixture.measured.length,
    'every record of the training workload and none of the held-out one',
  );
  assert.deepEqual(r.workloads, [TRAIN.spec]);
  assert.equal(r.bc_samples, 10);
  assert.ok(r.bc_nll !== null && r.bc_nll < 1.2, `behaviour cloning fits the best configs' choices: NLL ${r.bc_nll}`);
  assert.equal(r.cost_model, 'learned');
  assert.ok(r.steps >= 1500);
  assert.ok(existsSync(join(out, 'checkpoint', 'manifest.json')));
  const meta = readPolicyMeta(out);
  assert.equal(meta.space_family, 'gemm-v2');
  assert.equal(meta.isa, hostTarget().isa);
  assert.deepEqual(meta.trained_on, [TRAIN.spec]);
  assert.equal(policyMismatch(meta, HELD, hostTarget()), null, 'another shape is what transfer is for');
  assert.match(
    policyMismatch(meta, createTask('softmax:rows=4,cols=64'), hostTarget())!,
    /trained on the gemm-v2 space family; .* is in row-v1/,
  );
  assert.match(
    policyMismatch(meta, TRAIN, { isa: 'neon', lanes: 4, registers: 32, flags: [] })!,
    /trained for avx512 .* target is neon/,
  );
  // The tuner starts from it; its samples (without the walks on the cost model) lean to the cloned best configs.
  const top = new Set(
    [...fixture.measured]
      .filter((x) => x.gflops !== null)
      .sort((a, b) => b.gflops! - a.gflops!)
      .slice(0, 34)
      .map((x) => x.index),
  );
  const warm = new GrpoTuner(
    TRAIN,
    1,
    { machine, log: (m) => lines.push(m) },
    { policyDir: out, trainSteps: 0, samples: 64, walkSteps: 0, coldShare: 0 },
  );
  assert.equal(warm.policyFrom, out);
  const picks = await warm.propose(8);
  // The pretrained policy is peaked: its 64 samples hold few distinct configs. The walks from them fill the
  // adaptive-sampling pool (4 x batch) with the cost model's picks near them, instead of leaving it short.
  const pool = (t: GrpoTuner) => (t as unknown as { candidates(): number[] }).candidates().length;
  const short = pool(warm);
  warm.dispose();
  const walked = new GrpoTuner(TRAIN, 1, { machine }, { policyDir: out, trainSteps: 0, samples: 64, coldShare: 0 });
  const walkedPicks = await walked.propose(8);
  assert.equal(new Set(walkedPicks).size, 8);
  assert.ok(
    short < 32 && pool(walked) === 32,
    `pool without walks ${short}, with walks ${pool(walked)} (4 x batch expected)`,
  );
  walked.dispose();
  const cold = new GrpoTuner(TRAIN, 1, { machine }, { defaultPolicy: false, trainSteps: 0, samples: 64, walkSteps: 0 });
  const coldPicks = await cold.propose(8);
  assert.equal(cold.stats().cold_share, 0, 'a cold start has no companion');
  cold.dispose();
  const hits = (xs: number[]) => xs.filter((i) => top.has(i)).length;
  assert.ok(hits(picks) > hits(coldPicks), `pretrained picks ${hits(picks)} of the top 10% vs cold ${hits(coldPicks)}`);
  assert.match(lines.join('\n'), /starting from the policy in/);
  // The cold companion (default: half the samples) draws its samples from an untrained policy; with all samples
  // from it, the picks lean to the cloned configs no more than a cold tuner's do.
  const mixLog: string[] = [];
  const mixed = new GrpoTuner(
    TRAIN,
    1,
    { machine, log: (m) => mixLog.push(m) },
    { policyDir: out, trainSteps: 0, samples: 64, walkSteps: 0 },
  );
  assert.match(mixLog.join('\n'), /50% of samples from a cold companion/);
  assert.equal(mixed.stats().cold_share, 0.5);
  mixed.dispose();
  const allCold = new GrpoTuner(
    TRAIN,
    1,
    { machine },
    { policyDir: out, trainSteps: 0, samples: 64, walkSteps: 0, coldShare: 1 },
  );
  const allColdPicks = await allCold.propose(8);
  allCold.dispose();
  assert.ok(
    hits(picks) > hits(allColdPicks),
    `pretrained picks ${hits(picks)} of the top 10% vs all from the companion ${hits(allColdPicks)}`,
  );
  assert.throws(
    () => new GrpoTuner(TRAIN, 1, { machine }, { policyDir: out, coldShare: 1.5 }),
    /coldShare must be a number in \[0, 1\], got 1.5/,
  );
  // ppo takes the GRPO policy's actor weights (same widths).
  const ppo = new PpoTuner(TRAIN, 1, { machine }, { policyDir: out, trainSteps: 0 });
  assert.equal(ppo.policyFrom, out);
  ppo.dispose();
  db.close();
});

test('an incompatible policy is refused with a clear message, or skipped with policyFallback; no records: train from scratch and say so', async () => {
  const { db, id, dir } = dbWithRecords();
  const out = join(dir, 'rowpolicy');
  const lines: string[] = [];
  const softmax = createTask('softmax:rows=16,cols=64');
  const empty = new RecordsDB(join(dir, 'empty.db'));
  const r = await trainPolicy({
    tasks: [softmax],
    db: empty,
    machineId: empty.addMachine(hostMachine()),
    machine,
    out,
    steps: 200,
    log: (m) => lines.push(m),
  });
  assert.equal(r.records, 0);
  assert.equal(r.bc_samples, 0);
  assert.match(lines.join('\n'), /no records of these workloads: no behaviour cloning, the policy trains from scratch/);
  assert.throws(
    () => new GrpoTuner(TRAIN, 1, { machine }, { policyDir: out }),
    (e: Error) =>
      e instanceof PolicyMismatchError &&
      /cannot tune gemm:M=700.*trained on the row-v1 space family.*--policy-fallback/.test(e.message),
  );
  const logs: string[] = [];
  const fb = new GrpoTuner(TRAIN, 1, { machine, log: (m) => logs.push(m) }, { policyDir: out, policyFallback: true });
  assert.equal(fb.policyFrom, null);
  assert.match(logs.join('\n'), /starting cold/);
  fb.dispose();
  assert.throws(
    () => new GrpoTuner(TRAIN, 1, { machine }, { policyDir: join(dir, 'nothing') }),
    /is not a policy directory: it has no policy.json/,
  );
  await assert.rejects(
    trainPolicy({ tasks: [TRAIN, softmax], db, machineId: id, machine, out: join(dir, 'x'), steps: 0 }),
    /one policy per space family/,
  );
  const { bc, awr } = cloneSamplesFromRecords([{ task: TRAIN, index: 1, gflops: null }]);
  assert.equal(bc.length + awr.length, 0, 'failed records are not cloned');
  db.close();
  empty.close();
});

// Incumbent walkers: from the second round on, the best measured configs of the run start walks on the cost model
// too. With one policy sample per round, nearly all of a batch then comes from the incumbents' neighbourhoods;
// without them (incumbents: 0) the batch comes from the one sample's walk and random configs.
test('the RL strategies walk from the measured incumbents as well as from the policy samples', async () => {
  const radix = TRAIN.space.knobs.map((k) => k.values.length);
  const best = [...fixture.measured]
    .filter((x) => x.gflops !== null)
    .sort((a, b) => b.gflops! - a.gflops!)
    .slice(0, 8);
  // The fixture's recorded measurements, as the loop would hand them back.
  const results = best.map((x) => ({
    config: x.index,
    configJSON: x.config as Record<string, number>,
    ok: true,
    ms: { median: 1, min: 1, max: 1, runs: 5 },
    gflops: x.gflops,
    cached: true,
    recordId: null,
  }));
  const near = async (incumbents: number) => {
    const t = new GrpoTuner(
      TRAIN,
      4,
      { machine, epsilon: 0 },
      { defaultPolicy: false, trainSteps: 0, samples: 1, walkSteps: 2, incumbents },
    );
    await t.propose(8);
    t.update(results);
    const batch = await t.propose(8);
    t.dispose();
    assert.ok(
      batch.every((c) => !best.some((b) => b.index === c)),
      'a measured incumbent is never proposed again',
    );
    return batch.filter((c) => best.some((b) => hamming(radix, c, b.index) <= 2)).length;
  };
  const withIncumbents = await near(24),
    without = await near(0);
  assert.ok(withIncumbents >= 7, `incumbents: ${withIncumbents} of 8 proposals within 2 knobs of a measured incumbent`);
  assert.ok(without < withIncumbents, `without incumbents: ${without} of 8, with: ${withIncumbents}`);
  assert.throws(
    () => new GrpoTuner(TRAIN, 1, { machine }, { defaultPolicy: false, incumbents: -1 }),
    /incumbents must be a non-negative integer, got -1/,
  );
});
