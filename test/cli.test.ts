import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { root, run } from './fixtures/run_cli.js';

const IDS = [
  'CartPole-v1',
  'MountainCar-v0',
  'MountainCarContinuous-v0',
  'Acrobot-v1',
  'Pendulum-v1',
  'FrozenLake-v1',
  'FrozenLake8x8-v1',
  'CliffWalking-v1',
  'Taxi-v4',
];
const goldenDirs = [join(root, 'test/golden'), join(root, '../shared/golden')].filter((d) => existsSync(d));

test('rltune --version and --help', () => {
  const v = run('--version');
  assert.equal(v.code, 0);
  assert.equal(v.stdout.trim(), JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  const h = run('--help');
  assert.equal(h.code, 0);
  assert.match(h.stdout, /rltune env check <id>/);
});

test('rltune envs --json lists every registered env with spaces, limits and thresholds', () => {
  const r = run('envs', '--json');
  assert.equal(r.code, 0);
  const j = JSON.parse(r.last) as {
    envs: {
      id: string;
      observation_space: string;
      action_space: string;
      max_episode_steps: number | null;
      reward_threshold: number | null;
    }[];
  };
  for (const id of IDS)
    assert.ok(
      j.envs.some((e) => e.id === id),
      id,
    );
  const cp = j.envs.find((e) => e.id === 'CartPole-v1')!;
  assert.equal(cp.action_space, 'Discrete(2)');
  assert.equal(cp.max_episode_steps, 500);
  assert.equal(cp.reward_threshold, 475);
  const text = run('envs');
  assert.match(text.stdout, /Taxi-v4/);
});

for (const dir of goldenDirs) {
  for (const id of IDS) {
    test(`rltune env check ${id} --golden ${dir} --json passes`, () => {
      const r = run('env', 'check', id, '--golden', dir, '--json');
      const j = JSON.parse(r.last);
      assert.equal(r.code, 0, r.stdout);
      assert.equal(j.env, id);
      assert.equal(j.failed, 0);
      assert.ok(j.checks >= 10);
      assert.ok(j.golden_transitions > 0);
      assert.ok(j.golden_max_abs_err <= 1e-5);
      if (!id.includes('Lake') && !id.includes('Cliff') && !id.includes('Taxi')) assert.ok(j.golden_episodes >= 1);
    });
  }
}

test('env check fails (exit 1) on a wrong trace and names it', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rltune-cli-'));
  const j = JSON.parse(readFileSync(join(root, 'test/golden/Acrobot-v1.json'), 'utf8'));
  j.episodes[2].terminated[5] = true;
  writeFileSync(join(tmp, 'Acrobot-v1.json'), JSON.stringify(j));
  const r = run('env', 'check', 'Acrobot-v1', '--golden', tmp, '--json');
  assert.equal(r.code, 1);
  const out = JSON.parse(r.last);
  assert.equal(out.failed, 1);
  assert.match(out.failures[0].message, /episode 2, step 5: terminated false, expected true/);
});

test('env check on a user env loaded with --module', () => {
  const mod = join(root, 'dist/test/fixtures/line_walk.js');
  const r = run('env', 'check', 'test/LineWalk-v0', '--module', mod, '--json');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(JSON.parse(r.last).failed, 0);
  const l = run('envs', '--module', mod);
  assert.match(l.stdout, /test\/LineWalk-v0/);
});

test('usage errors exit 2 with a clear message', () => {
  const u = run('env', 'check', 'CartPol-v1');
  assert.equal(u.code, 2);
  assert.match(u.stderr, /No environment registered with id "CartPol-v1"\. Did you mean "CartPole-v1"/);
  const uj = run('env', 'check', 'CartPol-v1', '--json');
  assert.equal(uj.code, 2);
  assert.match(JSON.parse(uj.last).error, /CartPole-v1/);
  assert.equal(run('frobnicate').code, 2);
  assert.match(run('env', 'check', 'CartPole-v1', '--bogus').stderr, /Unknown option '--bogus'/);
  assert.match(
    run('env', 'check', 'CartPole-v1', '--module', '/nonexistent/x.js').stderr,
    /cannot load module \/nonexistent\/x\.js/,
  );
  assert.match(
    run('env', 'check', 'CartPole-v1', '--golden', '/nonexistent-dir', '--json').last,
    /golden directory \/nonexistent-dir cannot be read/,
  );
  assert.match(
    run('env', 'check', 'CartPole-v1', '--steps', 'many').stderr,
    /--steps expects a non-negative integer, got "many"/,
  );
});
