import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasTransitionTable, type Env, type Transition, type TransitionTable } from '../src/rl/core/env.js';
import { Rng } from '../src/rl/core/rng.js';
import {
  CliffWalkingEnv,
  FrozenLakeEnv,
  TaxiEnv,
  decodeTaxiState,
  encodeTaxiState,
  generateRandomMap,
} from '../src/rl/envs/toy_text/index.js';

type TabularEnv = Env<number, number> & { P: TransitionTable; setStateIndex(s: number): void; getStateIndex(): number };

/** Env id -> how to build it, for the golden files (found by their "env" field, never by a fixed list). */
const BUILDERS: Record<string, () => TabularEnv> = {
  'FrozenLake-v1': () => new FrozenLakeEnv({ mapName: '4x4', isSlippery: true }),
  'FrozenLake8x8-v1': () => new FrozenLakeEnv({ mapName: '8x8', isSlippery: true }),
  'CliffWalking-v1': () => new CliffWalkingEnv(),
  'CliffWalkingSlippery-v1': () => new CliffWalkingEnv({ isSlippery: true }),
  'Taxi-v4': () => new TaxiEnv(),
};

// dist/test/toy_text.test.js -> repository root
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function goldenDirs(): string[] {
  const dirs = [join(ROOT, 'test', 'golden'), join(ROOT, 'shared', 'golden'), join(ROOT, '..', 'shared', 'golden')];
  const seen = new Set<string>();
  return dirs.filter((d) => {
    if (!existsSync(d)) return false;
    const real = realpathSync(d);
    if (seen.has(real)) return false;
    seen.add(real);
    return true;
  });
}

interface GoldenTable {
  env?: string;
  n_states?: number;
  n_actions?: number;
  P: Record<string, Record<string, [number, number, number, boolean][]>>;
}

function goldenTables(): { file: string; id: string; golden: GoldenTable }[] {
  const out: { file: string; id: string; golden: GoldenTable }[] = [];
  for (const dir of goldenDirs()) {
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const file = join(dir, name);
      const golden = JSON.parse(readFileSync(file, 'utf8')) as Partial<GoldenTable>;
      if (golden.P === undefined) continue;
      out.push({ file, id: golden.env ?? name.replace(/\.json$/, ''), golden: golden as GoldenTable });
    }
  }
  return out;
}

function byOutcome(a: Transition, b: Transition): number {
  return a[1] - b[1] || a[2] - b[2] || Number(a[3]) - Number(b[3]) || a[0] - b[0];
}

test('golden transition tables: at least the four toy-text files are found', () => {
  const ids = new Set(goldenTables().map((g) => g.id));
  for (const id of ['FrozenLake-v1', 'FrozenLake8x8-v1', 'CliffWalking-v1', 'Taxi-v4'])
    assert.ok(ids.has(id), `no golden P for ${id} in ${goldenDirs().join(', ')}`);
});

for (const { file, id, golden } of goldenTables()) {
  test(`golden P of ${id} (${file})`, (t) => {
    const build = BUILDERS[id];
    if (build === undefined) {
      t.skip(`no toy-text env is mapped to ${id}`);
      return;
    }
    const env = build();
    const nS = Object.keys(golden.P).length;
    if (golden.n_states !== undefined) assert.equal(golden.n_states, nS);
    assert.equal(env.P.length, nS, 'number of states');
    assert.equal((env.observationSpace as unknown as { n: number }).n, nS);
    for (let s = 0; s < nS; s++) {
      const gs = golden.P[String(s)];
      const nA = Object.keys(gs).length;
      if (golden.n_actions !== undefined) assert.equal(golden.n_actions, nA);
      assert.equal(env.P[s].length, nA, `number of actions in state ${s}`);
      for (let a = 0; a < nA; a++) {
        const want = [...gs[String(a)]].sort(byOutcome);
        const got = [...env.P[s][a]].sort(byOutcome);
        const where = `${id} P[${s}][${a}]: got ${JSON.stringify(env.P[s][a])}, golden ${JSON.stringify(gs[String(a)])}`;
        assert.equal(got.length, want.length, where);
        for (let i = 0; i < got.length; i++) {
          assert.ok(Math.abs(got[i][0] - want[i][0]) <= 1e-9, where);
          assert.equal(got[i][1], want[i][1], where);
          assert.equal(got[i][2], want[i][2], where);
          assert.equal(got[i][3], want[i][3], where);
        }
      }
    }
  });
}

/** A run of `steps` steps (resetting after each episode end) with actions from their own seeded stream. */
function trace(env: TabularEnv, seed: number, steps: number): unknown[] {
  const actions = new Rng(seed + 1);
  const nA = env.P[0].length;
  const out: unknown[] = [env.reset({ seed }).obs];
  for (let i = 0; i < steps; i++) {
    const r = env.step(actions.below(nA));
    out.push([r.obs, r.reward, r.terminated, r.truncated, r.info.prob]);
    if (r.terminated) out.push(env.reset().obs);
  }
  return out;
}

const VARIANTS: [string, () => TabularEnv][] = [
  ['FrozenLake-v1', BUILDERS['FrozenLake-v1']],
  ['FrozenLake8x8-v1', BUILDERS['FrozenLake8x8-v1']],
  ['CliffWalking-v1', BUILDERS['CliffWalking-v1']],
  ['CliffWalking slippery', () => new CliffWalkingEnv({ isSlippery: true })],
  ['Taxi-v4', BUILDERS['Taxi-v4']],
  ['Taxi-v4 rainy and fickle', () => new TaxiEnv({ isRainy: true, ficklePassenger: true })],
];

for (const [name, build] of VARIANTS) {
  test(`${name}: the same seed gives the same trajectory, and every step follows P`, () => {
    const a = trace(build(), 7, 500);
    const b = trace(build(), 7, 500);
    assert.deepEqual(a, b);
    assert.notDeepEqual(trace(build(), 8, 500), a);

    const env = build();
    assert.ok(hasTransitionTable(env));
    const actions = new Rng(3);
    let s = env.reset({ seed: 11 }).obs;
    assert.ok(env.observationSpace.contains(s));
    for (let i = 0; i < 300; i++) {
      const act = actions.below(env.P[0].length);
      const r = env.step(act);
      assert.equal(r.truncated, false);
      assert.equal(env.getStateIndex(), r.obs);
      const fickle = env instanceof TaxiEnv && env.ficklePassenger;
      // A fickle passenger changes only the destination, outside P.
      const match = env.P[s][act].find(
        (t) =>
          t[0] === r.info.prob &&
          t[2] === r.reward &&
          t[3] === r.terminated &&
          (t[1] === r.obs || (fickle && t[1] >> 2 === r.obs >> 2)),
      );
      assert.ok(
        match,
        `step from ${s} with ${act} gave ${JSON.stringify(r)}, not in P ${JSON.stringify(env.P[s][act])}`,
      );
      s = r.terminated ? env.reset().obs : r.obs;
    }
  });
}

/** Empirical next-state frequencies of `step()` from one state-action, against P (fixed seed, tolerance 0.015). */
function checkFrequencies(env: TabularEnv, s: number, a: number, n = 20000): void {
  const want = new Map<number, number>();
  for (const [p, next] of env.P[s][a]) want.set(next, (want.get(next) ?? 0) + p);
  const got = new Map<number, number>();
  env.reset({ seed: 1234 });
  for (let i = 0; i < n; i++) {
    env.setStateIndex(s);
    const next = env.step(a).obs;
    got.set(next, (got.get(next) ?? 0) + 1 / n);
  }
  for (const next of got.keys()) assert.ok(want.has(next), `P[${s}][${a}] has no outcome ${next}`);
  for (const [next, p] of want)
    assert.ok(
      Math.abs((got.get(next) ?? 0) - p) < 0.015,
      `P[${s}][${a}] -> ${next}: frequency ${got.get(next)} vs ${p}`,
    );
}

test('empirical transition frequencies match P', () => {
  checkFrequencies(new FrozenLakeEnv(), 9, 1);
  checkFrequencies(new FrozenLakeEnv(), 0, 0);
  checkFrequencies(new FrozenLakeEnv({ successRate: 0.6 }), 10, 2);
  checkFrequencies(new CliffWalkingEnv({ isSlippery: true }), 25, 2);
  checkFrequencies(new TaxiEnv({ isRainy: true }), encodeTaxiState(1, 3, 0, 1), 0);
});

test('start states: FrozenLake and CliffWalking start on S, Taxi uniformly on its 300 start states', () => {
  assert.equal(new FrozenLakeEnv().reset({ seed: 0 }).obs, 0);
  assert.deepEqual(new FrozenLakeEnv().reset({ seed: 0 }).info, { prob: 1 });
  assert.deepEqual(new CliffWalkingEnv().reset({ seed: 0 }), { obs: 36, info: { prob: 1 } });
  const twoStarts = new FrozenLakeEnv({ desc: ['SFS', 'FFG'] });
  const starts = new Set<number>();
  twoStarts.reset({ seed: 5 });
  for (let i = 0; i < 200; i++) starts.add(twoStarts.reset().obs);
  assert.deepEqual([...starts].sort(), [0, 2]);

  const taxi = new TaxiEnv();
  const counts = new Map<number, number>();
  taxi.reset({ seed: 9 });
  for (let i = 0; i < 60000; i++) {
    const s = taxi.reset().obs;
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  assert.equal(counts.size, 300);
  for (const [s, c] of counts) {
    const [, , pass, dest] = decodeTaxiState(s);
    assert.ok(pass < 4 && pass !== dest, `start state ${s} has passenger ${pass}, destination ${dest}`);
    assert.ok(c > 130 && c < 270, `start state ${s} drawn ${c} times of 60000 (expected 200)`);
  }
});

test('FrozenLake: custom maps, successRate and rewardSchedule build P as the reference does', () => {
  const env = new FrozenLakeEnv({ desc: ['SFG'], isSlippery: false, rewardSchedule: [5, -1, -0.5] });
  assert.equal(env.observationSpace.n, 3);
  assert.deepEqual(env.P[0][2], [[1, 1, -0.5, false]]);
  assert.deepEqual(env.P[1][2], [[1, 2, 5, true]]);
  assert.deepEqual(env.P[1][0], [[1, 0, -0.5, false]]);
  assert.deepEqual(env.P[2][0], [[1, 2, 0, true]]);
  const slippery = new FrozenLakeEnv({ successRate: 0.8 });
  assert.deepEqual(slippery.P[14][2], [
    [(1 - 0.8) / 2, 14, 0, false],
    [0.8, 15, 1, true],
    [(1 - 0.8) / 2, 10, 0, false],
  ]);
  // The reference's own arithmetic: 1/3 intended, (1 - 1/3) / 2 = 0.33333333333333337 to each side.
  assert.deepEqual(
    new FrozenLakeEnv().P[0][0].map((t) => t[0]),
    [0.33333333333333337, 1 / 3, 0.33333333333333337],
  );
  const random = generateRandomMap(6, 0.7, 42);
  assert.deepEqual(random, generateRandomMap(6, 0.7, 42));
  assert.equal(random.length, 6);
  assert.equal(random[0][0], 'S');
  assert.equal(random[5][5], 'G');
  assert.equal(new FrozenLakeEnv({ mapName: null }).observationSpace.n, 64);
});

test('FrozenLake: bad maps are rejected with the bad value named', () => {
  assert.throws(() => new FrozenLakeEnv({ desc: ['SFF', 'FG'] }), /rectangular: row 1 "FG" has 2 columns, row 0 has 3/);
  assert.throws(() => new FrozenLakeEnv({ desc: ['SFX', 'FFG'] }), /row 0 "SFX" has the letter "X" at column 2/);
  assert.throws(() => new FrozenLakeEnv({ desc: ['FFF', 'FFG'] }), /no start cell S/);
  assert.throws(() => new FrozenLakeEnv({ desc: ['SFF', 'FFH'] }), /no goal cell G/);
  assert.throws(() => new FrozenLakeEnv({ desc: [] }), /at least one row/);
  assert.throws(() => new FrozenLakeEnv({ desc: [''] }), /row 0 is empty/);
  assert.throws(() => new FrozenLakeEnv({ desc: 'SFFG' }), /desc = "SFFG" is invalid: expected an array of strings/);
});

test('kwargs errors name the env, the argument and the value', () => {
  assert.throws(
    () => new FrozenLakeEnv({ mapName: '5x5' }),
    /FrozenLakeEnv: argument mapName must be one of "4x4", "8x8", null, got "5x5"/,
  );
  assert.throws(() => new FrozenLakeEnv({ is_slippery: false }), /FrozenLakeEnv: unknown argument "is_slippery"/);
  assert.throws(
    () => new FrozenLakeEnv({ isSlippery: 'yes' }),
    /argument isSlippery must be of type boolean, got "yes"/,
  );
  assert.throws(
    () => new FrozenLakeEnv({ successRate: 1.5 }),
    /successRate = 1.5 is invalid: expected a probability in \[0, 1\]/,
  );
  assert.throws(() => new FrozenLakeEnv({ rewardSchedule: [1, 0] }), /rewardSchedule = \[1,0\] is invalid/);
  assert.throws(() => new FrozenLakeEnv({ renderMode: 'human' }), /renderMode "human" is not supported/);
  assert.throws(
    () => new CliffWalkingEnv({ isSlippery: 1 }),
    /CliffWalkingEnv: argument isSlippery must be of type boolean, got 1/,
  );
  assert.throws(() => new CliffWalkingEnv({ shape: [4, 12] }), /CliffWalkingEnv: unknown argument "shape"/);
  assert.throws(() => new TaxiEnv({ rainyProbability: -0.1 }), /TaxiEnv: argument rainyProbability = -0.1 is invalid/);
  assert.throws(() => new TaxiEnv({ is_rainy: true }), /TaxiEnv: unknown argument "is_rainy"/);
  assert.throws(() => new TaxiEnv({ fickleProbability: 'high' }), /argument fickleProbability must be of type number/);
});

test('step errors: before reset, and actions outside the space', () => {
  assert.throws(() => new FrozenLakeEnv().step(0), /call reset\(\) before step\(\)/);
  assert.throws(() => new TaxiEnv().step(0), /call reset\(\) before step\(\)/);
  const env = new CliffWalkingEnv();
  env.reset({ seed: 0 });
  assert.throws(() => env.step(4), /action must be an integer in \[0, 3\], got 4/);
  assert.throws(() => env.step(1.5), /got 1.5/);
  assert.throws(() => env.setStateIndex(48), /state must be an integer in \[0, 47\], got 48/);
});

test('CliffWalking: the cliff sends the player back to the start with -100; the goal terminates', () => {
  const env = new CliffWalkingEnv();
  assert.deepEqual(env.P[36][1], [[1, 36, -100, false]]);
  assert.deepEqual(env.P[35][2], [[1, 47, -1, true]]);
  const slippery = new CliffWalkingEnv({ isSlippery: true });
  assert.deepEqual(slippery.P[36][0], [
    [1 / 3, 36, -1, false],
    [1 / 3, 24, -1, false],
    [1 / 3, 36, -100, false],
  ]);
  env.reset({ seed: 0 });
  const steps = [0, ...Array(11).fill(1), 2].map((a) => env.step(a));
  assert.equal(
    steps.reduce((sum, r) => sum + r.reward, 0),
    -13,
  );
  assert.equal(steps[12].terminated, true);
  assert.equal(steps[12].obs, 47);
});

test('Taxi: encoding, action masks and reachable states as the reference', () => {
  for (let s = 0; s < 500; s++) assert.equal(encodeTaxiState(...decodeTaxiState(s)), s);
  for (const isRainy of [false, true]) {
    const env = new TaxiEnv({ isRainy });
    for (let s = 0; s < 500; s++) {
      const mask = env.actionMask(s);
      assert.ok(mask instanceof Int8Array && mask.length === 6);
      for (let a = 0; a < 6; a++) {
        if (mask[a] === 1) assert.notEqual(env.P[s][a][0][1], s, `state ${s} action ${a}`);
        else for (const t of env.P[s][a]) assert.equal(t[1], s, `state ${s} action ${a}`);
      }
    }
  }
  const env = new TaxiEnv();
  assert.deepEqual([...env.actionMask(1)], [1, 0, 1, 0, 1, 0]);
  assert.deepEqual([...env.actionMask(17)], [1, 0, 1, 0, 0, 1]);
  assert.deepEqual([...env.actionMask(21)], [1, 0, 0, 1, 0, 0]);
  assert.deepEqual(env.P[1][4], [[1, 17, -1, false]]);
  assert.deepEqual(env.P[97][5], [[1, 85, 20, true]]);
  const reachable = new Set<number>();
  for (let s = 0; s < 500; s++) if (env.initialStateDistrib[s] > 0) reachable.add(s);
  assert.equal(reachable.size, 300);
  let frontier = [...reachable];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const s of frontier) {
      for (const outcomes of env.P[s]) {
        for (const [, n, , done] of outcomes) {
          if (reachable.has(n)) continue;
          reachable.add(n);
          if (!done) next.push(n);
        }
      }
    }
    frontier = next;
  }
  assert.equal(reachable.size, 404);

  const r = env.reset({ seed: 3 });
  assert.equal(r.info.prob, 1);
  assert.deepEqual([...(r.info.action_mask as Int8Array)], [...env.actionMask(r.obs)]);
  const st = env.step(0);
  assert.deepEqual([...(st.info.action_mask as Int8Array)], [...env.actionMask(st.obs)]);
});

test('Taxi rainy: [intended, left, right] with rainyProbability and (1 - rainyProbability) / 2', () => {
  const env = new TaxiEnv({ isRainy: true });
  const cells = (row: number, col: number, action: number) =>
    env.P[encodeTaxiState(row, col, 0, 1)][action].map((t) => decodeTaxiState(t[1]).slice(0, 2));
  // From the reference's v4 tests: left and right are relative to the heading; a blocked move does not drift.
  assert.deepEqual(cells(1, 3, 0), [
    [2, 3],
    [1, 4],
    [1, 2],
  ]);
  assert.deepEqual(cells(1, 3, 1), [
    [0, 3],
    [1, 2],
    [1, 4],
  ]);
  assert.deepEqual(cells(1, 3, 2), [
    [1, 4],
    [0, 3],
    [2, 3],
  ]);
  assert.deepEqual(cells(1, 3, 3), [
    [1, 2],
    [2, 3],
    [0, 3],
  ]);
  assert.deepEqual(cells(1, 4, 3), [
    [1, 3],
    [2, 4],
    [0, 4],
  ]);
  assert.deepEqual(cells(2, 1, 2), [
    [2, 2],
    [1, 1],
    [3, 1],
  ]);
  assert.deepEqual(cells(4, 3, 0), [
    [4, 3],
    [4, 3],
    [4, 3],
  ]);
  assert.deepEqual(cells(0, 3, 1), [
    [0, 3],
    [0, 3],
    [0, 3],
  ]);
  assert.deepEqual(cells(0, 1, 2), [
    [0, 1],
    [0, 1],
    [0, 1],
  ]);
  assert.deepEqual(cells(0, 2, 3), [
    [0, 2],
    [0, 2],
    [0, 2],
  ]);
  assert.deepEqual(cells(0, 2, 0), [
    [1, 2],
    [0, 3],
    [0, 2],
  ]);
  assert.deepEqual(env.P[1][0], [
    [0.8, 101, -1, false],
    [(1 - 0.8) / 2, 21, -1, false],
    [(1 - 0.8) / 2, 1, -1, false],
  ]);
  for (let s = 0; s < 500; s++) {
    for (let a = 0; a < 6; a++)
      assert.deepEqual(
        env.P[s][a].map((t) => t[0]),
        a < 4 ? [0.8, (1 - 0.8) / 2, (1 - 0.8) / 2] : [1],
      );
  }
  assert.deepEqual(
    new TaxiEnv({ isRainy: true, rainyProbability: 1 }).P[1][0].map((t) => t[0]),
    [1, 0, 0],
  );
});

test('Taxi fickle passenger: fickleProbability 1 always changes the destination on the first move, 0 never', () => {
  for (const [p, changes] of [
    [1, true],
    [0, false],
  ] as const) {
    for (let seed = 0; seed < 20; seed++) {
      const env = new TaxiEnv({ ficklePassenger: true, fickleProbability: p });
      const [, , pass, dest] = decodeTaxiState(env.reset({ seed }).obs);
      const [row, col] = [
        [0, 0],
        [0, 4],
        [4, 0],
        [4, 3],
      ][pass];
      env.setStateIndex(encodeTaxiState(row, col, pass, dest));
      assert.equal(decodeTaxiState(env.step(4).obs)[2], 4);
      const moved = env.step(row === 0 ? 0 : 1).obs;
      assert.equal(decodeTaxiState(moved)[3] !== dest, changes, `seed ${seed}`);
      assert.equal(env.fickleStep, false);
    }
  }
});

test('render: ANSI text as the reference, null without a render mode', () => {
  assert.equal(new FrozenLakeEnv().render(), null);
  const lake = new FrozenLakeEnv({ renderMode: 'ansi', isSlippery: false });
  lake.reset({ seed: 0 });
  assert.equal(lake.render(), '\n\x1b[41mS\x1b[0mFFF\nFHFH\nFFFH\nHFFG\n');
  lake.step(1);
  assert.equal(lake.render(), '  (Down)\nSFFF\n\x1b[41mF\x1b[0mHFH\nFFFH\nHFFG\n');

  const cliff = new CliffWalkingEnv({ renderMode: 'ansi' });
  cliff.reset({ seed: 0 });
  const row = 'o  o  o  o  o  o  o  o  o  o  o  o\n';
  assert.equal(cliff.render(), row + row + row + 'x  C  C  C  C  C  C  C  C  C  C  T\n\n');

  const taxi = new TaxiEnv({ renderMode: 'ansi' });
  taxi.reset({ seed: 0 });
  taxi.setStateIndex(encodeTaxiState(2, 2, 0, 1));
  const text = taxi.render()!;
  assert.equal(
    text,
    [
      '+---------+',
      '|\x1b[34;1mR\x1b[0m: | : :\x1b[35mG\x1b[0m|',
      '| : | : : |',
      '| : :\x1b[43m \x1b[0m: : |',
      '| | : | : |',
      '|Y| : |B: |',
      '+---------+',
      '',
      '',
    ].join('\n'),
  );
  taxi.setStateIndex(encodeTaxiState(2, 2, 4, 1));
  taxi.step(1);
  assert.ok(taxi.render()!.includes('\x1b[42m_\x1b[0m'));
  assert.ok(taxi.render()!.endsWith('  (North)\n'));
});
