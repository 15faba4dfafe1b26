/**
 * Property-based fuzzing (fast-check, fixed seed) of checkpoint loading: a real checkpoint (a tiny `rltune train`)
 * with one field of its manifest changed or dropped, its manifest cut short, or its tensors.bin cut or overwritten.
 * readCheckpoint and loadAlgorithm either load it or throw a clear Error (no engine error, no non-Error), and
 * `rltune eval` on it prints one error line, no stack trace.
 */
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadAlgorithm } from '../../src/rl/algos/index.js';
import { registerBuiltinEnvs } from '../../src/rl/envs/builtin.js';
import { fuzz, misbehaviour, reproducer, rltune, scale, tempDir, unclearThrow } from './harness.js';

registerBuiltinEnvs();

/** Small values only: a huge size in a config runs this process out of memory (the test below checks that case). */
const VALUE = fc.constantFrom<unknown>(null, '', 'x', 'float64', -1, 0, 3, 2.5, 64, true, [], {}, [1], { a: 1 });

type Mutation =
  | { kind: 'field'; path: number[]; value: unknown; drop: boolean }
  | { kind: 'cut-manifest'; at: number }
  | { kind: 'cut-tensors'; at: number }
  | { kind: 'poke-tensors'; at: number; byte: number };

const MUTATION: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('field' as const),
    path: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    value: VALUE,
    drop: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('cut-manifest' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('cut-tensors' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('poke-tensors' as const), at: fc.nat(), byte: fc.nat({ max: 255 }) }),
);

/** Applies `m` to the checkpoint in `dir`; returns what it did, for the failure message. */
function mutate(dir: string, m: Mutation): string {
  const manifestPath = join(dir, 'manifest.json');
  // The data file (tensors-<hash>.bin since checkpoint version 2; tensors.bin before), found by its name: the
  // manifest that names it may be cut already.
  const data = readdirSync(dir).find((f) => /^tensors(-[0-9a-f]{16})?\.bin$/.test(f)) ?? 'tensors.bin';
  const tensorsPath = join(dir, data);
  if (m.kind === 'cut-manifest') {
    const text = readFileSync(manifestPath, 'utf8');
    writeFileSync(manifestPath, text.slice(0, m.at % text.length));
    return `manifest.json cut at ${m.at % text.length}`;
  }
  if (m.kind === 'cut-tensors' || m.kind === 'poke-tensors') {
    const buf = readFileSync(tensorsPath);
    const at = m.at % buf.length;
    if (m.kind === 'cut-tensors') writeFileSync(tensorsPath, buf.subarray(0, at));
    else {
      buf[at] = m.byte;
      writeFileSync(tensorsPath, buf);
    }
    return `tensors.bin ${m.kind === 'cut-tensors' ? 'cut' : `byte set to ${m.byte}`} at ${at}`;
  }
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  } catch {
    return 'no field changed (the manifest is no longer JSON)';
  }
  if (manifest === null || typeof manifest !== 'object') return 'no field changed (the manifest is no object)';
  // Walks down the path (each step an index into the keys there), then changes or drops the field reached.
  let node: Record<string, unknown> = manifest;
  const keys: string[] = [];
  for (const step of m.path) {
    const names = Object.keys(node);
    if (names.length === 0) break;
    const key = names[step % names.length];
    keys.push(key);
    const child = node[key];
    if (keys.length === m.path.length || child === null || typeof child !== 'object') {
      if (m.drop) delete node[key];
      else node[key] = m.value;
      break;
    }
    node = child as Record<string, unknown>;
  }
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  return `manifest field ${keys.join('.')} ${m.drop ? 'dropped' : `set to ${JSON.stringify(m.value)}`}`;
}

function trained(tag: string, algo: string): string {
  const out = join(tempDir(tag), 'ck');
  const r = rltune(['train', '--env', 'CartPole-v1', '--algo', algo, '--steps', '256', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

for (const algo of ['ppo', 'dqn']) {
  test(`loadAlgorithm on a mutated ${algo} checkpoint: it loads, or throws a clear Error`, () => {
    const good = trained(`ck-${algo}`, algo);
    const work = tempDir(`ck-${algo}-fuzz`);
    const runs = scale(150, 1500);
    let n = 0;
    fuzz(runs, fc.array(MUTATION, { minLength: 1, maxLength: 3 }), (ms) => {
      const dir = join(work, String(n++));
      cpSync(good, dir, { recursive: true });
      const did = ms.map((m) => mutate(dir, m)).join('; ');
      try {
        loadAlgorithm(dir).close();
      } catch (err) {
        assert.equal(unclearThrow(err), null, `loadAlgorithm after: ${did}`);
      }
    });
  });
}

test('rltune eval on a mutated checkpoint: one error line or an evaluation, no stack trace, no hang', () => {
  const good = trained('ck-eval', 'ppo');
  const work = tempDir('ck-eval-fuzz');
  const runs = scale(4, 40);
  let n = 0;
  fuzz(runs, fc.array(MUTATION, { minLength: 1, maxLength: 2 }), (ms) => {
    const dir = join(work, String(n++));
    cpSync(good, dir, { recursive: true });
    const did = ms.map((m) => mutate(dir, m)).join('; ');
    const r = rltune(['eval', '--checkpoint', dir, '--episodes', '1'], { timeoutMs: 60_000 });
    assert.deepEqual(misbehaviour(r), [], `${reproducer(r)} after: ${did}`);
  });
});

test('rltune eval on a checkpoint whose config asks for a billion envs: a clear error, not an out-of-memory crash', () => {
  const dir = trained('ck-huge', 'ppo');
  const path = join(dir, 'manifest.json');
  const m = JSON.parse(readFileSync(path, 'utf8')) as { config: Record<string, unknown> };
  m.config.nEnvs = 1e9;
  writeFileSync(path, JSON.stringify(m));
  // A small heap, so that running out of it takes seconds, not minutes.
  const r = rltune(['eval', '--checkpoint', dir, '--episodes', '1'], {
    timeoutMs: 120_000,
    env: { NODE_OPTIONS: '--max-old-space-size=256' },
  });
  const found = misbehaviour(r);
  if (r.code !== 1 && r.code !== 2) found.push(`exit ${r.code ?? r.signal}: ${r.stderr.slice(-300)}`);
  assert.deepEqual(found, [], `NODE_OPTIONS=--max-old-space-size=256 ${reproducer(r)} (config.nEnvs set to 1e9)`);
});
