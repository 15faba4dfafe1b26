/**
 * GRPO (src/rl/algos/grpo.ts) and its test task SequenceMatch-v0 (src/rl/envs/toy_text/sequence_match.ts).
 *
 * GRPO against REINFORCE (with its learned baseline), on SequenceMatch-v0 (4 tokens of 6, reward only at the
 * end, action masks, strictMask so that a masked action fails the run): env steps until the greedy policy scores
 * >= 0.75 on 100 held-out targets (checked every 2048 steps), seeds 1..3. Each algorithm has the best of a small
 * grid (lr 1e-3 / 3e-3 / 1e-2; GRPO: 1, 4 or 8 epochs, minibatches of 8, 16 or all 32 episodes, beta 0.04 or 0;
 * REINFORCE: 8, 16 or 32 episodes per update, entCoef 0 or 0.01, gamma 0.99 or 1), both [64, 64] tanh networks:
 *   GRPO  {lr 3e-3, updateEpochs 4, minibatchSize 8}: 28672, 30720, 30720 steps (seeds 4..6: 30720, 32768, 30720)
 *   REINFORCE {lr 3e-3, 16 episodes per update}:       75776, 79872, 67584 steps (seeds 4..6: 71680, 73728, 100352)
 * so GRPO needs about 2.5x fewer samples, and the test asserts that its median is lower. Most of the gap is
 * GRPO's reuse of each batch (4 clipped epochs): with one gradient step per 16 episodes, as REINFORCE takes,
 * GRPO needed a median of 65536 steps over seeds 1..6 (the group baseline alone: about 15% fewer samples), and
 * with one step per 32 episodes 81920. Without the KL term (beta 0; 4 epochs of one minibatch) GRPO stayed
 * below a greedy 0.8 within 150k steps on 3 seeds of 5, where beta 0.04 reached it in 35k to 47k: the KL to the
 * near-uniform initial policy keeps it exploring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Box,
  CHECKPOINT_VERSION,
  Discrete,
  Env,
  EveryNSteps,
  GRPO,
  Logger,
  Reinforce,
  SequenceMatchEnv,
  checkEnv,
  createAlgorithm,
  groupAdvantages,
  grpoLoss,
  k3,
  loadAlgorithm,
  make,
  readCheckpoint,
  register,
  type ResetOptions,
  type ResetResult,
  type StepResult,
  type TrainContext,
} from '../src/rl/index.js';
import { run } from './fixtures/run_cli.js';

const STRICT = { strictMask: true };
/** Held-out targets for the greedy score: seeds far from any training seed the algorithms draw. */
const EVAL_SEED = 5_000_000;

function greedyScore(algo: { evaluate: GRPO['evaluate'] }, episodes = 100): number {
  return algo.evaluate(episodes, { deterministic: true, seed: EVAL_SEED }).mean_return;
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A small deterministic generator for the unit checks. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// ---- SequenceMatch-v0 ----

test('SequenceMatch-v0: spaces, reward only at the end (the fraction matched), masks, target options, the env checker', () => {
  const env = make<Float32Array, number>('SequenceMatch-v0', STRICT);
  const inner = env.unwrapped as SequenceMatchEnv;
  assert.ok(env.observationSpace instanceof Box && env.observationSpace.size === 2 * 4 * 6 + 4);
  assert.ok(env.actionSpace instanceof Discrete && env.actionSpace.n === 6);
  let { obs, info } = env.reset({ seed: 3, options: { target: [2, 0, 2, 5] } });
  assert.deepEqual(Array.from(inner.target), [2, 0, 2, 5]);
  assert.equal(obs[0 * 6 + 2], 1, 'target block, position 0');
  assert.equal(obs[2 * 4 * 6 + 0], 1, 'position block');
  assert.deepEqual(Array.from(info.action_mask as Int8Array), [1, 1, 1, 1, 1, 1]);
  const answer = [2, 0, 3, 5]; // 3 of 4 right
  for (let t = 0; t < 4; t++) {
    const r = env.step(answer[t]);
    assert.equal(r.terminated, t === 3);
    assert.equal(r.reward, t === 3 ? 0.75 : 0, 'no reward before the end');
    if (t < 3) assert.equal((r.info.action_mask as Int8Array)[answer[t]], 0, 'the token just emitted is masked');
    obs = r.obs;
    info = r.info;
  }
  assert.equal(info.matches, 3);
  assert.equal(obs[4 * 6 + 3 * 6 + 5], 1, 'output block holds the last token');
  env.reset({ seed: 1 });
  env.step(4);
  assert.throws(() => env.step(4), /token 4 is masked at position 1/);
  // Lenient (the registered default): a masked token is accepted and its position is a miss.
  const lenient = make<Float32Array, number>('SequenceMatch-v0');
  lenient.reset({ options: { target: [1, 2, 1, 2] } });
  const rewards = [1, 1, 1, 2].map((a) => lenient.step(a).reward);
  assert.equal(rewards[3], 0.5, 'positions 0 and 3 match; the repeated 1 at position 1 is masked, so a miss');
  assert.throws(
    () => env.reset({ options: { target: [1, 1, 2, 3] } }),
    /options\.target must be 4 integers in \[0, 5\] with no token directly repeated, got/,
  );
  assert.throws(
    () => make('SequenceMatch-v0', { vocab: 1 }),
    /argument vocab = 1 is invalid: expected an integer >= 2/,
  );
  for (let s = 0; s < 50; s++) {
    env.reset({ seed: s });
    for (let t = 1; t < 4; t++)
      assert.notEqual(inner.target[t], inner.target[t - 1], 'targets never repeat a token directly');
  }
  const report = checkEnv('SequenceMatch-v0');
  assert.equal(report.failed, 0, JSON.stringify(report.results.filter((r) => !r.ok)));
});

// ---- (a) unit checks ----

test('group advantages: mean 0 and (sample) std 1 per group; a group of equal returns gets 0, not NaN', () => {
  const rnd = lcg(7);
  const returns = [
    ...Array.from({ length: 16 }, () => rnd()),
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    ...Array.from({ length: 8 }, () => 3 * rnd() - 1),
  ];
  const adv = groupAdvantages(returns, 8, 1e-8);
  for (const g of [0, 1, 3]) {
    const a = adv.subarray(g * 8, g * 8 + 8);
    const m = mean(a);
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - m) ** 2, 0) / 7);
    assert.ok(Math.abs(m) < 1e-12, `group ${g}: mean ${m}`);
    assert.ok(Math.abs(sd - 1) < 1e-6, `group ${g}: std ${sd}`);
  }
  assert.deepEqual(Array.from(adv.subarray(16, 24)), [0, 0, 0, 0, 0, 0, 0, 0]);
  // (0.1 + 0.1 + 0.1) / 3 is not 0.1 in floating point: equal returns must still give exactly 0.
  assert.deepEqual(Array.from(groupAdvantages([0.1, 0.1, 0.1], 3)), [0, 0, 0]);
  // The order of a group does not matter, and a better return gets a larger advantage.
  const [lo, hi] = groupAdvantages([0, 1], 2);
  assert.ok(lo < 0 && hi > 0 && Math.abs(lo + hi) < 1e-15);
  assert.throws(() => groupAdvantages([1, 2, 3], 2), /3 returns do not split into groups of groupSize = 2/);
  assert.throws(() => groupAdvantages([1, 2], 1), /groupSize = 1 \(an integer >= 2\)/);
});

test('k3 KL: >= 0, 0 when the policies agree, and its expectation under pi is exactly KL(pi || pi_ref)', () => {
  const rnd = lcg(3);
  for (let i = 0; i < 1000; i++) {
    const a = -5 * rnd(),
      b = -5 * rnd();
    assert.ok(k3(a, b) >= 0, `k3(${a}, ${b}) = ${k3(a, b)}`);
    assert.ok(Math.abs(k3(a, b) - (Math.exp(b - a) - (b - a) - 1)) < 1e-12);
  }
  assert.equal(k3(-1.3, -1.3), 0);
  const logits = (n: number) => Array.from({ length: n }, () => 3 * rnd());
  const logSoftmax = (l: number[]) => {
    const m = Math.max(...l),
      s = Math.log(l.reduce((acc, x) => acc + Math.exp(x - m), 0));
    return l.map((x) => x - m - s);
  };
  const lp = logSoftmax(logits(5)),
    lr = logSoftmax(logits(5));
  const expected = lp.reduce((s, l, i) => s + Math.exp(l) * k3(l, lr[i]), 0);
  const kl = lp.reduce((s, l, i) => s + Math.exp(l) * (l - lr[i]), 0);
  assert.ok(Math.abs(expected - kl) < 1e-12, `E[k3] = ${expected}, KL = ${kl}`);
});

test('GRPO loss: hand-computed clipped cases, and dL/dlog pi matches central finite differences', () => {
  const d = new Float64Array(1);
  const w = [0.25];
  // A > 0 and rho = e^0.5 > 1.2: the clipped term is the smaller one, so L = -1.2 w A and no policy gradient.
  let t = grpoLoss(1, [0.5], [0], [0.5], [1], w, 0.2, 0.04, d);
  assert.ok(Math.abs(t.loss - -1.2 * 0.25) < 1e-12 && d[0] === 0 && t.clipFraction === 1);
  // A < 0 and rho = e^0.5: min(-rho, -1.2) = -rho, the unclipped term is active: dL/dlogp = -w rho A.
  t = grpoLoss(1, [0.5], [0], [0.5], [-1], w, 0.2, 0, d);
  assert.ok(Math.abs(t.loss - 0.25 * Math.exp(0.5)) < 1e-12 && Math.abs(d[0] - 0.25 * Math.exp(0.5)) < 1e-12);
  // rho = 1 (first pass), ref = old: the KL term and its gradient are 0 and dL/dlogp = -w A.
  t = grpoLoss(1, [-1], [-1], [-1], [2], w, 0.2, 0.5, d);
  assert.ok(Math.abs(t.loss - -0.5) < 1e-12 && t.kl === 0 && Math.abs(d[0] - -0.5) < 1e-12);
  // Random cases against finite differences (away from the kinks at rho = 1 +- c).
  const rnd = lcg(11);
  const n = 40,
    h = 1e-6;
  const logp = Float64Array.from({ length: n }, () => -3 * rnd() - 0.1);
  const old = Float64Array.from(logp, (l) => l + 0.6 * (rnd() - 0.5));
  const ref = Float64Array.from(logp, (l) => l + 2 * (rnd() - 0.5));
  const adv = Float64Array.from({ length: n }, () => 2 * rnd() - 1);
  const weight = Float64Array.from({ length: n }, () => rnd() / n);
  const grad = new Float64Array(n);
  grpoLoss(n, logp, old, ref, adv, weight, 0.2, 0.04, grad);
  let checked = 0;
  for (let k = 0; k < n; k++) {
    const rho = Math.exp(logp[k] - old[k]);
    if (Math.abs(rho - 0.8) < 1e-3 || Math.abs(rho - 1.2) < 1e-3) continue;
    const at = (v: number) => {
      const x = Float64Array.from(logp);
      x[k] = v;
      return grpoLoss(n, x, old, ref, adv, weight, 0.2, 0.04).loss;
    };
    const fd = (at(logp[k] + h) - at(logp[k] - h)) / (2 * h);
    assert.ok(Math.abs(fd - grad[k]) < 1e-7, `step ${k}: analytic ${grad[k]}, finite difference ${fd}`);
    checked++;
  }
  assert.ok(checked > 30);
});

// ---- groups: G episodes from one start; the prompt source ----

const resets: ResetOptions[] = [];

/** Records its resets; reward 1 for action 1 at the last of 3 steps (an outcome-only reward). */
class ResetProbe extends Env<Float32Array, number> {
  readonly observationSpace = new Box(0, 10, [2]);
  readonly actionSpace = new Discrete(3);
  private t = 0;
  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    resets.push(opts);
    this.t = 0;
    return {
      obs: new Float32Array([0, Number(opts.options?.level ?? 0)]),
      info: { action_mask: new Int8Array([1, 1, 0]) },
    };
  }
  step(a: number): StepResult<Float32Array> {
    if (a === 2) throw new Error('masked action 2 was taken');
    this.t++;
    const end = this.t === 3;
    return {
      obs: new Float32Array([this.t, 0]),
      reward: end && a === 1 ? 1 : 0,
      terminated: end,
      truncated: false,
      info: { action_mask: new Int8Array([1, 1, 0]) },
    };
  }
}
register('test/ResetProbe-v0', { entryPoint: () => new ResetProbe() });

/** ResetProbe whose action mask has 2 entries for its 3 actions. */
class ShortMask extends ResetProbe {
  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    return { ...super.reset(opts), info: { action_mask: new Int8Array([1, 1]) } };
  }
}
register('test/ShortMask-v0', { entryPoint: () => new ShortMask() });

test('GRPO resets the G episodes of a group with the same seed and options; the prompt source is pluggable', async () => {
  resets.length = 0;
  const seen: number[] = [];
  const algo = new GRPO('test/ResetProbe-v0', {
    groupSize: 4,
    promptsPerIteration: 3,
    seed: 2,
    prompts: (i) => {
      seen.push(i);
      return { options: { level: i % 2 } }; // no seed: GRPO draws one per group
    },
  });
  const r = await algo.learn({ totalSteps: 2 * 3 * 4 * 3 });
  assert.equal(r.steps, 72);
  assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  assert.equal(resets.length, 24);
  const groups = Array.from({ length: 6 }, (_v, g) => resets.slice(4 * g, 4 * g + 4));
  for (const [g, grp] of groups.entries()) {
    for (const s of grp) assert.deepEqual(s, grp[0], `group ${g}: every episode starts where the first did`);
    assert.equal(grp[0].options?.level, g % 2);
    assert.ok(Number.isSafeInteger(grp[0].seed));
  }
  assert.equal(new Set(groups.map((grp) => grp[0].seed)).size, 6, 'a fresh seed per group');
  // The default source: a fresh seed per group, no options.
  resets.length = 0;
  const plain = new GRPO('test/ResetProbe-v0', { groupSize: 2, promptsPerIteration: 2, seed: 2 });
  await plain.learn({ totalSteps: 12 });
  assert.deepEqual(
    resets.map((s) => Object.keys(s)),
    [['seed'], ['seed'], ['seed'], ['seed']],
  );
  assert.ok(
    resets[0].seed === resets[1].seed && resets[2].seed === resets[3].seed && resets[0].seed !== resets[2].seed,
  );
  // A stop request in the middle of a group ends the iteration once that group is complete.
  resets.length = 0;
  const stopped = new GRPO('test/ResetProbe-v0', { groupSize: 4, promptsPerIteration: 3, seed: 2 });
  const s = await stopped.learn({ totalSteps: 1000, callbacks: [{ onStep: (ctx) => ctx.numTimesteps < 5 }] });
  assert.equal(s.steps, 12, 'one whole group of 4 episodes of 3 steps');
  assert.equal(resets.length, 4);
  stopped.close();
  // evaluate() takes starts too (e.g. one workload per episode); a start without a seed gets seed + e.
  resets.length = 0;
  plain.evaluate(2, { seed: 40, starts: (e) => ({ options: { level: e + 5 } }) });
  assert.deepEqual(resets, [
    { options: { level: 5 }, seed: 40 },
    { options: { level: 6 }, seed: 41 },
  ]);
  algo.close();
  plain.close();
});

// ---- (b) learning ----

test('GRPO learns SequenceMatch-v0: the greedy score rises well above the initial policy in 24k steps', async () => {
  const algo = new GRPO('SequenceMatch-v0', {
    envKwargs: STRICT,
    lr: 3e-3,
    updateEpochs: 4,
    minibatchSize: 8,
    seed: 1,
  });
  const before = greedyScore(algo);
  const logger = new Logger(null);
  await algo.learn({ totalSteps: 24_576, logger });
  const after = greedyScore(algo);
  assert.ok(
    before < 0.35 && after > 0.5 && after - before > 0.25,
    `greedy score ${before.toFixed(3)} -> ${after.toFixed(3)} (a uniform policy scores about 0.17)`,
  );
  const updates = logger.records.filter((r) => r.event === 'update');
  assert.ok(updates.length > 10 && updates.every((u) => (u.kl as number) >= 0 && Number.isFinite(u.policy_loss)));
  const first = mean(updates.slice(0, 5).map((u) => u.return_mean as number)),
    last = mean(updates.slice(-5).map((u) => u.return_mean as number));
  assert.ok(last > first + 0.2, `sampled return ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  // On a given prompt (the target as a reset option), the greedy answer is mostly right.
  const targets = [
    [0, 1, 2, 3],
    [5, 4, 3, 2],
    [1, 3, 1, 3],
  ];
  const onTargets = algo.evaluate(3, { starts: (e) => ({ options: { target: targets[e] } }) });
  assert.ok(onTargets.mean_return >= 0.5, `score on given targets ${onTargets.mean_return}`);
  algo.close();
});

// ---- (c) GRPO vs REINFORCE ----

/** Env steps until the greedy score reaches `threshold` (Infinity if not within `budget`). */
async function stepsToThreshold(make: () => GRPO | Reinforce, threshold: number, budget: number): Promise<number> {
  const algo = make();
  let reached = Infinity;
  const probe = new EveryNSteps(2048, (ctx: TrainContext) => {
    if (greedyScore(algo) >= threshold) {
      reached = ctx.numTimesteps;
      ctx.stop = true;
    }
  });
  await algo.learn({ totalSteps: budget, callbacks: [probe] });
  algo.close();
  return reached;
}

test('GRPO needs fewer samples than REINFORCE on SequenceMatch-v0 (median over seeds 1..3; numbers in the header)', async () => {
  const threshold = 0.75,
    budget = 150_000,
    seeds = [1, 2, 3];
  const grpo: number[] = [],
    reinforce: number[] = [];
  for (const seed of seeds) {
    grpo.push(
      await stepsToThreshold(
        () => new GRPO('SequenceMatch-v0', { envKwargs: STRICT, lr: 3e-3, updateEpochs: 4, minibatchSize: 8, seed }),
        threshold,
        budget,
      ),
    );
    reinforce.push(
      await stepsToThreshold(
        () => new Reinforce('SequenceMatch-v0', { envKwargs: STRICT, lr: 3e-3, seed }),
        threshold,
        budget,
      ),
    );
  }
  const msg = `env steps to a greedy score >= ${threshold} (seeds ${seeds.join(', ')}): GRPO ${grpo.join(', ')} (median ${median(grpo)}); REINFORCE ${reinforce.join(', ')} (median ${median(reinforce)})`;
  console.log(msg);
  assert.ok(
    grpo.every(Number.isFinite) && reinforce.every(Number.isFinite),
    `both must learn within ${budget} steps: ${msg}`,
  );
  assert.ok(median(grpo) < median(reinforce), msg);
});

// ---- (d) checkpoints and determinism ----

test('GRPO: same seed, same run; checkpoints round-trip, and a loaded one continues exactly as the original', async () => {
  const cfg = { envKwargs: STRICT, groupSize: 4, promptsPerIteration: 2, refUpdateInterval: 3, seed: 9 };
  const curve = async (seed: number) => {
    const logger = new Logger(null);
    const a = new GRPO('SequenceMatch-v0', { ...cfg, seed });
    await a.learn({ totalSteps: 2048, logger });
    a.close();
    return logger.records
      .filter((r) => r.event !== 'solved')
      .map((r) => JSON.stringify({ ...r, time_s: 0, sps: 0, time_collect_ms: 0, time_update_ms: 0 }));
  };
  const once = await curve(9);
  assert.deepEqual(await curve(9), once);
  assert.notDeepEqual(await curve(10), once);

  const dir = mkdtempSync(join(tmpdir(), 'rltune-grpo-'));
  const a = new GRPO('SequenceMatch-v0', cfg);
  await a.learn({ totalSteps: 2048 });
  a.save(dir);
  const m = readCheckpoint(dir).manifest;
  assert.equal(m.algo, 'grpo');
  assert.equal(m.version, CHECKPOINT_VERSION);
  assert.ok('actor' in m.tensors && 'reference' in m.tensors && 'adam_m_actor' in m.tensors);
  assert.equal((m.state as { prompts_drawn: number }).prompts_drawn, a.promptsDrawn);
  const b = loadAlgorithm(dir) as GRPO;
  assert.ok(b instanceof GRPO && b.numTimesteps === a.numTimesteps && b.iterations === a.iterations);
  assert.deepEqual(b.reference.params, a.reference.params);
  const env = make<Float32Array, number>('SequenceMatch-v0');
  for (let s = 0; s < 5; s++) {
    const { obs, info } = env.reset({ seed: s });
    const mask = info.action_mask as Int8Array;
    assert.equal(b.predict(obs, { actionMask: mask }), a.predict(obs, { actionMask: mask }));
  }
  const rest = async (algo: GRPO) => {
    const logger = new Logger(null);
    await algo.learn({ totalSteps: 4096, logger });
    return logger.records.filter((r) => r.event === 'update').map((r) => [r.step, r.policy_loss, r.kl, r.return_mean]);
  };
  assert.deepEqual(await rest(b), await rest(a), 'resumed from the checkpoint = continued in memory');
  a.close();
  b.close();
});

test('rltune train --algo grpo uses the registry and the preset; eval reads its checkpoint', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'rltune-grpo-cli-')), 'run');
  const t = run(
    'train',
    '--env',
    'SequenceMatch-v0',
    '--algo',
    'grpo',
    '--steps',
    '1024',
    '--seed',
    '2',
    '--out',
    out,
    '--json',
  );
  assert.equal(t.code, 0, t.stderr);
  const j = JSON.parse(t.last);
  assert.equal(j.algo, 'grpo');
  assert.ok(j.steps >= 1024);
  assert.equal(readCheckpoint(out).manifest.config.updateEpochs, 4);
  const e = run('eval', '--checkpoint', out, '--episodes', '5', '--json');
  assert.equal(e.code, 0, e.stderr);
  assert.equal(JSON.parse(e.last).episodes, 5);
});

// ---- (e) bad input ----

test('GRPO: bad hyperparameters, spaces, prompts and masks get errors naming the value', async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { groupSize: 1 },
      /grpo: groupSize must be an integer >= 2 \(the advantage compares the episodes of a group\), got 1/,
    ],
    [{ groupSize: 2.5 }, /groupSize must be an integer >= 2 .*got 2\.5/],
    [{ promptsPerIteration: 0 }, /promptsPerIteration must be a positive integer, got 0/],
    [{ clipRange: 0 }, /clipRange must be a number in \(0, 1\), got 0/],
    [{ klCoef: -0.1 }, /klCoef must be a finite number >= 0, got -0\.1/],
    [{ updateEpochs: 0 }, /updateEpochs must be a positive integer, got 0/],
    [{ minibatchSize: 0 }, /minibatchSize must be a positive integer \(episodes\) or null \(all\), got 0/],
    [{ lr: 0 }, /lr must be a positive number, got 0/],
    [{ refUpdateInterval: 0 }, /refUpdateInterval must be a positive integer or null/],
    [{ hidden: [64, 0] }, /hidden must be an array of positive integer layer widths/],
    [{ prompts: 'workloads' }, /prompts must be a function \(index, rng\) => \{seed\?, options\?\}, got "workloads"/],
  ];
  for (const [cfg, re] of cases) assert.throws(() => new GRPO('SequenceMatch-v0', cfg), re, JSON.stringify(cfg));
  assert.throws(
    () => createAlgorithm('grpo', 'Pendulum-v1', {}),
    /grpo needs a Discrete action space .*Pendulum-v1 has Box.*\(grpo supports: Box observations and Discrete actions/,
  );
  assert.throws(
    () => createAlgorithm('grpo', 'FrozenLake-v1', {}),
    /grpo needs a Box observation space .*FrozenLake-v1 has Discrete\(16\)/,
  );
  const badSource = new GRPO('SequenceMatch-v0', { prompts: (i) => (i === 1 ? (42 as never) : {}) });
  await assert.rejects(
    badSource.learn({ totalSteps: 10_000 }),
    /the prompt source returned 42 for prompt 1; expected \{seed\?, options\?\}/,
  );
  badSource.close();
  const shortMask = new GRPO('test/ShortMask-v0', {});
  await assert.rejects(
    shortMask.learn({ totalSteps: 100 }),
    /grpo: info\.action_mask has 2 entries at step 0, expected 3 \(one per action\)/,
  );
  assert.throws(() => shortMask.predict([1, 2, 3]), /grpo\.predict: expected an observation of 2 numbers, got/);
  shortMask.close();
});
