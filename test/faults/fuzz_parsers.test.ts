/**
 * Property-based fuzzing (fast-check, fixed seed) of the workload spec parser, the CLI's argument parsing and
 * `bin/rltune` itself: no input may end in a non-Error throw, an engine error (reading a property of undefined),
 * a stack trace on stderr or a hang.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { joinNegativeValues, parseArgs } from '../../src/cli/args.js';
import { canonicalSpec, parseSpec, SpecError } from '../../src/tune/task/spec.js';
import { createTask } from '../../src/tune/task/task.js';
import { join } from 'node:path';
import { hostMachine } from '../../src/tune/measure/machine.js';
import { RecordsDB } from '../../src/tune/records/db.js';
import {
  count,
  fuzz,
  dbDump,
  misbehaviour,
  reproducer,
  rltune,
  scale,
  tempDir,
  unclearThrow,
  validLines,
} from './harness.js';

const OPS = ['gemm', 'bmm', 'softmax', 'layernorm', 'rmsnorm', 'conv', 'GEMM', '', 'toString', 'constructor'];
const KEYS = [
  'M',
  'N',
  'K',
  'B',
  'rows',
  'cols',
  'eps',
  'threads',
  'transA',
  'transB',
  'epilogue',
  'm',
  '',
  '__proto__',
];
const VALUES = fc.oneof(
  fc.integer({ min: -5, max: 70 }).map(String),
  fc.constantFrom('0', '1', '1048576', '1048577', '99999999999999999999', '1e3', '0x10', '-0', '1.5', ' 8', ''),
  fc.constantFrom('bias', 'bias+gelu', 'relu+relu', 'none', 'gelu+', '+', '1e-5', 'NaN', 'Infinity', '1'),
  fc.string({ maxLength: 6 }),
);
/** Specs near the grammar (so the fuzz reaches past the operator name) and any string. */
const SPECS = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...OPS),
      fc.array(fc.tuple(fc.constantFrom(...KEYS), VALUES, fc.boolean()), { maxLength: 7 }),
      fc.constantFrom(':', ':', '', '::'),
    )
    .map(([op, kv, colon]) => op + colon + kv.map(([k, v, eq]) => (eq ? `${k}=${v}` : k)).join(',')),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

test('parseSpec: any string is a workload whose canonical spec reads back the same, or a SpecError', () => {
  const runs = scale(3000, 30000);
  fuzz(runs, SPECS, (spec) => {
    let w;
    try {
      w = parseSpec(spec);
    } catch (err) {
      assert.equal(unclearThrow(err), null, `parseSpec(${JSON.stringify(spec)})`);
      assert.ok(err instanceof SpecError, `parseSpec(${JSON.stringify(spec)}) threw ${String(err)}`);
      return;
    }
    assert.deepEqual(parseSpec(canonicalSpec(w)), w, `canonical spec of ${JSON.stringify(spec)}`);
  });
});

// Names Object.prototype has: a lookup in a plain object finds them (a test of its own, so that the fuzz above
// goes on past them).
test('parseSpec: an operator or parameter named like an Object.prototype member is a SpecError', () => {
  const specs = ['toString', 'constructor:x=1', '__proto__:M=1', 'hasOwnProperty:', 'gemm:M=8,N=8,K=8,__proto__=1'];
  const wrong: string[] = [];
  for (const spec of specs) {
    try {
      parseSpec(spec);
      wrong.push(`${spec}: parsed`);
    } catch (err) {
      if (!(err instanceof SpecError)) wrong.push(`${spec}: ${String(err)}`);
    }
  }
  count({ fuzzed_inputs: specs.length });
  assert.deepEqual(wrong, []);
});

test('createTask: any spec that parses makes a task with a source, and any other throws a clear error', () => {
  const runs = scale(300, 3000);
  fuzz(runs, SPECS, (spec) => {
    try {
      const t = createTask(spec);
      assert.equal(typeof t.source(0), 'string');
    } catch (err) {
      assert.equal(unclearThrow(err), null, `createTask(${JSON.stringify(spec)})`);
    }
  });
});

const OPTIONS = {
  steps: { type: 'string' as const },
  seed: { type: 'string' as const, short: 's' },
  json: { type: 'boolean' as const },
  module: { type: 'string' as const, multiple: true },
};
const TOKENS = fc.oneof(
  fc.constantFrom('--steps', '-s', '--seed', '--json', '--module', '--', '-', '--steps=', '--json=1', '-sj', '---'),
  fc.constantFrom('-200', '-1.5', '-.5', '-1e-3', '-2.', '-e3', '-Infinity', '-0', '5', 'x'),
  fc.string({ maxLength: 8 }),
);

test('CLI argument parsing: any argv parses, or fails with a parseArgs error code (a usage error)', () => {
  const runs = scale(3000, 30000);
  fuzz(runs, fc.tuple(fc.array(TOKENS, { maxLength: 8 }), fc.boolean()), ([args, positionals]) => {
    const joined = joinNegativeValues(args, OPTIONS);
    // Everything after `--` is left as it was.
    const dd = args.indexOf('--');
    if (dd >= 0) assert.deepEqual(joined.slice(joined.indexOf('--')), args.slice(dd));
    try {
      parseArgs({ args, options: OPTIONS, allowPositionals: positionals, strict: true });
    } catch (err) {
      assert.equal(unclearThrow(err), null, `parseArgs(${JSON.stringify(args)})`);
      const code = (err as { code?: unknown }).code;
      assert.ok(
        typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'),
        `parseArgs(${JSON.stringify(args)}) threw ${String(err)}`,
      );
    }
  });
});

const SPEC_WORDS = ['gemm:M=8,N=8,K=8', 'gemm:M=0,N=8,K=8', 'softmax:rows=2', 'bogus', 'gemm:M=8,N=8,K=8,threads=999'];
const VALUE_WORDS = ['0', '-1', '64', 'abc', '1e9', '', 'NaN', '2.5', '-200', 'Infinity', 'CartPole-v1', 'ppo'];
const FLAG_WORDS = [
  '--json',
  '--steps',
  '--trials',
  '--seed',
  '--env',
  '--algo',
  '--db',
  '--out',
  '--checkpoint',
  '--episodes',
  '--strategy',
  '--top',
  '--timing',
  '--target',
  '--n-envs',
  '--config',
  '--time-budget',
  '--rounds',
  '--vs',
  '--golden',
  '--module',
  '--bogus',
  '-h',
  '--',
];
/** argv near the commands (so the fuzz reaches past the command name); values keep any valid run short. */
const ARGV = fc
  .tuple(
    fc.constantFrom(
      ['train', '--steps', '64'],
      ['eval'],
      ['tune', 'op'],
      ['tune', 'train-policy', '--steps', '8'],
      ['tune'],
      ['records', 'list'],
      ['records', 'show'],
      ['records', 'export'],
      ['records', 'import'],
      ['best'],
      ['workloads'],
      ['export'],
      ['bench', 'op'],
      ['env', 'check'],
      ['envs'],
      ['frobnicate'],
      // Not [] alone: a bare `rltune` prints its help and exits 2 by design (main.ts), with no error line.
      ['--json'],
    ),
    fc.array(
      fc.oneof(fc.constantFrom(...FLAG_WORDS), fc.constantFrom(...VALUE_WORDS), fc.constantFrom(...SPEC_WORDS)),
      {
        maxLength: 7,
      },
    ),
  )
  .map(([cmd, rest]) => [...cmd, ...rest.filter((w) => w !== '--module')]);

test('bin/rltune with random argv: exit 0, 1 or 2, one error line, no stack trace, no hang, no change when it fails', () => {
  const runs = scale(8, 80);
  // In a scratch directory: a default ./rltune.db or --out lands there, never in the repository. Its ./rltune.db
  // holds records and this host, so that a failed command has nothing to write there.
  const cwd = tempDir('argv');
  const dbPath = join(cwd, 'rltune.db');
  const db = new RecordsDB(dbPath);
  db.addMachine(hostMachine());
  db.importLines(validLines(5));
  db.close();
  fuzz(runs, ARGV, (args) => {
    const before = dbDump(dbPath);
    const r = rltune(args, { cwd, timeoutMs: 60_000 });
    const found = misbehaviour(r);
    if (r.code !== 0 && dbDump(dbPath) !== before) {
      count({ corrupted_databases: 1 });
      found.push('the command failed and changed ./rltune.db');
    }
    assert.deepEqual(found, [], `${reproducer(r)} (run in a scratch directory)`);
  });
});
