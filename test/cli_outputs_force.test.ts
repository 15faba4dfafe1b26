/**
 * Issue 20: an existing output is never overwritten without --force. `rltune records export --out FILE` replaced
 * an existing file without a word, and `rltune tune train-policy --out DIR` wrote into a folder that held a policy
 * (both failed before the fix: exit 0, the old content gone).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRecordsDb } from './fixtures/records_db.js';
import { run } from './fixtures/run_cli.js';

test('records export --out an existing file is refused without --force; with --force it is replaced whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-force-'));
  const db = makeRecordsDb(dir, 5);
  const target = join(dir, 'old.jsonl');
  writeFileSync(target, 'keep me\n');
  const refused = run('records', 'export', '--db', db, '--out', target);
  assert.equal(refused.code, 2, refused.stderr);
  assert.match(refused.stderr, /old\.jsonl exists; pass --force to replace it/);
  assert.doesNotMatch(refused.stderr, /\n\s+at /);
  assert.equal(readFileSync(target, 'utf8'), 'keep me\n');
  const forced = run('records', 'export', '--db', db, '--out', target, '--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(target, 'utf8'), /"kind":"result"/);
});

test('tune train-policy --out a folder that holds files is refused without --force, and nothing in it changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-force-'));
  const out = join(dir, 'policy');
  mkdirSync(out);
  writeFileSync(join(out, 'policy.json'), '{"old": true}\n');
  const set = join(dir, 'set.json');
  writeFileSync(set, JSON.stringify({ workloads: [{ spec: 'gemm:M=8,N=8,K=8' }] }));
  const r = run('tune', 'train-policy', '--workloads', set, '--out', out, '--db', join(dir, 'r.db'), '--steps', '0');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /already holds files \(policy\.json\); pass --force to replace the policy there/);
  assert.equal(readFileSync(join(out, 'policy.json'), 'utf8'), '{"old": true}\n');
});
