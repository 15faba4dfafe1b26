/**
 * Issue 20 (train, export, help): an existing output is never overwritten without --force, --resume refuses an
 * --env/--algo/config that is not the checkpoint's, unknown --config keys are refused, and every command answers
 * -h/--help. Real runs (tiny budgets) and real checkpoints in temp dirs, through bin/rltune.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './fixtures/run_cli.js';
import { configKeys } from '../src/cli/train_config.js';
import { algorithmNames } from '../src/rl/algos/index.js';
import { registeredEnvs } from '../src/rl/core/registry.js';
import { registerBuiltinEnvs } from '../src/rl/envs/builtin.js';
import { presetFor } from '../src/rl/train/presets.js';

function noStack(r: { stderr: string }): void {
  assert.doesNotMatch(r.stderr, /^ {4}at /m, r.stderr);
}

function logOf(dir: string): { event: string; step: number }[] {
  return readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; step: number });
}

const DQN = ['train', '--env', 'Acrobot-v1', '--algo', 'dqn', '--json'];

test('train --out an existing checkpoint is refused without --force; --force replaces it cleanly; a file is refused', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rltune-i20-out-'));
  const out = join(tmp, 'run');
  const first = run(...DQN, '--steps', '600', '--out', out);
  assert.equal(first.code, 0, first.stderr);
  const before = readFileSync(join(out, 'log.jsonl'), 'utf8');
  const manifest = readFileSync(join(out, 'manifest.json'), 'utf8');

  const again = run(...DQN, '--steps', '300', '--out', out);
  assert.equal(again.code, 2, again.stderr);
  noStack(again);
  assert.ok(again.stderr.includes(out), again.stderr);
  assert.match(again.stderr, /--force/);
  assert.match(again.stderr, /--resume/);
  assert.match(JSON.parse(again.last).error, /--force/);
  assert.equal(readFileSync(join(out, 'log.jsonl'), 'utf8'), before, 'the old log is untouched');
  assert.equal(readFileSync(join(out, 'manifest.json'), 'utf8'), manifest, 'the old checkpoint is untouched');

  const forced = run(...DQN, '--steps', '300', '--out', out, '--force');
  assert.equal(forced.code, 0, forced.stderr);
  const log = logOf(out);
  assert.ok(log.length > 0);
  assert.ok(
    log.every((r) => r.step <= 300),
    'the log holds the new run only',
  );
  assert.equal(log.filter((r) => r.event === 'checkpoint' && r.step === 600).length, 0);
  assert.equal(
    (JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { num_timesteps: number }).num_timesteps,
    300,
  );

  // --force replaces a run directory, never a folder of other files.
  const other = join(tmp, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'notes.txt'), 'mine');
  const foreign = run(...DQN, '--steps', '300', '--out', other, '--force');
  assert.equal(foreign.code, 2, foreign.stderr);
  noStack(foreign);
  assert.ok(foreign.stderr.includes('notes.txt'), foreign.stderr);
  assert.equal(readFileSync(join(other, 'notes.txt'), 'utf8'), 'mine');

  const file = join(tmp, 'a-file');
  writeFileSync(file, 'x');
  const f = run(...DQN, '--steps', '300', '--out', file);
  assert.equal(f.code, 2, f.stderr);
  noStack(f);
  assert.ok(f.stderr.includes(file), f.stderr);
  assert.match(f.stderr, /is a file, not a directory/);
  assert.equal(readFileSync(file, 'utf8'), 'x');

  // An empty directory (mkdtemp's) is no existing output.
  const empty = mkdtempSync(join(tmpdir(), 'rltune-i20-empty-'));
  const e = run(...DQN, '--steps', '300', '--out', empty);
  assert.equal(e.code, 0, e.stderr);
});

test('train --resume refuses an --env, --algo or config that is not the checkpoint; matching ones are fine', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rltune-i20-resume-'));
  const ck = join(tmp, 'cp');
  const t = run('train', '--env', 'CartPole-v1', '--algo', 'ppo', '--steps', '256', '--out', ck, '--json');
  assert.equal(t.code, 0, t.stderr);
  const log = readFileSync(join(ck, 'log.jsonl'), 'utf8');

  const both = run('train', '--env', 'Acrobot-v1', '--algo', 'dqn', '--resume', ck, '--steps', '512', '--json');
  assert.equal(both.code, 2, both.stderr);
  noStack(both);
  for (const s of ['Acrobot-v1', 'CartPole-v1', '"dqn"', '"ppo"', ck]) assert.ok(both.stderr.includes(s), s);
  assert.equal(readFileSync(join(ck, 'log.jsonl'), 'utf8'), log, 'nothing was trained');

  const env = run('train', '--env', 'Acrobot-v1', '--resume', ck, '--steps', '512');
  assert.equal(env.code, 2, env.stderr);
  assert.match(env.stderr, /--env "Acrobot-v1".*"CartPole-v1"/);
  const algo = run('train', '--algo', 'a2c', '--resume', ck, '--steps', '512');
  assert.equal(algo.code, 2, algo.stderr);
  assert.match(algo.stderr, /--algo "a2c".*"ppo"/);

  const kw = join(tmp, 'kw.json');
  writeFileSync(kw, JSON.stringify({ envKwargs: { maxEpisodeSteps: 50 } }));
  const kwargs = run('train', '--resume', ck, '--config', kw, '--steps', '512');
  assert.equal(kwargs.code, 2, kwargs.stderr);
  noStack(kwargs);
  assert.match(kwargs.stderr, /envKwargs/);
  assert.match(kwargs.stderr, /"maxEpisodeSteps":50/);

  const lr = join(tmp, 'lr.json');
  writeFileSync(lr, JSON.stringify({ lr: 0.5 }));
  const cfg = run('train', '--resume', ck, '--config', lr, '--steps', '512');
  assert.equal(cfg.code, 2, cfg.stderr);
  assert.match(cfg.stderr, /lr 0\.5 .*0\.001/);
  const seed = run('train', '--resume', ck, '--seed', '9', '--steps', '512');
  assert.equal(seed.code, 2, seed.stderr);
  assert.match(seed.stderr, /--seed 9 .*1/);
  assert.equal(readFileSync(join(ck, 'log.jsonl'), 'utf8'), log, 'nothing was trained');

  const ok = run(
    'train',
    '--env',
    'CartPole-v1',
    '--algo',
    'ppo',
    '--seed',
    '1',
    '--resume',
    ck,
    '--steps',
    '512',
    '--json',
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.last).env, 'CartPole-v1');
  assert.ok(JSON.parse(ok.last).steps >= 512);
  const plain = run('train', '--resume', ck, '--steps', '768', '--json');
  assert.equal(plain.code, 0, plain.stderr);

  // --force with --resume into the checkpoint itself would throw away what is being resumed.
  const force = run('train', '--resume', ck, '--steps', '1024', '--force');
  assert.equal(force.code, 2, force.stderr);
  assert.match(force.stderr, /--force/);
});

test('train --config with a key the algorithm does not have is refused, listing the known keys', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rltune-i20-config-'));
  const file = join(tmp, 'dqn.json');
  writeFileSync(file, JSON.stringify({ learningRate: 0.001, batchSize: 32 }));
  const out = join(tmp, 'run');
  const r = run(...DQN, '--steps', '300', '--config', file, '--out', out);
  assert.equal(r.code, 2, r.stderr);
  noStack(r);
  assert.match(r.stderr, /"learningRate"/);
  assert.match(r.stderr, /dqn/);
  for (const k of ['lr', 'batchSize', 'targetUpdateInterval', 'envKwargs']) assert.ok(r.stderr.includes(k), k);
  assert.ok(!existsSync(out), 'nothing was written');
  writeFileSync(file, JSON.stringify({ lr: 0.001, batchSize: 32 }));
  const good = run(...DQN, '--steps', '300', '--config', file, '--out', out);
  assert.equal(good.code, 0, good.stderr);
});

test('every command answers -h/--help with its own usage (exit 0)', () => {
  const cases: [string[], RegExp, RegExp | null][] = [
    [['train', '-h'], /rltune train --env/, /rltune tune op/],
    [['train', '--env', 'CartPole-v1', '--help'], /rltune train --env/, /rltune eval/],
    [['eval', '--help'], /rltune eval --checkpoint/, /rltune train/],
    [['envs', '-h'], /rltune envs/, /rltune env check/],
    [['env', 'check', '-h'], /rltune env check <id>/, /rltune envs/],
    [['env', '--help'], /rltune env check <id>/, null],
    [['tune', '--help'], /rltune tune op <spec>[\s\S]*rltune tune train-policy/, /rltune records/],
    [['tune', 'op', '-h'], /rltune tune op <spec>/, /train-policy/],
    [['tune', 'train-policy', '--help'], /rltune tune train-policy/, /rltune tune op/],
    [['records', '-h'], /rltune records list[\s\S]*rltune records show[\s\S]*rltune records verify/, /rltune tune/],
    [['records', 'show', '--help'], /rltune records show <spec>/, /rltune records list/],
    [['records', 'import', '-h'], /records import FILE/, null],
    [['best', '-h'], /rltune best <spec>/, /rltune tune/],
    [['workloads', '--help'], /rltune workloads/, /rltune tune/],
    [['export', '-h'], /rltune export <spec> --out DIR/, /rltune tune/],
    [['bench', 'op', '--help'], /rltune bench op <spec>/, /rltune tune/],
    [['help', 'train'], /rltune train --env/, /rltune tune op/],
  ];
  for (const [argv, want, not] of cases) {
    const r = run(...argv);
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '', argv.join(' '));
    assert.match(r.stdout, /^Usage:/, argv.join(' '));
    assert.match(r.stdout, want, argv.join(' '));
    if (not) assert.doesNotMatch(r.stdout, not, argv.join(' '));
  }
  // An unknown command is still refused, -h or not.
  const unknown = run('frobnicate', '-h');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

test('export --out: a file is a clear error; an existing directory is not overwritten without --force', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rltune-i20-export-'));
  const db = join(tmp, 'r.db');
  const spec = 'gemm:M=16,N=16,K=16';
  const t = run('tune', 'op', spec, '--trials', '3', '--seed', '2', '--db', db, '--verify-top', '0', '--json');
  assert.equal(t.code, 0, t.stderr);

  const file = join(tmp, 'a-file');
  writeFileSync(file, 'x');
  const f = run('export', spec, '--db', db, '--out', file);
  assert.equal(f.code, 2, f.stderr);
  noStack(f);
  assert.ok(f.stderr.includes(file), f.stderr);
  assert.match(f.stderr, /is a file, not a directory/);
  assert.doesNotMatch(f.stderr, /EEXIST/);
  assert.equal(readFileSync(file, 'utf8'), 'x');

  const out = join(tmp, 'kernel');
  const first = run('export', spec, '--db', db, '--out', out, '--name', 'k');
  assert.equal(first.code, 0, first.stderr);
  writeFileSync(join(out, 'k.h'), '/* mine */\n');
  const again = run('export', spec, '--db', db, '--out', out, '--name', 'k', '--json');
  assert.equal(again.code, 2, again.stderr);
  noStack(again);
  assert.ok(again.stderr.includes(out), again.stderr);
  assert.match(again.stderr, /--force/);
  assert.match(JSON.parse(again.last).error, /--force/);
  assert.equal(readFileSync(join(out, 'k.h'), 'utf8'), '/* mine */\n', 'nothing was overwritten');
  const forced = run('export', spec, '--db', db, '--out', out, '--name', 'k', '--force');
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(readFileSync(join(out, 'k.h'), 'utf8'), /int k\(/);
});

test('every preset config holds only keys of its algorithm (so --config refusing unknown keys refuses no preset)', () => {
  registerBuiltinEnvs();
  for (const algo of algorithmNames()) {
    const keys = configKeys(algo);
    assert.ok(keys !== null, `${algo} has no known config keys`);
    for (const env of registeredEnvs())
      for (const k of Object.keys(presetFor(algo, env.id).config))
        assert.ok(keys.includes(k), `${algo} on ${env.id}: ${k}`);
  }
});
