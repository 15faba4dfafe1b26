/**
 * Issue 20: a save that dies midway must leave the previous checkpoint (or the complete new one), never a mix.
 * A child process loads a real checkpoint, trains on, and saves into the same directory while its file-system
 * calls are counted: it kills itself (SIGKILL, a real crash) just before the k-th one, for every k until a save
 * completes. After each crash the directory must load as exactly the old checkpoint or exactly the new one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PPO } from '../src/rl/algos/index.js';
import { readCheckpoint, type Checkpoint } from '../src/rl/train/checkpoint.js';
import { root } from './fixtures/run_cli.js';

const CHILD = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
const { loadAlgorithm } = await import(process.env.ALGOS);
const a = loadAlgorithm(process.env.CK);
await a.learn({ totalSteps: a.numTimesteps + 32 });
a.save(process.env.NEW);
const killAt = Number(process.env.KILL_AT);
let n = 0;
for (const f of ['openSync', 'writeSync', 'writeFileSync', 'fsyncSync', 'closeSync', 'renameSync', 'unlinkSync',
  'rmSync', 'mkdirSync', 'linkSync', 'copyFileSync', 'truncateSync', 'ftruncateSync', 'appendFileSync']) {
  const orig = fs[f];
  fs[f] = function (...args) {
    if (++n === killAt) process.kill(process.pid, 'SIGKILL');
    return orig.apply(this, args);
  };
}
syncBuiltinESMExports();
a.save(process.env.CK);
process.stdout.write('saved after ' + n + ' calls\\n');
`;

const same = (a: Checkpoint, b: Checkpoint) =>
  a.manifest.num_timesteps === b.manifest.num_timesteps &&
  Buffer.from(a.tensors.actor.buffer).equals(Buffer.from(b.tensors.actor.buffer)) &&
  Buffer.from(a.tensors.critic.buffer).equals(Buffer.from(b.tensors.critic.buffer));

test('a save killed at any file-system call leaves the old checkpoint or the new one, never half of each', async () => {
  const base = mkdtempSync(join(tmpdir(), 'rltune-crash-'));
  const old = join(base, 'old');
  const a = new PPO('CartPole-v1', { nEnvs: 1, nSteps: 16, nMinibatches: 2, seed: 1 });
  await a.learn({ totalSteps: 32 });
  a.save(old);
  a.close();
  const oldCk = readCheckpoint(old);
  const ck = join(base, 'ck'),
    fresh = join(base, 'new');
  let completed = false;
  const outcomes: string[] = [];
  for (let k = 1; k <= 80 && !completed; k++) {
    rmSync(ck, { recursive: true, force: true });
    cpSync(old, ck, { recursive: true });
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        ALGOS: join(root, 'dist/src/rl/algos/index.js'),
        CK: ck,
        NEW: fresh,
        KILL_AT: String(k),
      },
    });
    completed = r.status === 0;
    assert.ok(completed || r.signal === 'SIGKILL', `child failed: ${r.stderr}`);
    const newCk = readCheckpoint(fresh);
    assert.ok(!same(oldCk, newCk), 'training changed nothing: the test cannot tell old from new');
    let got: Checkpoint;
    try {
      got = readCheckpoint(ck);
    } catch (err) {
      assert.fail(`killed before call ${k}: the checkpoint does not load: ${(err as Error).message}`);
    }
    const which = same(got, oldCk) ? 'old' : same(got, newCk) ? 'new' : 'mixed';
    outcomes.push(which);
    assert.notEqual(which, 'mixed', `killed before call ${k}: the directory holds a mix of old and new`);
    if (completed) assert.equal(which, 'new');
  }
  assert.ok(completed, 'the save never completed');
  // Once the new checkpoint is in place it stays: no crash point goes back to the old one.
  const first = outcomes.indexOf('new');
  assert.ok(
    outcomes.slice(first).every((o) => o === 'new'),
    `outcomes by crash point: ${outcomes.join(' ')}`,
  );
});
