import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { canonicalSpec, parseSpec, SpecError, workloadBytes, workloadFlops } from '../src/tune/task/spec.js';
import { GemmSpace, GEMM_KNOBS } from '../src/tune/space/gemm_space.js';
import { hostTarget, type Target } from '../src/tune/space/target.js';
import { RandomTuner } from '../src/tune/search/strategies/random.js';
import { GridTuner } from '../src/tune/search/strategies/grid.js';
import { createTask } from '../src/tune/task/task.js';

test('specs: every operator parses with its defaults; canonical form is stable', () => {
  const g = parseSpec('gemm:M=128,N=3072,K=768,epilogue=bias+gelu');
  assert.deepEqual(g, { op: 'gemm', M: 128, N: 3072, K: 768, epilogue: ['bias', 'gelu'], threads: 1 });
  assert.equal(canonicalSpec(g), 'gemm:M=128,N=3072,K=768,epilogue=bias+gelu,threads=1');
  assert.equal(canonicalSpec(parseSpec(canonicalSpec(g))), canonicalSpec(g));
  assert.equal(canonicalSpec(parseSpec('gemm:K=4,N=3,M=2')), 'gemm:M=2,N=3,K=4,epilogue=none,threads=1');
  assert.deepEqual(parseSpec('bmm:B=12,M=128,N=128,K=64,transB=1'), {
    op: 'bmm',
    B: 12,
    M: 128,
    N: 128,
    K: 64,
    transA: 0,
    transB: 1,
    threads: 1,
  });
  assert.equal(parseSpec('layernorm:rows=128,cols=768').op, 'layernorm');
  assert.equal((parseSpec('rmsnorm:rows=16,cols=4096,eps=1e-5') as { eps: number }).eps, 1e-5);
  assert.equal(workloadFlops(parseSpec('gemm:M=2,N=3,K=4')), 48);
  assert.equal(workloadBytes(parseSpec('gemm:M=2,N=3,K=4,epilogue=bias')), 4 * (8 + 12 + 6 + 3));
});

test('specs: malformed ones point at the bad part and list what is known', () => {
  const cases: [string, RegExp][] = [
    [
      'gemm:M=128,N=abc,K=4',
      /N must be a positive integer, got "abc"\n {2}gemm:M=128,N=abc,K=4\n {15}\^\^\^\nknown operators: gemm:/,
    ],
    ['gemn:M=1', /unknown operator "gemn"\n {2}gemn:M=1\n {2}\^\^\^\^\n/],
    ['gemm:M=1,N=2,K=3,X=4', /gemm has no parameter "X"; its parameters: M, N, K, epilogue, threads/],
    ['gemm:M=1,N=2', /gemm needs K=<positive integer>/],
    ['gemm:M=0,N=2,K=2', /M must be at least 1, got 0/],
    ['gemm:M=-3,N=2,K=2', /M must be a positive integer, got "-3"/],
    ['gemm:M=1,N=2,K=3,epilogue=bias+tanh', /unknown epilogue step "tanh"; known: bias, relu, gelu, silu, residual/],
    ['gemm:M=1,M=2,N=2,K=2', /M is given twice/],
    ['bmm:B=1,M=2,N=2,K=2,transB=2', /transB must be 0 or 1, got 2/],
    ['gemm:M=2000000,N=2,K=2', /M=2000000 is larger than the 1048576 accepted/],
    ['gemm:M=100000,N=100000,K=10', /its tensors take .* GiB, more than the 4 GiB a workload may use/],
    ['', /empty workload spec/],
  ];
  for (const [spec, re] of cases)
    assert.throws(
      () => parseSpec(spec),
      (e: Error) => e instanceof SpecError && re.test(e.message),
      spec,
    );
});

test('GEMM space: index <-> knob vector <-> JSON round trips; invalid configs are named', () => {
  const t = hostTarget();
  const space = new GemmSpace(t);
  assert.equal(
    space.size,
    GEMM_KNOBS.reduce((n, k) => n * k.values.length, 1),
  );
  for (const i of [0, 1, 12345, space.size - 1]) {
    const c = space.config(i);
    assert.equal(space.index(c), i);
    assert.equal(space.index(space.fromJSON(JSON.parse(JSON.stringify(c)))), i);
  }
  assert.throws(() => space.config(space.size), /index must be an integer in \[0, /);
  assert.throws(() => space.fromJSON({ ...space.config(0), mr: 3 }), /mr=3 is not one of 1, 2, 4/);
  const avx512: Target = { isa: 'avx512', lanes: 16, registers: 32, flags: [] };
  const s512 = new GemmSpace(avx512);
  assert.equal(
    s512.invalidReason({ ...s512.config(0), mr: 16, nv: 2 }),
    'mr x nv + nv + 1 = 35 vector registers, the avx512 target has 32',
  );
  assert.equal(s512.invalidReason({ ...s512.config(0), mr: 14, nv: 2, unroll: 1 }), null);
  const valid = s512.validCount();
  assert.ok(valid > 1000 && valid < s512.size, `valid configs ${valid} of ${s512.size}`);
});

test('random search proposes distinct valid configs, the same ones for the same seed; grid goes in index order', () => {
  const task = createTask('gemm:M=32,N=32,K=32');
  const a = new RandomTuner(task, 7),
    b = new RandomTuner(task, 7),
    c = new RandomTuner(task, 8);
  const pa = [...a.propose(50), ...a.propose(50)],
    pb = [...b.propose(100)];
  assert.deepEqual(pa, pb);
  assert.notDeepEqual(pa, c.propose(100));
  assert.equal(new Set(pa).size, 100);
  for (const i of pa) assert.ok(task.space.isValid(task.space.config(i)));
  const g = new GridTuner(task, 0).propose(5);
  assert.deepEqual(
    g,
    [...g].sort((x, y) => x - y),
  );
  for (const i of g) assert.ok(task.space.isValid(task.space.config(i)));
});

test('model presets: every workload spec parses and makes a tuning task', async () => {
  const { MODEL_PRESETS } = await import('../src/tune/task/presets.js');
  assert.ok(Object.keys(MODEL_PRESETS).length >= 4);
  for (const [name, p] of Object.entries(MODEL_PRESETS)) {
    assert.ok(p.workloads.length > 0, name);
    for (const w of p.workloads)
      assert.equal(createTask(w.spec).spec, canonicalSpec(parseSpec(w.spec)), `${name}/${w.name}`);
  }
  const decode = MODEL_PRESETS['llama7b-decode'].workloads.filter((w) => w.spec.startsWith('gemm'));
  for (const w of decode) assert.ok((parseSpec(w.spec) as { M: number }).M <= 16, 'decode shapes have M of 16 or less');
});

test('no C compiler: tune says which compilers were tried and how to install one', async () => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { bin } = await import('./fixtures/run_cli.js');
  const dir = mkdtempSync(join(tmpdir(), 'rltune-nocc-'));
  const r = spawnSync(
    process.execPath,
    [bin, 'tune', 'op', 'gemm:M=8,N=8,K=8', '--trials', '1', '--db', join(dir, 'x.db'), '--json'],
    { encoding: 'utf8', env: { PATH: dir, CC: 'no-such-cc' } },
  );
  assert.equal(r.status, 2, r.stderr);
  assert.match(
    JSON.parse(r.stdout.trim().split('\n').at(-1)!).error,
    /no C compiler found \(tried no-such-cc, gcc, cc, clang\).*apt-get install gcc/,
  );
});
