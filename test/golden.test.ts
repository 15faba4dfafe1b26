import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findGoldenFiles,
  goldenEnvIds,
  replayGolden,
  parseGoldenFile,
  GoldenFormatError,
  spec,
} from '../src/rl/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
// test/golden: the reference traces (Gymnasium 1.4.0; Pendulum and MountainCarContinuous under NumPy 2's promotion);
// test/golden-numpy1: those two as first recorded, under NumPy 1.x; test/golden-variants: non-default kwargs
// recorded from Gymnasium 1.3.0 by scripts/record_golden_variants.py; ../shared/golden: the team's copy.
const dirs = ['test/golden', 'test/golden-numpy1', 'test/golden-variants', '../shared/golden']
  .map((d) => join(root, d))
  .filter((d) => existsSync(d));

test('the repository keeps a copy of the golden traces', () => {
  assert.ok(existsSync(join(root, 'test/golden')));
  assert.ok(findGoldenFiles(join(root, 'test/golden-variants'), 'Taxi-v4').some((f) => f.kwargs.isRainy === true));
  assert.ok(readdirSync(join(root, 'test/golden')).filter((f) => f.endsWith('.json')).length >= 9);
});

for (const dir of dirs) {
  for (const id of goldenEnvIds(dir)) {
    test(`golden replay ${id} (${dir})`, () => {
      spec(id); // every traced env must be registered
      const files = findGoldenFiles(dir, id);
      assert.ok(files.length >= 1);
      const res = replayGolden(id, files);
      assert.deepEqual(res.failures, []);
      assert.ok(res.transitions > 0);
      assert.ok(res.maxAbsErr <= 1e-5, `max abs error ${res.maxAbsErr}`);
      assert.ok(res.maxRewardErr <= 1e-10, `max relative reward error ${res.maxRewardErr}`);
    });
  }
}

test('the NumPy promotion rules a trace names matter: NumPy 1.x traces fail under NumPy 2 rules and the reverse', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rltune-golden-'));
  for (const id of ['Pendulum-v1', 'MountainCarContinuous-v0']) {
    for (const [dir, swapped] of [
      ['test/golden-numpy1', 'nep50'],
      ['test/golden', 'legacy'],
    ]) {
      const j = JSON.parse(readFileSync(join(root, dir, `${id}.json`), 'utf8'));
      j.numpy_promotion = swapped;
      const file = join(tmp, `${id}-${swapped}.json`);
      writeFileSync(file, JSON.stringify(j));
      const right = replayGolden(id, findGoldenFiles(join(root, dir), id));
      const wrong = replayGolden(id, [parseGoldenFile(file)]);
      // Pendulum fails outright; MountainCarContinuous drifts below the observation tolerance (1.4e-6), but drifts.
      assert.ok(
        wrong.failures.length > 0 || wrong.maxAbsErr > 100 * right.maxAbsErr + 1e-9,
        `${dir}/${id} replayed as ${swapped}: ${wrong.maxAbsErr} against ${right.maxAbsErr}`,
      );
    }
  }
});

test('a wrong trace is detected (the replay can fail)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rltune-golden-'));
  const j = JSON.parse(readFileSync(join(root, 'test/golden/CartPole-v1.json'), 'utf8'));
  j.episodes[0].observations[3][1] += 1e-3;
  j.episodes[1].rewards[0] = 0.5;
  writeFileSync(join(tmp, 'CartPole-v1.json'), JSON.stringify(j));
  const res = replayGolden('CartPole-v1', findGoldenFiles(tmp, 'CartPole-v1'));
  assert.equal(res.failures.length, 2);
  assert.match(res.failures[0], /episode 0, step 3: observation error/);
  assert.match(res.failures[1], /episode 1, step 0: reward 1, expected 0.5/);
  const t = JSON.parse(readFileSync(join(root, 'test/golden/FrozenLake-v1.json'), 'utf8'));
  t.P['5']['2'][0][1] = 3;
  writeFileSync(join(tmp, 'FrozenLake-v1.json'), JSON.stringify(t));
  const tr = replayGolden('FrozenLake-v1', findGoldenFiles(tmp, 'FrozenLake-v1'));
  assert.equal(tr.failures.length, 1);
  assert.match(tr.failures[0], /P\[5\]\[2\]/);
});

test('malformed golden files name the file and the field', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rltune-golden-'));
  const write = (name: string, obj: unknown) => {
    const p = join(tmp, name);
    writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
    return p;
  };
  assert.throws(
    () => parseGoldenFile(write('a.json', '{nope')),
    (e: Error) => e instanceof GoldenFormatError && /a\.json: not valid JSON/.test(e.message),
  );
  assert.throws(
    () =>
      parseGoldenFile(
        write('b.json', {
          env: 'CartPole-v1',
          episodes: [
            {
              state: [0, 0, 0, 0],
              actions: [0, 1],
              observations: [[0, 0, 0, 0]],
              rewards: [1, 1],
              terminated: [false, false],
              truncated: [false, false],
            },
          ],
        }),
      ),
    /b\.json: field episodes\[0\]\.observations: expected an array of 2 observations/,
  );
  assert.throws(
    () =>
      parseGoldenFile(
        write('c.json', {
          env: 'CartPole-v1',
          episodes: [
            {
              state: [0, 'x'],
              actions: [0],
              observations: [[0]],
              rewards: [1],
              terminated: [false],
              truncated: [false],
            },
          ],
        }),
      ),
    /c\.json: field episodes\[0\]\.state: expected an array of numbers, got \[0,"x"\]/,
  );
  assert.throws(
    () =>
      parseGoldenFile(
        write('d.json', { env: 'FrozenLake-v1', n_states: 1, n_actions: 1, P: { 0: { 0: [[1, 0, 0]] } } }),
      ),
    /d\.json: field P\.0\.0\[0\]: expected \[probability, next_state, reward, terminated\]/,
  );
  assert.throws(
    () => parseGoldenFile(write('e.json', { episodes: [] })),
    /e\.json: field env: expected an env id string/,
  );
  // A malformed file named for the env is an error; one for another env is ignored when checking this one.
  write('Taxi-v4.json', '[');
  assert.throws(() => findGoldenFiles(tmp, 'Taxi-v4'), /Taxi-v4\.json: not valid JSON/);
  assert.deepEqual(findGoldenFiles(tmp, 'Acrobot-v1'), []);
});
