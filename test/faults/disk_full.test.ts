/**
 * A full disk during tuning and checkpointing, made with `ulimit -f` (no mount needed): past the limit each write
 * fails with EFBIG (Node ignores SIGXFSZ), as it fails with ENOSPC on a full disk. Expected: exit 1 with one error
 * line that says what could not be written (a path) and why, nothing already recorded lost or corrupted, and a
 * rerun with room completes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { count, dbState, misbehaviour, reproducer, rltune, scale, tempDir, type CliRun } from './harness.js';

/** The complaint a full disk must get: what could not be written (a path) and that there was no room. */
function unclearDiskError(r: CliRun): string | null {
  if (r.code === 0) return null;
  const line = r.stderr.split('\n').find((l) => l.startsWith('rltune: error: ')) ?? '';
  if (!/(^|\s)\/\w/.test(line.slice('rltune: error: '.length))) return `the error names no file: ${line}`;
  if (!/space|full|too large|EFBIG|ENOSPC|quota|limit/i.test(line))
    return `the error does not say the disk is full: ${line}`;
  return null;
}

// KiB (bash's unit for ulimit -f): below the database's size (68 KiB after the first run), about its size, and
// room for a few more records.
const LIMITS = scale(2, 6) === 2 ? [40, 400] : [8, 40, 100, 160, 400, 1000];

test(`a full disk during rltune tune op (ulimit -f ${LIMITS.join(', ')}): a clear error, no record lost or corrupted, a rerun completes`, () => {
  const db = join(tempDir('disk-tune'), 'r.db');
  const base = ['tune', 'op', 'gemm:M=16,N=24,K=16', '--strategy', 'random', '--verify-top', '0', '--db', db];
  const first = rltune([...base, '--trials', '3']);
  assert.equal(first.code, 0, first.stderr);
  let results = dbState(db).results;
  const problems: string[] = [];
  for (const [i, blocks] of LIMITS.entries()) {
    const args = [...base, '--trials', '6', '--seed', String(i + 10)];
    const r = rltune(args, { ulimitKiB: blocks, timeoutMs: 120_000 });
    const repro = `bash -c 'ulimit -f ${blocks}; ${reproducer(r).replaceAll("'", '')}'`;
    for (const m of misbehaviour(r)) problems.push(`${repro}: ${m}`);
    const unclear = unclearDiskError(r);
    if (unclear) problems.push(`${repro}: ${unclear}`);
    const s = dbState(db);
    if (s.integrity !== 'ok') count({ corrupted_databases: 1 });
    if (s.results < results) count({ lost_records: results - s.results });
    assert.equal(s.integrity, 'ok', `integrity_check after ${repro}`);
    assert.equal(s.duplicates, 0, `duplicates after ${repro}`);
    assert.ok(s.results >= results, `records lost after ${repro}`);
    const again = rltune(args, { timeoutMs: 120_000 });
    assert.equal(again.code, 0, `the rerun with room after ${repro}: ${again.stderr}`);
    results = dbState(db).results;
  }
  assert.deepEqual(problems, []);
});

test('a full disk while rltune train writes its checkpoint: a clear error, and the checkpoint there before still loads', () => {
  const out = join(tempDir('disk-train'), 'ck');
  // --force: each run replaces the run directory (as a user who means it must say).
  const args = ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--steps', '256', '--out', out, '--force'];
  const first = rltune(args);
  assert.equal(first.code, 0, first.stderr);
  const problems: string[] = [];
  // tensors.bin of this network is 107 KiB: these limits (KiB) stop it at its start or part-way.
  for (const blocks of scale(1, 3) === 1 ? [100] : [1, 50, 100]) {
    const r = rltune([...args, '--seed', '7'], { ulimitKiB: blocks });
    const repro = `bash -c 'ulimit -f ${blocks}; ${reproducer(r)}'`;
    for (const m of misbehaviour(r)) problems.push(`${repro}: ${m}`);
    if (r.code === 0) problems.push(`${repro}: exit 0 although the checkpoint cannot fit`);
    const unclear = unclearDiskError(r);
    if (unclear) problems.push(`${repro}: ${unclear}`);
    const ev = rltune(['eval', '--checkpoint', out, '--episodes', '1']);
    if (ev.code !== 0) count({ corrupted_databases: 1 });
    assert.equal(ev.code, 0, `the checkpoint before does not load after ${repro}: ${ev.stderr}`);
  }
  assert.deepEqual(problems, []);
});
