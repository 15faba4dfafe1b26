// Issue 20, records import: every line is checked against the records' schema before anything is written.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordsDB } from '../src/tune/records/db.js';
import { makeRecordsDb, SPEC } from './fixtures/records_db.js';
import { bin, root } from './fixtures/run_cli.js';

function rltune(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An export of a real database (62 results), its lines, and a fresh database to import into. */
function exported(): { lines: string[]; dir: string; target: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-imp-'));
  const src = makeRecordsDb(dir, 62, 'src.db');
  const out = join(dir, 'all.jsonl');
  const r = rltune('records', 'export', '--db', src, '--out', out);
  assert.equal(r.code, 0, r.stderr);
  const target = join(dir, 'target.db');
  makeRecordsDb(dir, 3, 'target.db');
  return { lines: readFileSync(out, 'utf8').trim().split('\n'), dir, target };
}

/** Replaces one field of the n-th result line (1-based line number returned). */
function poison(lines: string[], nth: number, field: string, value: unknown): number {
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const o = JSON.parse(lines[i]) as Record<string, unknown>;
    if (o.kind !== 'result' || ++seen !== nth) continue;
    o[field] = value;
    lines[i] = JSON.stringify(o);
    return i + 1;
  }
  throw new Error('no such result line');
}

function countOf(path: string): number {
  const db = new RecordsDB(path);
  try {
    return db.count();
  } finally {
    db.close();
  }
}

for (const [field, value, expect] of [
  ['gflops', 'fast', /gflops.*"fast"/],
  ['config_index', -7, /config_index.*-7/],
  ['spec', 'gemm:M=0,N=1,K=1', /spec.*M must be at least 1/],
  ['config', JSON.stringify({ mr: 99 }), /config/],
  ['ok', 'yes', /ok.*"yes"/],
  ['median_ms', -1, /median_ms.*-1/],
  ['space', 'gemm-v1/sparc', /space.*gemm-v1\/sparc/],
] as const) {
  test(`records import: a result line with a bad ${field} imports nothing and names the line and the field`, () => {
    const { lines, dir, target } = exported();
    const n = poison(lines, 17, field, value);
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    const r = rltune('records', 'import', file, '--db', target);
    assert.equal(r.code, 2, `exit ${r.code}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`line ${n}\\b`));
    assert.match(r.stderr, expect);
    assert.doesNotMatch(r.stderr, /^ {4}at /m);
    assert.equal(countOf(target), 3, 'nothing was imported');
    const list = rltune('records', 'list', '--db', target);
    assert.equal(list.code, 0, list.stderr);
  });
}

test('records import: a config index outside its space names the space size', () => {
  const { lines, dir, target } = exported();
  const n = poison(lines, 1, 'config_index', 1e9);
  const file = join(dir, 'bad.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = rltune('records', 'import', file, '--db', target, '--json');
  assert.equal(r.code, 2);
  const j = JSON.parse(r.stdout.trim()) as { error: string };
  assert.match(j.error, new RegExp(`line ${n}: config_index.*\\[0, \\d+\\).*1000000000`));
});

test('records import: a line without a kind says so with its line number', () => {
  const { lines, dir, target } = exported();
  const o = JSON.parse(lines[4]) as Record<string, unknown>;
  delete o.kind;
  lines[4] = JSON.stringify(o);
  const file = join(dir, 'nokind.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = rltune('records', 'import', file, '--db', target);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /line 5 has no "kind"/);
  assert.doesNotMatch(r.stderr, /undefined/);
  assert.equal(countOf(target), 3);
});

test('records import: a valid export imports whole, and again imports nothing new', () => {
  const { lines, dir, target } = exported();
  const file = join(dir, 'ok.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = rltune('records', 'import', file, '--db', target, '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { results: 62, skipped: 0 });
  assert.deepEqual(JSON.parse(rltune('records', 'import', file, '--db', target, '--json').stdout), {
    results: 0,
    skipped: 62,
  });
  assert.equal(countOf(target), 65);
  assert.match(rltune('records', 'list', '--db', target).stdout, new RegExp(SPEC.replace(/[+]/g, '\\+')));
});
