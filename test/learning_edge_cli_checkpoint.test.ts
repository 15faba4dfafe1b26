/**
 * Review: a mismatched or hand-edited checkpoint manifest must give a clear message, never a stack dump
 * (issue 3, "Bad input"). loadAlgorithm only turns readCheckpoint/tensorOf failures into CheckpointError:
 * a config the algorithm rejects (RangeError from the constructor) or a manifest without `state`
 * (TypeError in OnPolicyAlgorithm.restore) escape cmdEval/cmdTrain and main() rethrows them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PPO } from '../src/rl/algos/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/rltune');

function evalJson(dir: string) {
  const r = spawnSync(process.execPath, [bin, 'eval', '--checkpoint', dir, '--episodes', '1', '--json'], {
    cwd: root,
    encoding: 'utf8',
  });
  const lines = r.stdout.trim().split('\n');
  return { code: r.status, stderr: r.stderr, last: lines[lines.length - 1] };
}

function checkpoint(edit: (m: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'rv-ck-'));
  const a = new PPO('CartPole-v1', { nEnvs: 2, nSteps: 64, nMinibatches: 4, seed: 1 });
  a.save(dir);
  a.close();
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  edit(m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

test('review2: eval of a checkpoint whose config the algorithm rejects: clear message, JSON error line, no stack', () => {
  const r = evalJson(
    checkpoint((m) => {
      (m.config as Record<string, unknown>).nMinibatches = 3;
    }),
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'stack trace printed');
  assert.ok('error' in JSON.parse(r.last), `last stdout line: ${r.last}`);
});

test('review2: eval of a checkpoint whose manifest lacks "state": clear message, no stack', () => {
  const r = evalJson(
    checkpoint((m) => {
      delete m.state;
    }),
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'stack trace printed');
});
