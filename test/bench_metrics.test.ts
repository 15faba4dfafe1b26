import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanBestSoFar, median, trialsTo } from '../bench/tuners/metrics.js';

test('tuner benchmark metrics: median, trials to a target (censored as budget + 1), mean best-so-far', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.ok(Number.isNaN(median([])));
  const run = [10, null, 30, 20, 50];
  assert.equal(trialsTo(run, 30, 5), 3);
  assert.equal(trialsTo(run, 10, 5), 1);
  assert.equal(trialsTo(run, 51, 5), 6);
  assert.equal(trialsTo([null, null], 1, 2), 3);
  // best-so-far 10, 10, 30, 30, 50 over best-known 50: (0.2 + 0.2 + 0.6 + 0.6 + 1) / 5
  assert.equal(meanBestSoFar(run, 50, 5), 0.52);
  // past the run's end the last best is kept; a failure before any working config counts 0
  assert.equal(meanBestSoFar([null, 50], 50, 4), 0.75);
  assert.throws(() => meanBestSoFar(run, 0, 5), /bestKnown must be a positive GFLOP\/s, got 0/);
  assert.throws(() => meanBestSoFar(run, 50, 0), /upTo must be a positive integer, got 0/);
});
