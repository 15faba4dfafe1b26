// Edge cases of `rltune env check --golden` (found in review).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { bin, root, run } from './fixtures/run_cli.js';

test('a malformed trace that declares the env id is an error, whatever the file is called', () => {
  // Variant traces are not named after the id (test/golden-variants/FrozenLake-v1-not-slippery.json). findGoldenFiles
  // skips any malformed file not named exactly `<id>.json`, even when it declares "env": "<id>": the check then passes
  // with that file silently ignored. Issue: "a malformed golden file (name the file and the field): clear error".
  const dir = mkdtempSync(join(tmpdir(), 'rltune-review-'));
  const j = JSON.parse(readFileSync(join(root, 'test/golden/CartPole-v1.json'), 'utf8'));
  j.episodes[0].rewards.pop(); // wrong length: malformed
  writeFileSync(join(dir, 'CartPole-v1-extra.json'), JSON.stringify(j));
  const r = run('env', 'check', 'CartPole-v1', '--golden', dir, '--json');
  assert.notEqual(r.code, 0, `exit ${r.code}: ${r.last}`);
  assert.match(r.stdout, /CartPole-v1-extra\.json.*rewards/);
});

test('an unreadable --golden directory is a usage error (exit 2, as the README says)', () => {
  // README: "Exit codes: 0 success, 1 a check failed, 2 a usage error (unknown flag or env id, unreadable file)".
  const r = run('env', 'check', 'CartPole-v1', '--golden', join(tmpdir(), 'no-such-dir-rltune'), '--json');
  assert.equal(r.code, 2);
});

test('with --json every usage error still ends stdout with one JSON object; a directory without a trace fails', () => {
  const bad = spawnSync(
    process.execPath,
    [bin, 'env', 'check', 'CartPole-v1', '--module', '/nonexistent/x.js', '--json'],
    { cwd: root, encoding: 'utf8' },
  );
  assert.equal(bad.status, 2);
  const j = JSON.parse(bad.stdout.trim().split('\n').pop()!);
  assert.equal(j.env, 'CartPole-v1');
  assert.match(j.error, /cannot load module \/nonexistent\/x\.js/);
  const empty = mkdtempSync(join(tmpdir(), 'rltune-empty-'));
  const none = spawnSync(process.execPath, [bin, 'env', 'check', 'CartPole-v1', '--golden', empty, '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  assert.equal(none.status, 1);
  const k = JSON.parse(none.stdout.trim().split('\n').pop()!);
  assert.equal(k.failed, 1);
  assert.match(k.failures[0].message, /no trace for CartPole-v1/);
});
