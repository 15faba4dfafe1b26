import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { run } from './fixtures/run_cli.js';

test('rltune train --json prints the result object last; eval reads the checkpoint; --resume continues', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'rltune-train-')), 'run');
  const t = run(
    'train',
    '--env',
    'CartPole-v1',
    '--algo',
    'ppo',
    '--steps',
    '2048',
    '--seed',
    '3',
    '--n-envs',
    '2',
    '--out',
    out,
    '--json',
  );
  assert.equal(t.code, 0, t.stderr);
  const j = JSON.parse(t.last);
  for (const k of [
    'env',
    'algo',
    'seed',
    'steps',
    'wall_s',
    'sps',
    'solved_step',
    'solved_s',
    'final_mean_return',
    'checkpoint',
  ])
    assert.ok(k in j, k);
  assert.equal(j.env, 'CartPole-v1');
  assert.equal(j.algo, 'ppo');
  assert.equal(j.seed, 3);
  assert.ok(j.steps >= 2048);
  assert.equal(j.checkpoint, out);
  assert.ok(existsSync(join(out, 'manifest.json')) && existsSync(join(out, 'log.jsonl')));
  const log = readFileSync(join(out, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.ok(
    log.some((r) => r.event === 'update' && 'entropy' in r && 'approx_kl' in r && 'clip_fraction' in r && 'sps' in r),
  );
  assert.ok(log.some((r) => r.event === 'episode' && 'return' in r && 'length' in r));

  const e = run('eval', '--checkpoint', out, '--episodes', '3', '--json');
  assert.equal(e.code, 0, e.stderr);
  const ej = JSON.parse(e.last);
  assert.equal(ej.episodes, 3);
  assert.ok(typeof ej.mean_return === 'number' && typeof ej.std_return === 'number');

  const r = run('train', '--resume', out, '--steps', '4096', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(JSON.parse(r.last).steps >= 4096);
  const log2 = readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n');
  assert.ok(log2.length > log.length, 'the log is appended to, not restarted');
});

test('train and eval usage errors are clear (exit 2, no stack trace)', () => {
  const a = run('train', '--env', 'CartPole-v1', '--algo', 'dqnn');
  assert.equal(a.code, 2);
  assert.match(a.stderr, /unknown algorithm "dqnn"; expected one of .*ppo/);
  const b = run('train', '--env', 'FrozenLake-v1', '--algo', 'ppo');
  assert.equal(b.code, 2);
  assert.match(b.stderr, /Box observation space .*supports/);
  const c = run('train', '--env', 'CartPol-v1', '--algo', 'ppo', '--json');
  assert.equal(c.code, 2);
  assert.match(JSON.parse(c.last).error, /Did you mean "CartPole-v1"/);
  const dir = mkdtempSync(join(tmpdir(), 'rltune-bad-'));
  writeFileSync(join(dir, 'manifest.json'), '{');
  const d = run('eval', '--checkpoint', dir);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /manifest\.json is corrupt/);
  assert.doesNotMatch(d.stderr, /at .*\.js:\d+/);
  const f = run('train', '--env', 'CartPole-v1', '--algo', 'ppo', '--config', join(dir, 'nope.json'));
  assert.equal(f.code, 2);
  assert.match(f.stderr, /--config .*nope\.json cannot be read as JSON/);
});
