import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { RecordsDB } from '../src/tune/records/db.js';
import { run } from './fixtures/run_cli.js';

const bin = fileURLToPath(new URL('../../bin/rltune', import.meta.url));
const SPEC = 'gemm:M=48,N=40,K=56,epilogue=bias';
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

function records(db: string): { config_index: number }[] {
  const d = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return d.prepare('SELECT config_index FROM results ORDER BY id').all() as { config_index: number }[];
  } finally {
    d.close();
  }
}

test('rltune tune op --json prints the result object; best and records read it back', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-tune-'));
  const db = join(dir, 'r.db');
  const t = run(
    'tune',
    'op',
    SPEC,
    '--strategy',
    'random',
    '--trials',
    '6',
    '--seed',
    '1',
    '--db',
    db,
    '--verify-top',
    '2',
    '--json',
  );
  assert.equal(t.code, 0, t.stderr);
  const j = lastJson(t.stdout);
  for (const k of [
    'op',
    'strategy',
    'trials',
    'measured',
    'errors',
    'best_gflops',
    'best_ms',
    'best_config',
    'wall_s',
    'curve',
  ])
    assert.ok(k in j, k);
  assert.equal(j.op, 'gemm:M=48,N=40,K=56,epilogue=bias,threads=1');
  assert.equal(j.trials, 6);
  assert.equal(j.measured, 6);
  assert.deepEqual(Object.keys(j.errors).sort(), [
    'compile-error',
    'compile-timeout',
    'crash',
    'run-timeout',
    'wrong-result',
  ]);
  assert.ok(j.best_gflops > 0);
  assert.equal(j.curve[0][0], 1);
  // The 2 best were measured 3 more times; the best is the lower mean of 4 medians, as records.best ranks them.
  assert.equal(j.verified.length, 2);
  assert.equal(j.verified[0].gflops, j.best_gflops);
  const b = run('best', SPEC, '--db', db, '--json');
  assert.equal(b.code, 0, b.stderr);
  const bj = lastJson(b.stdout).best;
  assert.ok(Math.abs(bj.gflops - j.best_gflops) < 1e-9 * j.best_gflops, `${bj.gflops} vs ${j.best_gflops}`);
  assert.equal(bj.config_index, j.best_config_index);
  const s = run('records', 'show', SPEC, '--db', db, '--top', '2', '--json');
  const top = lastJson(s.stdout).top;
  assert.equal(top.length, 2);
  assert.match(top[0].source, /int rltune_kernel\(/);
  const l = run('records', 'list', '--db', db, '--json');
  assert.equal(lastJson(l.stdout).workloads[0].records, 6 + 2 * 3, 'the trials and the re-measurements');
  const bad = run('tune', 'op', 'gemm:M=48,N=x', '--trials', '2', '--db', db, '--json');
  assert.equal(bad.code, 2);
  assert.match(lastJson(bad.stdout).error, /N must be a positive integer, got "x"/);
  const strat = run('tune', 'op', SPEC, '--strategy', 'annealing', '--trials', '2', '--db', db);
  assert.equal(strat.code, 2);
  assert.match(strat.stderr, /unknown strategy "annealing"; expected one of random, grid/);
});

test('a tuning run killed with SIGKILL and restarted measures each config once and ends with the records of an uninterrupted run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-resume-'));
  const args = (db: string) => [
    bin,
    'tune',
    'op',
    SPEC,
    '--strategy',
    'random',
    '--trials',
    '24',
    '--seed',
    '5',
    '--batch',
    '2',
    '--db',
    db,
    '--verify-top',
    '0',
    '--json',
  ];
  const whole = join(dir, 'whole.db'),
    killed = join(dir, 'killed.db');
  assert.equal(run(...args(whole).slice(1)).code, 0);
  // The same run, killed once a few records are in.
  const child = spawn(process.execPath, args(killed), { stdio: 'ignore' });
  const t0 = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    let n = 0;
    try {
      n = records(killed).length;
    } catch {
      // the file or its tables do not exist yet
    }
    if (n >= 6) break;
    assert.ok(Date.now() - t0 < 60_000, 'the run did not record anything within 60 s');
  }
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  const before = records(killed).length;
  assert.ok(before >= 6 && before < 24, `killed after ${before} records`);
  const again = run(...args(killed).slice(1));
  assert.equal(again.code, 0, again.stderr);
  const j = lastJson(again.stdout);
  assert.equal(j.trials, 24);
  assert.equal(j.measured, 24 - before, 'the restarted run measures only what was not recorded');
  const got = records(killed).map((r) => r.config_index),
    want = records(whole).map((r) => r.config_index);
  assert.equal(got.length, want.length);
  assert.equal(new Set(got).size, got.length, 'each config recorded once');
  assert.deepEqual(
    [...got].sort((a, b) => a - b),
    [...want].sort((a, b) => a - b),
  );
});

test('records of another machine are kept but not used; a newer schema is read with a note', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-db-'));
  const file = join(dir, 'x.db');
  const db = new RecordsDB(file);
  const other = db.addMachine({
    cpu_model: 'Other CPU',
    isa: 'avx2',
    flags: ['avx2'],
    caches: {},
    cores: 64,
    compiler: 'cc 1',
  });
  db.insert('gemm:M=48,N=40,K=56,epilogue=bias,threads=1', other, {
    space: 'gemm-v1/avx2',
    config_index: 1,
    config: '{}',
    ok: 1,
    median_ms: 1e-6,
    min_ms: 1e-6,
    max_ms: 1e-6,
    runs: 1,
    gflops: 1e9,
    error_kind: null,
    error_message: null,
    source_hash: null,
    settings: null,
    run_id: null,
  });
  db.db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
  db.close();
  const b = run('best', SPEC, '--db', file, '--json');
  assert.equal(b.code, 1, 'no record of this machine');
  assert.equal(lastJson(b.stdout).best, null);
  assert.match(b.stderr, /written by a newer RLTune \(schema 99, this one reads 1\)/);
  assert.match(b.stderr, /also holds records of 1 other machine\(s\); only this machine's .* are used/);
  assert.equal(new RecordsDB(file).count(), 1, "the other machine's record is still there");
});

test('records export | import moves every record between databases; verify re-measures the top configs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-io-'));
  const a = join(dir, 'a.db'),
    b = join(dir, 'b.db'),
    lines = join(dir, 'records.jsonl');
  assert.equal(
    run('tune', 'op', SPEC, '--trials', '4', '--seed', '9', '--db', a, '--verify-top', '0', '--json').code,
    0,
  );
  const e = run('records', 'export', '--db', a, '--out', lines);
  assert.equal(e.code, 0, e.stderr);
  const i = run('records', 'import', lines, '--db', b, '--json');
  assert.equal(i.code, 0, i.stderr);
  assert.deepEqual(lastJson(i.stdout), { results: 4, skipped: 0 });
  assert.deepEqual(
    lastJson(run('records', 'import', lines, '--db', b, '--json').stdout),
    { results: 0, skipped: 4 },
    'importing twice adds nothing',
  );
  assert.deepEqual(
    records(b)
      .map((r) => r.config_index)
      .sort(),
    records(a)
      .map((r) => r.config_index)
      .sort(),
  );
  assert.equal(
    lastJson(run('best', SPEC, '--db', b, '--json').stdout).best.gflops,
    lastJson(run('best', SPEC, '--db', a, '--json').stdout).best.gflops,
  );
  const v = run('records', 'verify', SPEC, '--db', b, '--top', '2', '--json');
  assert.equal(v.code, 0, v.stderr);
  const ver = lastJson(v.stdout).verified;
  assert.equal(ver.length, 2);
  for (const x of ver) assert.ok(x.ok && x.remeasured_gflops > 0);
  const bad = run('records', 'import', join(dir, 'nope.jsonl'), '--db', b);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot read .*nope\.jsonl/);
});

test('best, records show and records verify rank paired and plain records apart with --timing; each row says its timing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-timing-'));
  const db = join(dir, 't.db');
  assert.equal(
    run(
      'tune',
      'op',
      SPEC,
      '--strategy',
      'random',
      '--trials',
      '3',
      '--seed',
      '1',
      '--db',
      db,
      '--verify-top',
      '0',
      '--json',
    ).code,
    0,
  );
  const p = run(
    'tune',
    'op',
    SPEC,
    '--strategy',
    'random',
    '--trials',
    '3',
    '--seed',
    '2',
    '--db',
    db,
    '--verify-top',
    '0',
    '--paired',
    '--json',
  );
  assert.equal(p.code, 0, p.stderr);
  const both = run('records', 'show', SPEC, '--db', db, '--top', '10', '--json');
  assert.equal(both.code, 0, both.stderr);
  const all = lastJson(both.stdout).top as { id: number; timing: string; reference_config: number | null }[];
  assert.ok(
    all.some((r) => r.timing === 'paired') && all.some((r) => r.timing === 'plain'),
    JSON.stringify(all.map((r) => r.timing)),
  );
  for (const timing of ['paired', 'plain']) {
    const s = run('records', 'show', SPEC, '--db', db, '--top', '10', '--timing', timing, '--json');
    assert.equal(s.code, 0, s.stderr);
    const top = lastJson(s.stdout).top as { id: number; timing: string; reference_config: number | null }[];
    assert.ok(top.length > 0);
    assert.deepEqual([...new Set(top.map((r) => r.timing))], [timing]);
    for (const r of top)
      assert.equal(r.reference_config === null, timing === 'plain', `record ${r.id}: reference ${r.reference_config}`);
    for (const r of top as unknown as { id: number; ms: { min: number; median: number; max: number } }[]) {
      assert.ok(
        r.ms.min <= r.ms.median && r.ms.median <= r.ms.max,
        `record ${r.id}: ms ${JSON.stringify(r.ms)} (the median is the mean over the config's records, min and max span them)`,
      );
    }
    const b = run('best', SPEC, '--db', db, '--timing', timing, '--json');
    assert.equal(b.code, 0, b.stderr);
    assert.equal(lastJson(b.stdout).timing, timing);
    assert.equal(lastJson(b.stdout).best.id, top[0].id, 'best is the first of records show');
  }
  const v = run('records', 'verify', SPEC, '--db', db, '--top', '1', '--timing', 'paired', '--json');
  assert.equal(v.code, 0, v.stderr);
  assert.equal(
    lastJson(v.stdout).verified[0].id,
    lastJson(run('best', SPEC, '--db', db, '--timing', 'paired', '--json').stdout).best.id,
  );
  const bad = run('best', SPEC, '--db', db, '--timing', 'pairs', '--json');
  assert.equal(bad.code, 2);
  assert.match(lastJson(bad.stdout).error, /--timing expects one of all, paired, plain, got "pairs"/);
});
