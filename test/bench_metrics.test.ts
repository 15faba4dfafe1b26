import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanBestSoFar, trialsTo } from '../bench/tuners/metrics.js';
import { benchArgs, intFlag, listFlag, numberFlag } from '../bench/util/args.js';
import { median, medianOrNull, round } from '../bench/util/stats.js';

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

test('bench/util/stats: the median of no runs is null where a JSON field needs it, round keeps the given decimals', () => {
  assert.equal(medianOrNull([]), null);
  assert.equal(medianOrNull([5, 1]), 3);
  assert.equal(round(1.23456), 1.235);
  assert.equal(round(1.23456, 1), 1.2);
});

// Every benchmark's command line goes through benchArgs: both spellings of a value, and a refusal that names the
// benchmark for a flag it does not know (a mistyped flag used to be ignored silently).
test('bench/util/args: --name value and --name=value, --quick/--record for all, unknown flags refused by name', () => {
  const opts = { trials: { type: 'string' }, spec: { type: 'string', multiple: true } } as const;
  const a = benchArgs('bench/x', opts, { argv: ['--trials', '12', '--spec=a', '--spec', 'b', '--quick'] });
  assert.equal(a.values.trials, '12');
  assert.deepEqual(a.values.spec, ['a', 'b']);
  assert.equal(a.quick, true);
  assert.equal(a.record, false);
  assert.throws(() => benchArgs('bench/x', opts, { argv: ['--trails', '3'] }), /bench\/x: Unknown option '--trails'/);
  assert.throws(() => benchArgs('bench/x', opts, { argv: ['stray'] }), /bench\/x: .*positional argument/);
  assert.deepEqual(benchArgs('bench/x', {}, { argv: ['f1', 'f2'], positionals: true }).positionals, ['f1', 'f2']);
  assert.equal(intFlag('trials', undefined, 256), 256);
  assert.equal(intFlag('trials', '16', 256), 16);
  assert.throws(() => intFlag('trials', '1.5', 256), /--trials must be a positive integer, got "1.5"/);
  assert.throws(
    () => numberFlag('duration', 'soon', 6, (x) => x > 0, 'a positive number of seconds'),
    /--duration must be a positive number of seconds, got "soon"/,
  );
  assert.deepEqual(listFlag(undefined, 'random,anneal'), ['random', 'anneal']);
  assert.deepEqual(listFlag('grpo, ppo,', ''), ['grpo', 'ppo']);
});
