import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cacheInfo, DEFAULT_CACHES, Pruner, RULES, type CacheInfo } from '../src/tune/space/prune.js';
import type { GemmConfig, GemmSpace } from '../src/tune/space/gemm_space.js';
import type { Target } from '../src/tune/space/target.js';
import { createTask } from '../src/tune/task/task.js';
import { cacheSizes, cacheSizesFromGetconf } from '../src/tune/measure/machine.js';

const AVX512: Target = { isa: 'avx512', lanes: 16, registers: 32, flags: [] };
const AVX2: Target = { isa: 'avx2', lanes: 8, registers: 16, flags: [] };
const CACHES: CacheInfo = { l1d: 32 * 1024, l2: 1024 * 1024, l3: 32 * 1024 * 1024 };
const ruleNames = new Set(RULES.map((r) => r.name));

interface Fixture {
  spec: string;
  caches: CacheInfo;
  lanes: number;
  target: { isa: Target['isa']; lanes: number; registers: number };
  measured: {
    index: number;
    config: Record<string, number>;
    gflops: number | null;
    rounds: number[];
    error?: string;
  }[];
}
const fixture = JSON.parse(
  readFileSync(new URL('../../test/fixtures/prune-exhaustive.json', import.meta.url), 'utf8'),
) as Fixture;

test('exhaustively measured sub-space: no rule discards a top-5% config; a pruned duplicate has a kept, measured representative that ran as fast', (t) => {
  const task = createTask(fixture.spec, { ...fixture.target, flags: [] });
  assert.equal(task.space.target.lanes, fixture.lanes);
  const pruner = new Pruner(task, fixture.caches);
  const ok = fixture.measured.filter((m) => m.gflops !== null).sort((a, b) => b.gflops! - a.gflops!);
  assert.ok(ok.length >= 300, `${ok.length} configs measured`);
  const byIndex = new Map(ok.map((m, rank) => [m.index, { ...m, rank }]));
  for (const m of fixture.measured)
    assert.deepEqual(task.configJSON(m.index), m.config, 'indices of the full default space');

  // Every rule of the GEMM space fires on the sub-space (else the fixture checks nothing about it), except the two
  // that need caches far smaller than the blocks this shape can have.
  const fired: Record<string, number> = {};
  for (const m of ok) {
    const r = pruner.reason(m.index);
    const name = r === null ? 'kept' : r.slice(0, r.indexOf(':'));
    fired[name] = (fired[name] ?? 0) + 1;
  }
  for (const name of ['kept', 'vector-width', 'low-accumulators', 'a-block-l2', 'useless-split'])
    assert.ok(fired[name] > 0, `${name} fires on the fixture: ${JSON.stringify(fired)}`);

  const top = Math.ceil(ok.length * 0.05),
    top10 = Math.ceil(ok.length * 0.1);
  const discarded: string[] = [];
  let dups = 0;
  for (const m of ok.slice(0, top)) {
    const r = pruner.reason(m.index);
    if (r === null) {
      assert.equal(pruner.canonical(m.index), m.index);
      continue;
    }
    // A tile wider than the shape runs the covering width's edge kernel: pruned like a duplicate, with its representative.
    if (!r.startsWith('useless-split:') && !r.startsWith('vector-width:')) {
      discarded.push(`${JSON.stringify(m.config)} ${m.gflops} GFLOPS: ${r}`);
      continue;
    }
    dups++;
    const c = pruner.canonical(m.index);
    assert.ok(pruner.keep(c), `representative ${c} of ${m.index} is kept`);
    const cm = byIndex.get(c);
    assert.ok(cm, `representative ${c} of ${m.index} was measured`);
    // The same loop nest measures the same up to noise: on the 2-core VM of the fixture one measurement (a median of
    // 3 rounds) of a duplicate pair differs by up to ~10%, and the whole top 5% lies within 5% of the best.
    assert.ok(
      cm.gflops! >= 0.9 * m.gflops! || cm.rank < top10,
      `representative ${c} (${cm.gflops} GFLOPS, rank ${cm.rank}) of ${JSON.stringify(m.config)} (${m.gflops} GFLOPS)`,
    );
  }
  assert.deepEqual(discarded, [], 'top-5% configs discarded by a rule');
  t.diagnostic(
    `top 5%: ${top} configs (>= ${ok[top - 1].gflops} GFLOPS, best ${ok[0].gflops}); ${top - dups} kept, ${dups} pruned duplicates with kept representatives; rules on the fixture: ${JSON.stringify(fired)}`,
  );
});

test('pruned fractions of the default GEMM space: reported, strictly between 0 and 1, exhaustive in seconds', (t) => {
  const validCount = (createTask('gemm:M=8,N=8,K=8', AVX512).space as GemmSpace).validCount();
  // B stored N x K is read through packed panels only (packB 0): a third of the valid configs.
  const validTransB = (createTask('bmm:B=1,M=8,N=8,K=8,transB=1', AVX512).space as GemmSpace).validCount();
  for (const spec of [
    'gemm:M=512,N=512,K=512',
    'gemm:M=128,N=3072,K=768,epilogue=bias+gelu',
    'gemm:M=1,N=4096,K=4096',
    'bmm:B=12,M=128,N=128,K=64,transB=1',
  ]) {
    const task = createTask(spec, AVX512);
    const pruner = new Pruner(task, CACHES);
    const t0 = performance.now();
    const s = pruner.stats();
    const ms = performance.now() - t0;
    assert.equal(s.size, task.space.size);
    assert.equal(s.sampled, false);
    assert.equal(s.valid, spec.includes('transB=1') ? validTransB : validCount);
    assert.equal(s.kept + s.pruned, s.valid);
    assert.equal(
      Object.values(s.byRule).reduce((a, b) => a + b, 0),
      s.pruned,
    );
    assert.ok(s.prunedFraction > 0 && s.prunedFraction < 1, `${spec}: ${s.prunedFraction}`);
    assert.ok(ms < 15_000, `${spec}: exhaustive stats took ${ms.toFixed(0)} ms`);
    t.diagnostic(
      `${spec}: ${s.kept} kept of ${s.valid} valid, pruned ${(100 * s.prunedFraction).toFixed(1)}% ${JSON.stringify(s.byRule)} (${ms.toFixed(0)} ms)`,
    );
  }
  // The decode shape keeps its unpadded tiles of at least half the widest (1 x 2 .. 1 x 4).
  const decode = new Pruner(createTask('gemm:M=1,N=4096,K=4096', AVX512), CACHES);
  const space = decode.task.space as GemmSpace,
    tiles = new Set<string>();
  for (let i = 0; i < space.size; i += 97) if (decode.keep(i)) tiles.add(`${space.config(i).mr}x${space.config(i).nv}`);
  assert.deepEqual([...tiles].sort(), ['1x2', '1x3', '1x4']);
  assert.match(
    decode.reason(
      space.index({
        mr: 1,
        nv: 1,
        kc: 256,
        mcPanels: 1,
        ncPanels: 32,
        unroll: 4,
        prefetch: 8,
        loopOrder: 0,
        innerOrder: 0,
        bcast: 0,
        pipeline: 0,
        packB: 0,
        par: 0,
      }),
    )!,
    /^low-accumulators: mr x nv = 1 accumulators, fewer than 2/,
  );
  assert.match(
    decode.reason(
      space.index({
        mr: 2,
        nv: 4,
        kc: 256,
        mcPanels: 1,
        ncPanels: 32,
        unroll: 4,
        prefetch: 8,
        loopOrder: 0,
        innerOrder: 0,
        bcast: 0,
        pipeline: 0,
        packB: 0,
        par: 0,
      }),
    )!,
    /^vector-width: mr=2 rows per tile for M=1: mr=1 already covers M/,
  );
});

test('keep() agrees with the space on validity; reason() names the rule; canonical() of a kept config is itself', () => {
  for (const target of [AVX512, AVX2]) {
    for (const spec of ['gemm:M=512,N=512,K=512', 'gemm:M=48,N=80,K=200,threads=2', 'bmm:B=2,M=3,N=20,K=10,transA=1']) {
      const task = createTask(spec, target),
        space = task.space as GemmSpace;
      const pruner = new Pruner(task, CACHES);
      for (let i = 0; i < space.size; i += 211) {
        const c = space.config(i),
          r = pruner.reason(i);
        if (!space.isValid(c)) {
          assert.equal(pruner.keep(i), false);
          assert.equal(r, `invalid: ${space.invalidReason(c)}`);
          assert.equal(pruner.canonical(i), -1);
          continue;
        }
        assert.equal(pruner.keep(i), r === null);
        if (r === null) assert.equal(pruner.canonical(i), i);
        else {
          const name = r.slice(0, r.indexOf(':'));
          assert.ok(ruleNames.has(name) && name !== 'invalid', r);
          assert.equal(pruner.rule(i), name);
          assert.ok(r.length > name.length + 10, r);
          if (name === 'useless-split') assert.match(r, /^useless-split: the same loop nest as config \d+ \(/);
          else if (name === 'vector-width') assert.ok(pruner.canonical(i) !== i && pruner.canonical(i) >= 0, r);
          else assert.equal(pruner.canonical(i), -1);
        }
      }
    }
  }
  assert.throws(
    () => new Pruner(createTask('gemm:M=8,N=8,K=8', AVX512), CACHES).reason(-1),
    /config index must be an integer in \[0, /,
  );
});

/**
 * The loop nest of gemm_c.ts for one config, as the sequence of what it does: B panel packs, A block packs and
 * micro-kernel calls with their offsets, sizes and k loop (a k loop whose unrolled part never runs is written as
 * the unroll-1 loop without prefetch that it equals). Two configs with the same sequence run the same program.
 */
function loopNest(c: GemmConfig, lanes: number, M: number, N: number, K: number): string[] {
  const NR = c.nv * lanes,
    MC = c.mcPanels * c.mr,
    NC = c.ncPanels * NR,
    out: string[] = [];
  const kernel = (kc: number) => {
    const main = Math.floor(kc / c.unroll);
    return main === 0 ? `u1x${kc}+0 pf0` : `u${c.unroll}x${main}+${kc - main * c.unroll} pf${c.prefetch}`;
  };
  const body = (jc: number, pc: number) => {
    const nc = Math.min(NC, N - jc),
      kc = Math.min(c.kc, K - pc);
    for (let jr = 0; jr < nc; jr += NR) out.push(`packB ${pc} ${jc + jr} ${kc}`);
    for (let ic = 0; ic < M; ic += MC) {
      const mc = Math.min(MC, M - ic);
      out.push(`packA ${ic} ${pc} ${mc} ${kc}`);
      const tile = (ir: number, jr: number) =>
        out.push(
          `uk ${c.mr}x${NR} ${ic + ir} ${jc + jr} ${pc} ${Math.min(c.mr, mc - ir)}x${Math.min(NR, nc - jr)} ${kernel(kc)}`,
        );
      if (c.innerOrder === 0) for (let jr = 0; jr < nc; jr += NR) for (let ir = 0; ir < mc; ir += c.mr) tile(ir, jr);
      else for (let ir = 0; ir < mc; ir += c.mr) for (let jr = 0; jr < nc; jr += NR) tile(ir, jr);
    }
  };
  if (c.loopOrder === 0) for (let jc = 0; jc < N; jc += NC) for (let pc = 0; pc < K; pc += c.kc) body(jc, pc);
  else for (let pc = 0; pc < K; pc += c.kc) for (let jc = 0; jc < N; jc += NC) body(jc, pc);
  return out;
}

test('canonical(): a duplicate and its kept representative run the same loop nest', () => {
  for (const [spec, target] of [
    ['gemm:M=20,N=40,K=50', AVX512],
    ['gemm:M=9,N=24,K=3', AVX2],
    ['bmm:B=3,M=30,N=17,K=70,transB=1', AVX2],
  ] as const) {
    const task = createTask(spec, target),
      space = task.space as GemmSpace,
      w = task.workload as { M: number; N: number; K: number };
    const pruner = new Pruner(task, CACHES);
    let dups = 0;
    for (let i = 0; i < space.size; i += 101) {
      if (pruner.rule(i) !== 'useless-split') continue;
      const j = pruner.canonical(i);
      assert.ok(j !== i && pruner.keep(j), `${spec}: ${i} -> ${j} kept`);
      assert.equal(pruner.canonical(j), j);
      assert.deepEqual(
        loopNest(space.config(i), target.lanes, w.M, w.N, w.K),
        loopNest(space.config(j), target.lanes, w.M, w.N, w.K),
        `${spec}: ${JSON.stringify(space.config(i))} vs ${JSON.stringify(space.config(j))}`,
      );
      dups++;
    }
    assert.ok(dups > 100, `${spec}: ${dups} duplicates checked`);
  }
  // And configs that are kept run distinct loop nests (on a sample: no two kept configs share one).
  const task = createTask('gemm:M=20,N=40,K=50', AVX512),
    space = task.space as GemmSpace,
    pruner = new Pruner(task, CACHES);
  const seen = new Map<string, number>();
  for (let i = 0; i < space.size; i += 13) {
    if (!pruner.keep(i)) continue;
    const key = loopNest(space.config(i), 16, 20, 40, 50).join('\n');
    assert.equal(seen.get(key), undefined, `kept ${i} duplicates kept ${seen.get(key)}`);
    seen.set(key, i);
  }
});

test('cache rules fire against small caches, with the clamped sizes in their messages', () => {
  const task = createTask('gemm:M=512,N=512,K=512', AVX512),
    space = task.space as GemmSpace;
  const tiny = new Pruner(task, { l1d: 8192, l2: 64 * 1024, l3: 256 * 1024 });
  const at = (c: Partial<GemmConfig>) =>
    space.index({
      mr: 8,
      nv: 2,
      kc: 256,
      mcPanels: 8,
      ncPanels: 8,
      unroll: 4,
      prefetch: 8,
      loopOrder: 0,
      innerOrder: 0,
      bcast: 0,
      pipeline: 0,
      packB: 0,
      par: 0,
      ...c,
    });
  assert.match(
    tiny.reason(at({ mr: 4, nv: 4, kc: 512 }))!,
    /^b-panel-l2: the B micro-panel kc x NR = 512 x 64 floats \(128 KiB\) exceeds L2 \(64 KiB\)/,
  );
  assert.match(
    tiny.reason(at({ mcPanels: 16, kc: 256 }))!,
    /^a-block-l2: the packed A block MC x KC = 128 x 256 floats \(128 KiB\) exceeds L2/,
  );
  // ir outer: the A block is not re-read, the B block is (and it is beyond L3 here).
  assert.match(
    tiny.reason(at({ mcPanels: 16, kc: 256, ncPanels: 16, innerOrder: 1 }))!,
    /^b-block-l3: the packed B block KC x NC = 256 x 512 floats \(512 KiB\)/,
  );
  // The same configs are kept with the fixture machine's caches; sizes are clamped to the shape (NC = 8192 columns is
  // 512 here).
  const real = new Pruner(task, CACHES);
  for (const c of [
    { mr: 4, nv: 4, kc: 512 },
    { mcPanels: 16, kc: 256 },
    { mcPanels: 16, kc: 256, ncPanels: 16, innerOrder: 1 },
  ])
    assert.equal(real.reason(at(c)), null, JSON.stringify(c));
  assert.match(
    real.reason(at({ mcPanels: 16, kc: 256, ncPanels: 256, innerOrder: 1 }))!,
    /^useless-split: .*ncPanels 256 -> 16/,
  );
});

test('row spaces: accs x lanes beyond cols is pruned (the vector loop never runs); rmsnorm algo 1 stays invalid', () => {
  const cases: [string, number[]][] = [
    ['softmax:rows=64,cols=40', [1, 2]],
    ['layernorm:rows=128,cols=768', [1, 2, 4, 8]],
    ['softmax:rows=1536,cols=8', [1]],
    ['rmsnorm:rows=16,cols=100', [1, 2, 4]],
  ];
  for (const [spec, keptAccs] of cases) {
    const task = createTask(spec, AVX512),
      pruner = new Pruner(task, CACHES);
    const kept = new Set<number>();
    for (let i = 0; i < task.space.size; i++) {
      const c = task.space.config(i) as { accs: number; algo: number },
        r = pruner.reason(i);
      if (r === null) {
        kept.add(c.accs);
        assert.equal(pruner.canonical(i), i);
      } else if (spec.startsWith('rmsnorm') && c.algo === 1) assert.match(r, /^invalid: rmsnorm has one algorithm/);
      else {
        assert.match(r, new RegExp(`^vector-width: accs x lanes = ${c.accs} x 16 = ${c.accs * 16} > cols=`));
        assert.equal(pruner.canonical(i), -1);
      }
    }
    assert.deepEqual(
      [...kept].sort((a, b) => a - b),
      keptAccs,
      spec,
    );
    const s = pruner.stats();
    assert.equal(s.kept + s.pruned, s.valid);
  }
});

test('stats({sample, seed}) is deterministic for a seed and close to the exhaustive count', () => {
  const pruner = new Pruner(createTask('gemm:M=512,N=512,K=512', AVX512), CACHES);
  const a = pruner.stats({ sample: 20_000, seed: 7 }),
    b = pruner.stats({ sample: 20_000, seed: 7 }),
    c = pruner.stats({ sample: 20_000, seed: 8 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.equal(a.sampled, true);
  assert.equal(a.counted, 20_000);
  assert.ok(a.valid <= 20_000 && a.kept + a.pruned === a.valid);
  const full = pruner.stats();
  assert.equal(full.counted, full.size);
  assert.ok(Math.abs(a.prunedFraction - full.prunedFraction) < 0.02, `${a.prunedFraction} vs ${full.prunedFraction}`);
  assert.throws(() => pruner.stats({ sample: 0 }), /sample must be a positive integer/);
  // A sample at least as large as the space counts it all.
  const rows = new Pruner(createTask('softmax:rows=4,cols=40', AVX512), CACHES);
  assert.equal(rows.stats({ sample: 100, seed: 1 }).sampled, false);
});

test('cacheInfo: from cacheSizes() keys, with defaults for what is missing', () => {
  assert.deepEqual(cacheInfo({}), DEFAULT_CACHES);
  assert.deepEqual(cacheInfo({ L1d: 49152, L1i: 32768, L2: 2097152, L3: 0 }), {
    l1d: 49152,
    l2: 2097152,
    l3: DEFAULT_CACHES.l3,
  });
  const here = cacheInfo();
  assert.ok(here.l1d > 0 && here.l2 > 0 && here.l3 > 0);
});

test('cacheSizesFromGetconf: the C library view for VMs without a sysfs cache folder', () => {
  const text =
    'LEVEL1_ICACHE_SIZE                 32768\nLEVEL1_ICACHE_ASSOC                \nLEVEL1_DCACHE_SIZE                 49152\nLEVEL2_CACHE_SIZE                  1048576\nLEVEL3_CACHE_SIZE                  0\nLEVEL4_CACHE_SIZE                  \n';
  assert.deepEqual(cacheSizesFromGetconf(text), { L1i: 32768, L1d: 49152, L2: 1048576 });
  assert.deepEqual(cacheSizesFromGetconf(''), {});
  // What this machine reports, by either source, is usable by the rules.
  const here = cacheSizes();
  for (const v of Object.values(here)) assert.ok(Number.isSafeInteger(v) && v > 0, JSON.stringify(here));
});
