/**
 * Issue 20: a checkpoint whose weights were replaced by random bytes loaded silently, and NaN weights crashed
 * `rltune eval` deep in the policy ("Categorical: row 0 has every action masked out"). Checkpoints list every
 * file with its size and SHA-256, checked at load; non-finite arrays are refused at load and at save; version 1
 * checkpoints (no checksums, e.g. the shipped policies) still load with the checks that need no checksum.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PPO } from '../src/rl/algos/index.js';
import * as ckpt from '../src/rl/train/checkpoint.js';
import { CheckpointError, readCheckpoint } from '../src/rl/train/checkpoint.js';
import { root, run } from './fixtures/run_cli.js';

interface Manifest {
  version: number;
  tensors_file?: string;
  files?: Record<string, { size: number; sha256: string }>;
  tensors: Record<string, { dtype: string; offset: number; length: number }>;
  [k: string]: unknown;
}

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
/** The file holding the arrays (version 1 always used tensors.bin). */
const tensorsPath = (dir: string) => join(dir, manifestOf(dir).tensors_file ?? 'tensors.bin');

/** A real PPO trained for a few steps on CartPole, saved to a fresh directory. */
async function trained(): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'rltune-ck-')), 'run');
  const a = new PPO('CartPole-v1', { nEnvs: 1, nSteps: 16, nMinibatches: 2, seed: 1 });
  await a.learn({ totalSteps: 32 });
  a.save(dir);
  a.close();
  return dir;
}

/** Writes `value` into element `index` of the float32 array `name` of the tensors file, in place. */
function poke(dir: string, name: string, index: number, value: number): void {
  const path = tensorsPath(dir);
  const buf = readFileSync(path);
  buf.writeFloatLE(value, manifestOf(dir).tensors[name].offset + 4 * index);
  writeFileSync(path, buf);
}

/** Rewrites the checkpoint as the version 1 layout (no checksums, tensors.bin), as older RLTune wrote it. */
function asVersion1(dir: string): void {
  const m = manifestOf(dir);
  renameSync(tensorsPath(dir), join(dir, 'tensors.bin'));
  delete m.files;
  delete m.tensors_file;
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, version: 1 }, null, 2));
}

function evalFails(dir: string, message: RegExp): void {
  const r = run('eval', '--checkpoint', dir, '--episodes', '1');
  assert.equal(r.code, 1, `exit ${r.code}; stdout ${r.stdout}; stderr ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^ {4}at /m, 'stack trace printed');
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line expected: ${r.stderr}`);
  assert.match(lines[0], /^rltune: error: /);
  assert.match(lines[0], message);
}

test('the manifest lists every other file of the checkpoint with its size and SHA-256', async () => {
  const dir = await trained();
  const m = manifestOf(dir);
  assert.ok(m.files !== undefined, 'manifest.json has no "files"');
  const files = readdirSync(dir).filter((f) => f !== 'manifest.json' && f !== 'log.jsonl');
  assert.deepEqual(Object.keys(m.files).sort(), files.sort());
  for (const [name, e] of Object.entries(m.files)) {
    const bytes = readFileSync(join(dir, name));
    assert.equal(e.size, statSync(join(dir, name)).size);
    assert.equal(e.sha256, createHash('sha256').update(bytes).digest('hex'));
  }
});

test('eval of a checkpoint whose weights were overwritten with random bytes (same size): exit 1, "damaged", one line', async () => {
  const dir = await trained();
  const path = tensorsPath(dir);
  const buf = readFileSync(path);
  const { offset } = manifestOf(dir).tensors.actor;
  // Random bytes over the actor's weights; every byte differs from what was saved.
  for (let i = offset; i < offset + 64; i++) buf[i] = (buf[i] + 1 + Math.floor(Math.random() * 255)) & 255;
  writeFileSync(path, buf);
  assert.throws(
    () => readCheckpoint(dir),
    (e: Error) => e instanceof CheckpointError && /damaged/.test(e.message) && /SHA-256/.test(e.message),
  );
  evalFails(dir, /damaged.*SHA-256/);
});

test('eval of a checkpoint whose tensors file was truncated: exit 1, "damaged", names the file and the sizes', async () => {
  const dir = await trained();
  const path = tensorsPath(dir);
  const size = statSync(path).size;
  truncateSync(path, Math.floor(size / 2));
  evalFails(dir, new RegExp(`damaged.*${Math.floor(size / 2)} bytes.*${size}`));
});

test('eval of a checkpoint with a NaN written into a weight: exit 1, "damaged" (the checksum catches it)', async () => {
  const dir = await trained();
  poke(dir, 'actor', 0, NaN);
  evalFails(dir, /damaged/);
});

test('a version 1 checkpoint (no checksums) with NaN or infinite weights is refused at load, naming the array and index', async () => {
  const dir = await trained();
  asVersion1(dir);
  // Without the change it still loads.
  assert.equal(readCheckpoint(dir).manifest.version, 1);
  poke(dir, 'actor', 7, NaN);
  assert.throws(
    () => readCheckpoint(dir),
    (e: Error) => e instanceof CheckpointError && /damaged/.test(e.message) && /actor\[7\] is NaN/.test(e.message),
  );
  evalFails(dir, /actor\[7\] is NaN/);
  poke(dir, 'actor', 7, 0);
  poke(dir, 'critic', 3, -Infinity);
  evalFails(dir, /critic\[3\] is -Infinity/);
});

test('saving NaN or infinite weights is refused, naming the array and index, and the previous checkpoint stays', async () => {
  const dir = await trained();
  const before = readFileSync(tensorsPath(dir));
  const a = new PPO('CartPole-v1', { nEnvs: 1, nSteps: 16, nMinibatches: 2, seed: 2 });
  a.actor.params[5] = NaN;
  assert.throws(
    () => a.save(dir),
    (e: Error) => e instanceof CheckpointError && /actor\[5\] is NaN/.test(e.message),
  );
  a.actor.params[5] = Infinity;
  assert.throws(() => a.save(dir), /actor\[5\] is Infinity/);
  a.close();
  assert.deepEqual(readFileSync(tensorsPath(dir)), before);
  assert.equal(run('eval', '--checkpoint', dir, '--episodes', '1').code, 0);
});

test('the shipped checkpoints load, converted to version 2: their unchanged tensors.bin listed with its checksum', () => {
  for (const d of ['policies/gemm-v1-avx512/checkpoint', 'bench/policies/tuners-v1-gemm/checkpoint']) {
    const ck = readCheckpoint(join(root, d));
    assert.ok(ck.tensors.actor.length > 0, d);
    assert.equal(ck.manifest.version, 2, d);
    assert.equal(ck.manifest.tensors_file, 'tensors.bin', d);
  }
});

test('upgradeCheckpoint rewrites a version 1 manifest with the checksums of its unchanged files, which then count', async () => {
  const dir = await trained();
  asVersion1(dir);
  const bytes = readFileSync(join(dir, 'tensors.bin'));
  const upgrade = (ckpt as { upgradeCheckpoint?: (d: string) => unknown }).upgradeCheckpoint;
  assert.ok(upgrade, 'checkpoint.ts exports no upgradeCheckpoint');
  upgrade(dir);
  assert.deepEqual(readFileSync(join(dir, 'tensors.bin')), bytes);
  const m = manifestOf(dir);
  assert.equal(m.version, 2);
  assert.deepEqual(m.files, {
    'tensors.bin': { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') },
  });
  assert.equal(m.converted_from, 1);
  assert.equal(readCheckpoint(dir).manifest.num_timesteps, 32);
  poke(dir, 'actor', 0, 0.5);
  evalFails(dir, /damaged: tensors\.bin does not match its SHA-256/);
  // A damaged version 1 checkpoint is not blessed with checksums.
  const other = await trained();
  asVersion1(other);
  poke(other, 'actor', 1, NaN);
  assert.throws(() => upgrade(other), /actor\[1\] is NaN/);
  assert.equal(manifestOf(other).version, 1);
});

test('saving again into a run directory keeps its other files and leaves one tensors file', async () => {
  const dir = await trained();
  writeFileSync(join(dir, 'notes.txt'), 'mine\n');
  const a = new PPO('CartPole-v1', { nEnvs: 1, nSteps: 16, nMinibatches: 2, seed: 3 });
  a.save(dir);
  await a.learn({ totalSteps: 16 });
  a.save(dir);
  a.close();
  assert.equal(readFileSync(join(dir, 'notes.txt'), 'utf8'), 'mine\n');
  const data = readdirSync(dir).filter((f) => f !== 'manifest.json' && f !== 'log.jsonl' && f !== 'notes.txt');
  assert.deepEqual(data, Object.keys(manifestOf(dir).files ?? {}));
  assert.equal(readCheckpoint(dir).manifest.num_timesteps, 16);
});

test('a hand-edited file list (entry not {size, sha256}, a path outside the directory) is refused with a clear message', async () => {
  const dir = await trained();
  const m = manifestOf(dir);
  const name = m.tensors_file as string;
  for (const files of [
    { [name]: null },
    { [name]: { size: '12', sha256: 'x' } },
    { ...m.files, '../x': m.files?.[name] },
  ]) {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ ...m, files }));
    assert.throws(
      () => readCheckpoint(dir),
      (e: Error) => e instanceof CheckpointError && /damaged/.test(e.message) && /files/.test(e.message),
      JSON.stringify(files),
    );
  }
  evalFails(dir, /damaged/);
});

test('a checkpoint whose data file is gone is damaged (exit 1), version 1 or 2', async () => {
  const v2 = await trained();
  unlinkSync(tensorsPath(v2));
  evalFails(v2, /damaged: tensors-[0-9a-f]{16}\.bin is missing/);
  const v1 = await trained();
  asVersion1(v1);
  unlinkSync(join(v1, 'tensors.bin'));
  evalFails(v1, /damaged: tensors\.bin cannot be read/);
});
