// Issue 20, `rltune tune op` on shapes and defaults a new user tries first: a big GEMM (its reference result is
// computed before the first trial), more threads than cores, and no --strategy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { host } from '../src/tune/measure/host.js';
import { bin, root, run } from './fixtures/run_cli.js';

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
const tmpDb = () => join(mkdtempSync(join(tmpdir(), 'rltune-shapes-')), 'r.db');

/** `rltune tune op` of a 4096^3 GEMM, one trial, under a time budget of `budgetS` seconds; the spawn's timeout
 * is the hang guard (the naive reference of 4096^3 took minutes), not a timed assertion. */
function bigGemm(budgetS: number, ...extra: string[]) {
  const args = ['tune', 'op', 'gemm:M=4096,N=4096,K=4096', '--strategy', 'random', '--trials', '1'];
  const r = spawnSync(process.execPath, [bin, ...args, '--time-budget', String(budgetS), '--db', tmpDb(), ...extra], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.error, undefined, `the run did not end in 120 s: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  return r;
}

test('a big GEMM with a small --time-budget ends with the budget message instead of hanging on its reference', () => {
  const r = bigGemm(2);
  assert.match(r.stderr, /time budget \(2 s\) ended before the first trial/);
  assert.match(r.stdout, /0 trials .*\(time-budget\)/);
});

test('the budget message with --json: the result object says time-budget and 0 trials', () => {
  const j = lastJson(bigGemm(1, '--json').stdout);
  assert.equal(j.stopped, 'time-budget');
  assert.equal(j.trials, 0);
});

test('threads above the cores this process may use are refused, naming both numbers', () => {
  const cores = host().allowedCores.length;
  const r = run('tune', 'op', `gemm:M=8,N=8,K=8,threads=${cores + 1}`, '--trials', '1', '--db', tmpDb());
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, new RegExp(`threads=${cores + 1}.*${cores} core`));
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

test('without --strategy, tune op uses the benchmarks best strategy and says so; --strategy random still works', () => {
  const db = tmpDb();
  const d = run('tune', 'op', 'gemm:M=16,N=16,K=16', '--trials', '2', '--db', db, '--json');
  assert.equal(d.code, 0, d.stderr);
  assert.match(d.stderr, /strategy: evolve \(the default; /);
  const j = lastJson(d.stdout);
  assert.equal(j.strategy, 'evolve');
  assert.equal(j.strategy_default, true);
  const r = run('tune', 'op', 'gemm:M=16,N=16,K=16', '--trials', '2', '--db', db, '--strategy', 'random', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /strategy: /);
  const k = lastJson(r.stdout);
  assert.equal(k.strategy, 'random');
  assert.equal(k.strategy_default, false);
});

test('the time budget also ends a batch under way: its trials not started by then are left out', () => {
  // A batch of 128 builds and runs takes far longer than 1 s; before, the budget was only checked between batches.
  const r = spawnSync(
    process.execPath,
    [bin, 'tune', 'op', 'gemm:M=64,N=64,K=64', '--strategy', 'random', '--trials', '128', '--batch', '128'].concat([
      '--time-budget',
      '1',
      '--verify-top',
      '0',
      '--db',
      tmpDb(),
      '--json',
    ]),
    { cwd: root, encoding: 'utf8', timeout: 300_000 },
  );
  assert.equal(r.error, undefined, r.stderr);
  assert.equal(r.status, 0, r.stderr);
  const j = lastJson(r.stdout);
  assert.equal(j.stopped, 'time-budget');
  assert.ok((j.trials as number) < 128, `trials ${String(j.trials)}`);
});
