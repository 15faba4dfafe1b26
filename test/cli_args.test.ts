// Negative numbers as option values (`--target -200`), which node:util's parseArgs refuses as "ambiguous".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isNegativeNumber, joinNegativeValues, parseArgs } from '../src/cli/args.js';
import { cmdEval, cmdTrain } from '../src/cli/train.js';
import { cmdBenchOp } from '../src/cli/kernel.js';
import { cmdRecords } from '../src/cli/records.js';
import { cmdTune } from '../src/cli/tune.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'rltune-cli-args-'));
const SPEC = 'gemm:M=64,N=64,K=64';

test('isNegativeNumber: numbers with a minus sign, nothing else', () => {
  for (const s of ['-200', '-1.5', '-1e-3', '-.5', '-2.', '-0', '-1E+4', '-007']) assert.ok(isNegativeNumber(s), s);
  for (const s of ['-', '--', '-e3', '-1x', '-Infinity', '-NaN', '--200', '-1e', '200', '-.', '-1.5.2', '- 2', '-0x10'])
    assert.ok(!isNegativeNumber(s), s);
});

test('joinNegativeValues joins a string option and a following negative number, and nothing else', () => {
  const options = {
    target: { type: 'string' },
    json: { type: 'boolean' },
    seed: { type: 'string', short: 's' },
  } as const;
  assert.deepEqual(joinNegativeValues(['--target', '-200', '--seed', '-1e-3'], options), [
    '--target=-200',
    '--seed=-1e-3',
  ]);
  assert.deepEqual(joinNegativeValues(['-s', '-.5'], options), ['-s-.5']);
  // A boolean takes no value; an option-looking token stays an option; `--name=v` is already joined; after
  // `--` everything is a positional.
  assert.deepEqual(joinNegativeValues(['--json', '-3'], options), ['--json', '-3']);
  assert.deepEqual(joinNegativeValues(['--target', '-x'], options), ['--target', '-x']);
  assert.deepEqual(joinNegativeValues(['--target=-1', '-2'], options), ['--target=-1', '-2']);
  assert.deepEqual(joinNegativeValues(['--', '--target', '-2'], options), ['--', '--target', '-2']);
  assert.deepEqual(joinNegativeValues(['--nope', '-2'], options), ['--nope', '-2']);
});

test('parseArgs takes negative values and still refuses what parseArgs refuses', () => {
  const options = { target: { type: 'string' }, json: { type: 'boolean' }, n: { type: 'string', short: 'n' } } as const;
  const { values, positionals } = parseArgs({
    args: ['--target', '-200', '-n', '-1.5', '--', '-3'],
    options,
    allowPositionals: true,
  });
  assert.deepEqual({ ...values }, { target: '-200', n: '-1.5' });
  assert.deepEqual(positionals, ['-3']);
  assert.throws(() => parseArgs({ args: ['--target', '--json'], options }), /ambiguous/);
  assert.throws(() => parseArgs({ args: ['--json', '-2'], options }), /Unknown option '-2'/);
});

/** Runs a command; returns its exit code, or the message of the error it threw. */
async function outcome(fn: () => number | Promise<number>): Promise<string> {
  try {
    return `exit ${await fn()}`;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Every numeric option of every command: [source file, option, the command with that option given `value`]. */
const CASES: [string, string, (value: string) => number | Promise<number>][] = [
  ['train.ts', 'seed', (v) => cmdTrain(['--env', 'FrozenLake-v1', '--algo', 'q-learning', '--seed', v])],
  ['train.ts', 'n-envs', (v) => cmdTrain(['--env', 'FrozenLake-v1', '--algo', 'q-learning', '--n-envs', v])],
  ['train.ts', 'steps', (v) => cmdTrain(['--env', 'FrozenLake-v1', '--algo', 'q-learning', '--steps', v])],
  ['train.ts', 'episodes', (v) => cmdEval(['--checkpoint', join(tmp, 'run'), '--episodes', v])],
  ['train.ts', 'seed', (v) => cmdEval(['--checkpoint', join(tmp, 'run'), '--seed', v])],
  ['tune.ts', 'trials', (v) => cmdTune(['op', SPEC, '--trials', v])],
  ['tune.ts', 'seed', (v) => cmdTune(['op', SPEC, '--trials', '1', '--seed', v])],
  ['tune.ts', 'early-stopping', (v) => cmdTune(['op', SPEC, '--trials', '1', '--early-stopping', v])],
  ['tune.ts', 'batch', (v) => cmdTune(['op', SPEC, '--trials', '1', '--batch', v])],
  ['tune.ts', 'verify-top', (v) => cmdTune(['op', SPEC, '--trials', '1', '--verify-top', v])],
  [
    'tune.ts',
    'measured-iterations',
    (v) => cmdTune(['op', SPEC, '--trials', '1', '--strategy', 'grpo', '--measured-iterations', v]),
  ],
  ['tune.ts', 'time-budget', (v) => cmdTune(['op', SPEC, '--trials', '1', '--time-budget', v])],
  ['tune.ts', 'steps', (v) => cmdTune(['train-policy', '--workloads', join(tmp, 'none'), '--out', tmp, '--steps', v])],
  ['tune.ts', 'seed', (v) => cmdTune(['train-policy', '--workloads', join(tmp, 'none'), '--out', tmp, '--seed', v])],
  [
    'tune.ts',
    'bc-top',
    (v) => cmdTune(['train-policy', '--workloads', join(tmp, 'none'), '--out', tmp, '--bc-top', v]),
  ],
  ['records.ts', 'top', (v) => cmdRecords(['show', SPEC, '--db', join(tmp, 'db'), '--top', v])],
  ['records.ts', 'top', (v) => cmdRecords(['verify', SPEC, '--db', join(tmp, 'db'), '--top', v])],
  ['kernel.ts', 'rounds', (v) => cmdBenchOp(['op', SPEC, '--db', join(tmp, 'db'), '--rounds', v])],
];

test('train --target takes a negative number (and reaches it)', async () => {
  const out = join(tmp, 'run');
  // FrozenLake returns are 0 or 1, so a target of -200 is reached by the first 20 episodes.
  assert.equal(
    await outcome(() =>
      cmdTrain([
        '--env',
        'FrozenLake-v1',
        '--algo',
        'q-learning',
        '--steps',
        '400',
        '--target',
        '-200',
        '--out',
        out,
        '--json',
      ]),
    ),
    'exit 0',
  );
  const solved = readFileSync(join(out, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"solved"'));
  assert.equal(solved.length, 1);
  assert.equal(JSON.parse(solved[0]).target, -200);
});

test('every numeric option takes a negative number: the command gives its own range error naming it', async () => {
  for (const [, name, run] of CASES) {
    for (const v of ['-3', '-0.5']) {
      const got = await outcome(() => run(v));
      assert.doesNotMatch(got, /ambiguous/, `--${name} ${v}`);
      assert.ok(got.includes(`--${name}`) && got.includes(JSON.stringify(v)), `--${name} ${v}: ${got}`);
    }
  }
});

test('env check --steps/--seed take a negative number (through bin/rltune)', () => {
  for (const name of ['steps', 'seed']) {
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin/rltune'), 'env', 'check', 'CartPole-v1', `--${name}`, '-3'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--${name} expects a non-negative integer, got "-3"`));
  }
});

test('the cases above cover every numeric option read in src/cli', () => {
  // The options the commands read as numbers: through intFlag, numFlag, parseIntFlag or Number(values[...]).
  const covered = new Set(
    CASES.map(([file, name]) => `${file}:${name}`).concat(['main.ts:steps', 'main.ts:seed', 'train.ts:target']),
  );
  const dir = join(root, 'src/cli');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    for (const m of text.matchAll(
      /(?:intFlag|numFlag|parseIntFlag)\('([\w-]+)'|Number\(values(?:\.([\w]+)|\['([\w-]+)'\])\)/g,
    )) {
      const name = m[1] ?? m[2] ?? m[3];
      assert.ok(covered.has(`${file}:${name}`), `${file}: --${name} has no negative-number case`);
    }
  }
});
