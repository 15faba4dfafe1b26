/**
 * Generated kernel faults: a kernel that loops forever, segfaults, writes out of bounds or returns NaN is recorded
 * as its error kind and the tuning run goes on. test/tune_measure.test.ts ("planted wrong kernels ...") already
 * checks mutated generated kernels one at a time; here hand-written C kernels go through the measurer's real
 * build and run path inside one tuning run, beside correct ones.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostMachine } from '../../src/tune/measure/machine.js';
import { Measurer } from '../../src/tune/measure/measurer.js';
import { RecordsDB } from '../../src/tune/records/db.js';
import { tune } from '../../src/tune/search/loop.js';
import { GridTuner } from '../../src/tune/search/strategies/grid.js';
import { createTask, type TuningTask } from '../../src/tune/task/task.js';
import { count, dbState, tempDir } from './harness.js';

const M = 16,
  N = 16,
  K = 16;

/** A kernel of gemm:M=16,N=16,K=16 (the harness's ABI: inputs A and B, output C), with `fault` planted in it. */
function kernel(fault: string): string {
  return `#include <math.h>
#include <stddef.h>
int rltune_kernel(const float *const *in, float *C) {
  const float *A = in[0], *B = in[1];
  for (int m = 0; m < ${M}; m++)
    for (int n = 0; n < ${N}; n++) {
      float s = 0.f;
      for (int k = 0; k < ${K}; k++) s += A[m * ${K} + k] * B[k * ${N} + n];
      C[m * ${N} + n] = s;
    }
  ${fault}
  return 0;
}
`;
}

const FAULTS: { name: string; kind: string; code: string }[] = [
  { name: 'endless loop', kind: 'run-timeout', code: 'for (volatile int spin = 1; spin;) {}' },
  { name: 'segfault', kind: 'crash', code: '*(volatile float *)0 = 1.f;' },
  // Writes next to the output hit the harness's canaries: a wrong result (native/harness.c); far off, a segfault.
  {
    name: 'write just past the output',
    kind: 'wrong-result',
    code: `for (int j = 0; j < 4; j++) C[${M * N} + j] = 0.f;`,
  },
  { name: 'write before the output', kind: 'wrong-result', code: 'C[-1] = 0.f;' },
  { name: 'write far out of bounds', kind: 'crash', code: '((volatile float *)C)[(size_t)1 << 34] = 0.f;' },
  { name: 'NaN output', kind: 'wrong-result', code: `for (int i = 0; i < ${M * N}; i++) C[i] = NAN;` },
  { name: 'error return', kind: 'crash', code: 'return -1;' },
];

test('a tuning run over kernels that hang, segfault, write out of bounds or return NaN records each as its kind and goes on', async () => {
  const work = tempDir('kernels');
  const real = createTask(`gemm:M=${M},N=${N},K=${K}`);
  const grid = new GridTuner(real, 0).propose(FAULTS.length + 3);
  const planted = new Map(FAULTS.map((f, i) => [grid[i], f]));
  const task: TuningTask = {
    ...real,
    source: (i) => (planted.has(i) ? kernel(planted.get(i)!.code) : real.source(i)),
  };
  const dbPath = join(work, 'r.db');
  const db = new RecordsDB(dbPath);
  const machine = db.addMachine(hostMachine());
  const run = { repeat: 3, minRepeatMs: 2, timeoutMs: 1500 };
  const r = await tune(task, new GridTuner(task, 0), new Measurer(task, { workDir: work, db, machine, run }), {
    trials: grid.length,
  });
  count({ runs: 1, fuzzed_inputs: FAULTS.length });
  assert.equal(r.trials, grid.length, 'the run stopped early');
  const rows = db.allResults();
  const byConfig = new Map(rows.map((row) => [row.config_index, row]));
  const wrong: string[] = [];
  for (const [i, f] of planted) {
    const row = byConfig.get(i);
    if (row === undefined) wrong.push(`${f.name}: not recorded`);
    else if (row.ok !== 0 || row.error_kind !== f.kind)
      wrong.push(`${f.name}: recorded ok=${row.ok} kind=${row.error_kind} (${row.error_message}), expected ${f.kind}`);
  }
  assert.deepEqual(wrong, []);
  assert.ok(r.best_config_index !== null && !planted.has(r.best_config_index), `best ${r.best_config_index}`);
  assert.equal(rows.length, grid.length);
  db.close();
  const state = dbState(dbPath);
  assert.equal(state.integrity, 'ok');
  assert.equal(state.duplicates, 0);
});
