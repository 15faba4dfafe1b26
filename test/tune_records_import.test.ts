import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { RecordsDB } from '../src/tune/records/db.js';
import { createTask } from '../src/tune/task/task.js';

// An export stripped of its sources (bench/data/tuners-records-*.jsonl.gz) leaves optional result fields out.
test('records import: result lines without the optional fields (source hash, settings, run id) import as nulls', () => {
  const db = new RecordsDB(join(mkdtempSync(join(tmpdir(), 'rltune-imp-')), 'r.db'));
  const lines = [
    JSON.stringify({ kind: 'machine', fingerprint: 'f00', info: '{}', probe: null, created: '2026-12-02T00:00:00Z' }),
    JSON.stringify({
      kind: 'workload',
      spec: 'gemm:M=8,N=8,K=8,epilogue=none,threads=1',
      op: 'gemm',
      flops: 1024,
      bytes: 768,
    }),
    JSON.stringify({
      kind: 'result',
      spec: 'gemm:M=8,N=8,K=8,epilogue=none,threads=1',
      machine: 'f00',
      space: 'gemm-v1/avx512',
      config_index: 5,
      // An import is checked against the space: the config is config 5's.
      config: JSON.stringify(createTask('gemm:M=8,N=8,K=8').configJSON(5)),
      ok: 1,
      median_ms: 0.001,
      gflops: 1.024,
      created: '2026-12-02T00:00:01Z',
    }),
  ];
  assert.deepEqual(db.importLines(lines), { results: 1, skipped: 0 });
  const [r] = db.allResults();
  assert.equal(r.source_hash, null);
  assert.equal(r.run_id, null);
  assert.equal(r.gflops, 1.024);
  assert.deepEqual(db.importLines(lines), { results: 0, skipped: 1 });
  db.close();
});
