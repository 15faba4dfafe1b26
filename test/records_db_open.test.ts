// Issue 20, --db: a path that is not a records database, a damaged one, a read-only one, and export --out.
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  openSync,
  writeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeRecordsDb, SPEC } from './fixtures/records_db.js';
import { bin, root } from './fixtures/run_cli.js';

function rltune(args: string[], asNobody = false) {
  // As root a file mode does not stop writes: the read-only cases run as nobody then, as a user would.
  const cmd = asNobody && process.getuid?.() === 0 ? 'setpriv' : process.execPath;
  const pre = cmd === 'setpriv' ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [];
  const r = spawnSync(cmd, [...pre, bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'rltune-dbopen-'));
const READS = [
  ['records', 'list'],
  ['records', 'show', SPEC],
  ['best', SPEC],
  ['records', 'export'],
];

function oneLineError(r: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /^ {4}at /m);
  assert.equal(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('rltune: error:')).length,
    1,
    r.stderr,
  );
}

test('--db naming a text file: not an RLTune records database, for every command, and with --json one object', () => {
  const dir = tmp();
  const f = join(dir, 'notes.txt');
  writeFileSync(f, 'hello, this is not SQLite\n'.repeat(20));
  for (const args of [...READS, ['records', 'import', f]]) {
    const r = rltune([...args, '--db', f]);
    oneLineError(r, 2, /notes\.txt is not an RLTune records database \(SQLite: file is not a database\)/);
  }
  const j = rltune(['records', 'list', '--db', f, '--json']);
  assert.match((JSON.parse(j.stdout.trim()) as { error: string }).error, /is not an RLTune records database/);
  assert.equal(readFileSync(f, 'utf8'), 'hello, this is not SQLite\n'.repeat(20));
});

test("--db naming another program's SQLite file: reading and importing refuse it and leave it as it was", () => {
  const dir = tmp();
  const f = join(dir, 'places.sqlite');
  const other = new Database(f);
  other.exec("CREATE TABLE bookmarks (url TEXT); INSERT INTO bookmarks VALUES ('https://example.org')");
  other.close();
  const before = readFileSync(f);
  const lines = join(dir, 'empty.jsonl');
  writeFileSync(lines, '');
  for (const args of [...READS, ['records', 'import', lines]])
    oneLineError(rltune([...args, '--db', f]), 2, /places\.sqlite is not an RLTune records database \(.*bookmarks/);
  assert.deepEqual(readFileSync(f), before);
  assert.deepEqual(readdirSync(dir).sort(), ['empty.jsonl', 'places.sqlite']);
});

test('--db naming a directory, or a file in a missing folder', () => {
  const dir = tmp();
  for (const args of READS) {
    oneLineError(rltune([...args, '--db', dir]), 2, /is a directory/);
    oneLineError(rltune([...args, '--db', join(dir, 'nope', 'r.db')]), 2, /the folder of .*nope\/r\.db does not exist/);
  }
  oneLineError(rltune(['records', 'import', '/dev/null', '--db', join(dir, 'nope', 'r.db')]), 2, /the folder of/);
  assert.deepEqual(readdirSync(dir), []);
});

test('read-only commands never create a database: records list --db typo.db is an error naming the file', () => {
  const dir = tmp();
  for (const args of READS) {
    const r = rltune([...args, '--db', join(dir, 'typo.db')]);
    oneLineError(r, 2, /typo\.db does not exist/);
  }
  assert.deepEqual(readdirSync(dir), [], 'no database (nor -wal, -shm) was created');
});

test('a read-only database (0444 in a read-only folder): list, show, best and export read it and write nothing', () => {
  const dir = tmp();
  const db = makeRecordsDb(dir, 10);
  const sha = () => createHash('sha256').update(readFileSync(db)).digest('hex');
  const before = sha();
  chmodSync(db, 0o444);
  chmodSync(dir, 0o555);
  try {
    const list = rltune(['records', 'list', '--db', db], true);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /records 10/);
    const show = rltune(['records', 'show', SPEC, '--db', db, '--json'], true);
    assert.equal(show.code, 0, show.stderr);
    assert.equal((JSON.parse(show.stdout) as { top: unknown[] }).top.length, 5);
    const best = rltune(['best', SPEC, '--db', db], true);
    assert.equal(best.code, 0, best.stderr);
    assert.match(best.stdout, /GFLOP\/s/);
    const exp = rltune(['records', 'export', '--db', db], true);
    assert.equal(exp.code, 0, exp.stderr);
    assert.equal(
      exp.stdout
        .trim()
        .split('\n')
        .filter((l) => l.includes('"kind":"result"')).length,
      10,
    );
  } finally {
    chmodSync(dir, 0o755);
  }
  assert.equal(sha(), before, 'the database file is unchanged');
  assert.deepEqual(readdirSync(dir), ['r.db']);
});

test('a 0444 database in a folder that may be written: list and best read it and leave nothing beside it', () => {
  const dir = tmp();
  const db = makeRecordsDb(dir, 10);
  chmodSync(db, 0o444);
  chmodSync(dir, 0o777);
  const list = rltune(['records', 'list', '--db', db], true);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /records 10/);
  const best = rltune(['best', SPEC, '--db', db, '--json'], true);
  assert.equal(best.code, 0, best.stderr);
  assert.equal((JSON.parse(best.stdout) as { best: { ok: boolean } }).best.ok, true);
  // As root SQLite may write a 0444 file's -wal and -shm, as any program run by root may.
  if (process.getuid?.() !== 0 || existsSync('/usr/bin/setpriv')) assert.deepEqual(readdirSync(dir), ['r.db']);
});

test('a half-truncated database is reported as damaged with what export --salvage recovers, and salvage recovers it', () => {
  const dir = tmp();
  const db = makeRecordsDb(dir, 400);
  truncateSync(db, Math.floor(statSync(db).size / 2));
  const r = rltune(['records', 'list', '--db', db]);
  oneLineError(r, 1, /r\.db is damaged \(SQLite: database disk image is malformed\).*records export --salvage/);
  const m = /recovers (\d+) of its (\d+) results/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const [recoverable, total] = [Number(m[1]), Number(m[2])];
  assert.equal(total, 400);
  assert.ok(recoverable > 0 && recoverable < 400, r.stderr);
  oneLineError(rltune(['best', SPEC, '--db', db]), 1, /is damaged/);
  const out = join(dir, 'salvaged.jsonl');
  const s = rltune(['records', 'export', '--salvage', '--db', db, '--out', out]);
  assert.equal(s.code, 0, s.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines.filter((l) => l.includes('"kind":"result"')).length, recoverable);
  // What was salvaged imports into a fresh database as it is.
  const fresh = join(dir, 'fresh.db');
  const imp = rltune(['records', 'import', out, '--db', fresh, '--json']);
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal((JSON.parse(imp.stdout) as { results: number }).results, recoverable);
});

test('a database with garbage pages in the middle: best --json is one error object naming what salvage recovers', () => {
  const dir = tmp();
  const db = makeRecordsDb(dir, 400);
  const size = statSync(db).size;
  const fd = openSync(db, 'r+');
  // A quarter of the file in its middle: the results' pages lie between the (larger) sources' overflow pages.
  const pages = Math.max(3, Math.floor(size / 4 / 4096));
  writeSync(fd, Buffer.alloc(pages * 4096, 0x5a), 0, pages * 4096, Math.floor((size * 3) / 8 / 4096) * 4096);
  closeSync(fd);
  const r = rltune(['best', SPEC, '--db', db, '--json']);
  oneLineError(r, 1, /is damaged/);
  const j = JSON.parse(r.stdout.trim()) as { error: string };
  assert.match(
    j.error,
    /is damaged \(SQLite: .*\); rltune records export --salvage .* recovers \d+ of its 400 results/,
  );
  const out = join(dir, 'salvaged.jsonl');
  const s = rltune(['records', 'export', '--salvage', '--db', db, '--out', out]);
  assert.equal(s.code, 0, s.stderr);
  const recovered = Number(/recovers (\d+) of its/.exec(j.error)?.[1]);
  assert.equal(
    readFileSync(out, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"kind":"result"')).length,
    recovered,
  );
});

test('records export --salvage of a sound database exports everything', () => {
  const dir = tmp();
  const db = makeRecordsDb(dir, 7);
  const plain = rltune(['records', 'export', '--db', db]);
  const salvaged = rltune(['records', 'export', '--salvage', '--db', db]);
  assert.equal(salvaged.code, 0, salvaged.stderr);
  assert.deepEqual(salvaged.stdout.trim().split('\n').sort(), plain.stdout.trim().split('\n').sort());
});

test('records export --out naming a directory or a file in a missing folder is a clear error', () => {
  const dir = tmp();
  const db = makeRecordsDb(dir, 3);
  const outDir = join(dir, 'out');
  mkdirSync(outDir);
  oneLineError(
    rltune(['records', 'export', '--db', db, '--out', outDir]),
    2,
    /--out .*out is a directory; expected a file/,
  );
  oneLineError(
    rltune(['records', 'export', '--db', db, '--out', join(dir, 'no', 'x.jsonl')]),
    2,
    /the folder of .*no\/x\.jsonl does not exist/,
  );
  assert.equal(existsSync(join(dir, 'no')), false);
});
