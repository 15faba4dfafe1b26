import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { run } from './fixtures/run_cli.js';

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!);

for (const algo of ['td3', 'sac', 'ddpg']) {
  test(`rltune train --algo ${algo} (preset, --save-buffer) -> eval -> --resume`, () => {
    const out = join(mkdtempSync(join(tmpdir(), `rltune-${algo}-`)), 'run');
    const t = run(
      'train',
      '--env',
      'Pendulum-v1',
      '--algo',
      algo,
      '--steps',
      '1200',
      '--seed',
      '2',
      '--out',
      out,
      '--save-buffer',
      '--json',
    );
    assert.equal(t.code, 0, t.stderr);
    const j = lastJson(t.stdout);
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
    assert.equal(j.algo, algo);
    assert.equal(j.steps, 1200);
    assert.ok(existsSync(join(out, 'manifest.json')));
    const e = run('eval', '--checkpoint', out, '--episodes', '2', '--json');
    assert.equal(e.code, 0, e.stderr);
    const ev = lastJson(e.stdout);
    assert.equal(ev.episodes, 2);
    assert.ok(Number.isFinite(ev.mean_return));
    const r = run('train', '--resume', out, '--steps', '1400', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(lastJson(r.stdout).steps, 1400);
  });
}

test('rltune train: an off-policy algorithm on the wrong action space says which spaces it supports', () => {
  const r = run('train', '--env', 'CartPole-v1', '--algo', 'td3', '--json');
  assert.equal(r.code, 2);
  assert.match(
    lastJson(r.stdout).error,
    /td3 needs a Box observation space and a Box action space; CartPole-v1 has .* \(td3 supports: Box observations and bounded Box actions\)/,
  );
});
