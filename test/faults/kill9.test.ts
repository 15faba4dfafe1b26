/**
 * kill -9 at random moments (a seeded draw) of `rltune tune op`, `rltune train` and `rltune records import`, the
 * whole process group (the compilers and the kernel runner too). Afterwards the database passes
 * `PRAGMA integrity_check`, holds no duplicate record and has lost none, and a rerun completes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordsDB } from '../../src/tune/records/db.js';
import {
  bin,
  count,
  dbState,
  misbehaviour,
  reproducer,
  rltune,
  root,
  scale,
  SEED,
  shellQuote,
  tempDir,
  validLines,
} from './harness.js';

/** mulberry32: the kill moments are the same on every run of the suite. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Starts `rltune args` in a process group of its own and SIGKILLs the group after `ms`; true when it was killed. */
function killAfter(args: string[], ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, detached: true, stdio: 'ignore' });
    let exited = false;
    const timer = setTimeout(() => {
      if (exited) return;
      process.kill(-child.pid!, 'SIGKILL');
      count({ kills: 1 });
    }, ms);
    child.on('exit', (_code, signal) => {
      exited = true;
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}

const RUNS = scale(3, 20);

function checkDb(db: string, minResults: number, why: string): number {
  const s = dbState(db);
  if (s.integrity !== 'ok') count({ corrupted_databases: 1 });
  if (s.duplicates > 0) count({ duplicate_records: s.duplicates });
  if (s.results < minResults) count({ lost_records: minResults - s.results });
  assert.equal(s.integrity, 'ok', `integrity_check after ${why}`);
  assert.equal(s.duplicates, 0, `duplicate records after ${why}`);
  assert.ok(s.results >= minResults, `${minResults - s.results} records lost after ${why}`);
  return s.results;
}

test(`kill -9 during rltune tune op (${RUNS} runs): the database is intact, nothing duplicated or lost, a rerun completes`, async () => {
  const db = join(tempDir('kill-tune'), 'r.db');
  const next = rng(SEED);
  let results = 0;
  for (let i = 0; i < RUNS; i++) {
    const args = ['tune', 'op', 'gemm:M=24,N=20,K=28', '--strategy', 'random', '--trials', '10'];
    args.push('--seed', String(i % 3), '--verify-top', '0', '--db', db);
    const ms = 150 + Math.floor(next() * 2500);
    await killAfter(args, ms);
    const why = `a kill at ${ms} ms of: node bin/rltune ${args.map(shellQuote).join(' ')}`;
    if (existsSync(db)) results = checkDb(db, results, why);
    const again = rltune(args, { timeoutMs: 120_000 });
    assert.deepEqual(misbehaviour(again), [], `${reproducer(again)} (the rerun after ${why})`);
    assert.equal(again.code, 0, `the rerun after ${why}: ${again.stderr}`);
    results = checkDb(db, results, `the rerun after ${why}`);
  }
});

test(`kill -9 during rltune train (${RUNS} runs): the checkpoint is the old one or the new one, a rerun completes`, async () => {
  const out = join(tempDir('kill-train'), 'ck');
  const next = rng(SEED + 1);
  // --force: each run replaces the run directory (as a user who means it must say).
  const args = ['train', '--env', 'CartPole-v1', '--algo', 'ppo', '--steps', '4096', '--out', out, '--force'];
  for (let i = 0; i < RUNS; i++) {
    const ms = 100 + Math.floor(next() * 1500);
    await killAfter([...args, '--seed', String(i)], ms);
    const why = `a kill at ${ms} ms of: node bin/rltune ${[...args, '--seed', String(i)].map(shellQuote).join(' ')}`;
    if (existsSync(join(out, 'manifest.json'))) {
      const ev = rltune(['eval', '--checkpoint', out, '--episodes', '1']);
      assert.equal(ev.code, 0, `${reproducer(ev)} after ${why}: ${ev.stderr}`);
    }
    const again = rltune([...args, '--seed', String(i)], { timeoutMs: 120_000 });
    assert.deepEqual(misbehaviour(again), [], `${reproducer(again)} (the rerun after ${why})`);
    assert.equal(again.code, 0, `the rerun after ${why}: ${again.stderr}`);
  }
});

test(`kill -9 during rltune records import (${RUNS} runs): all of the file or none of it, a rerun imports the rest`, async () => {
  const dir = tempDir('kill-import');
  const next = rng(SEED + 2);
  const n = 20_000;
  for (let i = 0; i < RUNS; i++) {
    const db = join(dir, `r${i}.db`);
    const base = new RecordsDB(db);
    base.importLines(validLines(50));
    base.close();
    const file = join(dir, `in${i}.jsonl`);
    writeFileSync(file, validLines(n, 10_000).join('\n') + '\n');
    const args = ['records', 'import', file, '--db', db];
    const ms = 100 + Math.floor(next() * 1200);
    await killAfter(args, ms);
    const why = `a kill at ${ms} ms of: node bin/rltune ${args.map(shellQuote).join(' ')}`;
    const after = checkDb(db, 50, why);
    assert.ok(after === 50 || after === 50 + n, `a partial import (${after - 50} of ${n}) after ${why}`);
    const again = rltune(args, { timeoutMs: 120_000 });
    assert.deepEqual(misbehaviour(again), [], `${reproducer(again)} (the rerun after ${why})`);
    assert.equal(again.code, 0, `the rerun after ${why}: ${again.stderr}`);
    assert.equal(checkDb(db, 50 + n, `the rerun after ${why}`), 50 + n);
  }
});
