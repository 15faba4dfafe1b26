import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

// A short run of the measurement-noise benchmark so that it keeps working; its verdicts live in bench/results.
test('bench/measure/noise --quick measures plain and paired trials and prints one JSON object', () => {
  const r = spawnSync(process.execPath, ['dist/bench/measure/noise.js', '--quick', '--duration', '2'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const j = JSON.parse(lines[0]);
  assert.equal(j.benchmark, 'measure-noise');
  assert.ok(j.rounds >= 1);
  assert.equal(j.per_config.length, 3);
  for (const p of j.per_config) {
    assert.ok(p.raw_gflops.mean > 0 && p.raw_gflops.max_over_min >= 1, JSON.stringify(p));
    for (const ref of ['reference', 'strong'])
      assert.ok(p.paired[ref].mean > 0 && p.paired[ref].max_over_min >= 1, `${ref}: ${JSON.stringify(p)}`);
  }
  for (const k of [
    'median_raw_cv',
    'median_paired_reference_cv',
    'median_paired_strong_cv',
    'rank_agreement_raw',
    'rank_agreement_paired_reference',
    'rank_agreement_paired_strong',
  ])
    assert.ok(Number.isFinite(j.summary[k]), k);
  assert.ok(j.settings.references[j.per_config[0].spec].strong, 'the references are recorded');
  assert.equal(j.rank_agreement.length, 3);
});

test('bench/measure/noise refuses a duration that is not a positive number', () => {
  const r = spawnSync(process.execPath, ['dist/bench/measure/noise.js', '--duration', 'soon'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--duration must be a positive number of seconds, got "soon"/);
});
