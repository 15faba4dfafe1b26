/**
 * The GEMM micro-kernel generator (codegen/ukernel_asm.ts, gemm_c.ts): register use read from the compiled assembly,
 * edge tiles, every ISA path this machine can run, the B-packing and thread knobs, and a planted out-of-bounds edge
 * kernel caught by the harness's canaries.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ukernelAsm } from '../src/tune/codegen/ukernel_asm.js';
import { Builder } from '../src/tune/measure/builder.js';
import { findCompiler } from '../src/tune/measure/compiler.js';
import { dataFile } from '../src/tune/measure/data.js';
import { Runner } from '../src/tune/measure/runner.js';
import { run as cli } from './fixtures/run_cli.js';
import { GEMM_KNOBS, ukernelRegisters, type GemmConfig } from '../src/tune/space/gemm_space.js';
import { cpuFlags, targetCFlags, type Target } from '../src/tune/space/target.js';
import { createTask } from '../src/tune/task/task.js';

const work = mkdtempSync(join(tmpdir(), 'rltune-ukernel-'));
const flags = cpuFlags();
const TARGETS: Record<string, Target> = {
  avx512: { isa: 'avx512', lanes: 16, registers: 32, flags: [] },
  avx2: { isa: 'avx2', lanes: 8, registers: 16, flags: [] },
  generic: { isa: 'generic', lanes: 4, registers: 16, flags: [] },
};
const runs = (isa: string) =>
  isa === 'avx512'
    ? flags.includes('avx512f')
    : isa === 'avx2'
      ? flags.includes('avx2') && flags.includes('fma')
      : true;

/** The k-loop of each micro-kernel in the compiled assembly: the lines from its `1:` label to `jnz 1b`. */
function kLoops(asm: string): string[][] {
  const loops: string[][] = [];
  let cur: string[] | null = null;
  for (const raw of asm.split('\n')) {
    const line = raw.trim();
    if (line === '1:') cur = [];
    else if (cur && line.startsWith('jnz') && line.includes('1b')) {
      loops.push(cur);
      cur = null;
    } else if (cur) cur.push(line);
  }
  return loops;
}

for (const isa of ['avx512', 'avx2'] as const) {
  test(`${isa}: every tile shape the space allows keeps its accumulators and operands in registers (no stack access in the k-loop)`, () => {
    const t = TARGETS[isa];
    const mrs = GEMM_KNOBS.find((k) => k.name === 'mr')!.values,
      nvs = GEMM_KNOBS.find((k) => k.name === 'nv')!.values;
    const shapes: { rows: number; nv: number; bcast: number; pipeline: number }[] = [];
    for (const rows of mrs)
      for (const nv of nvs)
        for (const bcast of isa === 'avx512' ? [0, 1] : [0])
          if (ukernelRegisters(rows, nv, bcast) <= t.registers)
            shapes.push({ rows, nv, bcast, pipeline: (rows + nv) % 2 });
    assert.ok(shapes.length >= (isa === 'avx512' ? 40 : 15), `${shapes.length} shapes`);
    const src = [
      '#include <stdint.h>',
      ...shapes.map((s, i) =>
        ukernelAsm(`uk_${i}`, {
          isa,
          lanes: t.lanes,
          rows: s.rows,
          mrStride: s.rows,
          nv: s.nv,
          nrStride: s.nv * t.lanes,
          lastLanes: t.lanes - (i % 3),
          bcast: s.bcast,
          pipeline: s.pipeline,
          unroll: 4,
          prefetch: 8,
          storeB: i % 2 === 1,
        }),
      ),
      `void *keep[] = {${shapes.map((_, i) => `(void *)uk_${i}`).join(', ')}};`,
    ].join('\n');
    const c = join(work, `uk-${isa}.c`);
    writeFileSync(c, src);
    // Assembling needs no CPU support: compile for the ISA whatever this machine runs.
    const march = isa === 'avx512' ? ['-mavx512f', '-mfma'] : ['-mavx2', '-mfma'];
    execFileSync(findCompiler().path, ['-O2', ...march, '-c', '-o', `${c}.o`, c]);
    const asm = execFileSync(findCompiler().path, ['-O2', ...march, '-S', '-o', '-', c], { encoding: 'utf8' });
    const loops = kLoops(asm);
    assert.equal(loops.length, shapes.length);
    loops.forEach((loop, i) => {
      const s = shapes[i];
      const body = loop.join('\n');
      assert.doesNotMatch(body, /%rsp\b/, `shape ${JSON.stringify(s)}: stack access in the k-loop`);
      const fmas = loop.filter((l) => l.startsWith('vfmadd231ps')).length;
      assert.equal(fmas, 4 * s.rows * s.nv, `shape ${JSON.stringify(s)}: FMAs per 4 k-steps`);
      const regs = new Set(body.match(/%[yz]mm\d+/g));
      assert.equal(
        regs.size,
        ukernelRegisters(s.rows, s.nv, s.bcast),
        `shape ${JSON.stringify(s)}: registers ${[...regs].join(' ')}`,
      );
      for (const r of regs) assert.ok(Number(r.replace(/\D/g, '')) < t.registers, `${r} on ${isa}`);
      if (isa === 'avx2') assert.doesNotMatch(body, /zmm|1to/);
    });
  });
}

async function run(spec: string, target: Target, knobs: Partial<GemmConfig>, source?: (s: string) => string) {
  const task = createTask(spec, target);
  const space = task.space;
  const base = space.config(0);
  const c = { ...base, mr: 4, nv: 1, kc: 32, mcPanels: 2, ncPanels: 4, unroll: 2, ...knobs } as GemmConfig;
  const why = space.invalidReason(c);
  assert.equal(why, null, `${spec} ${JSON.stringify(knobs)}`);
  let src = task.source(space.index(c));
  if (source) src = source(src);
  const built = await new Builder({
    workDir: work,
    cores: [],
    parallel: 2,
    timeoutMs: 60_000,
    flags: targetCFlags(target),
  }).build(src, task.workload.threads > 1);
  assert.ok(built.ok, built.error?.message);
  return new Runner(work, -1, { number: 1, repeat: 1, minRepeatMs: 0, flush: false, timeoutMs: 20_000 }).run(
    built.libPath!,
    dataFile(work, task.workload, 1),
    task.workload.threads,
  );
}

// Shapes the tiles do not divide (edge rows and columns), epilogues, transposes, and every knob of the micro-kernel and
// the drivers; each case on every ISA path this machine runs.
const CASES: [string, Partial<GemmConfig>][] = [
  ['gemm:M=37,N=45,K=29', { mr: 6, nv: 2, kc: 32, unroll: 4, loopOrder: 1, pipeline: 1 }],
  ['gemm:M=37,N=45,K=29,epilogue=bias+gelu', { mr: 1, nv: 1, kc: 64, unroll: 8, innerOrder: 1, prefetch: 4, packB: 1 }],
  ['gemm:M=5,N=70,K=100,epilogue=bias+relu+residual', { mr: 8, nv: 1, kc: 32, mcPanels: 1, packB: 2, pipeline: 1 }],
  ['gemm:M=40,N=17,K=65,epilogue=silu', { mr: 2, nv: 4, kc: 32, unroll: 2, loopOrder: 1, innerOrder: 1, packB: 2 }],
  ['gemm:M=33,N=50,K=70,threads=2', { mr: 4, nv: 2, kc: 32, par: 1, packB: 1, pipeline: 1, prefetch: 8 }],
  ['gemm:M=70,N=33,K=40,threads=2,epilogue=bias+residual', { mr: 6, nv: 1, kc: 32, mcPanels: 1, par: 0, packB: 2 }],
  ['bmm:B=3,M=9,N=21,K=13,transA=1,transB=1', { mr: 4, nv: 1, kc: 32, unroll: 1, pipeline: 1 }],
  ['bmm:B=2,M=19,N=23,K=35,transB=0', { mr: 2, nv: 2, kc: 32, packB: 2, unroll: 4 }],
];

for (const isa of ['avx512', 'avx2', 'generic'] as const) {
  test(`${isa}: generated kernels are correct on edge tiles, with every epilogue, transpose, B packing and thread split`, async () => {
    if (!runs(isa)) {
      // A CPU without the ISA: asking for it is refused, naming what the CPU has.
      const r = cli('tune', 'op', 'gemm:M=8,N=8,K=8', '--trials', '1', '--db', join(work, 'isa.db'), '--isa', isa);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`--isa ${isa}: this CPU cannot run it`));
      return;
    }
    for (const [spec, knobs] of CASES) {
      const k = isa === 'avx512' ? { ...knobs, bcast: (knobs.mr ?? 4) % 4 === 0 ? 1 : 0 } : knobs;
      const r = await run(spec, TARGETS[isa], k);
      assert.equal(r.ok, true, `${isa} ${spec} ${JSON.stringify(k)}: ${r.error?.kind} ${r.error?.message}`);
    }
  });
}

test('an edge kernel that writes past the end of C is caught by the canaries as a wrong result', async () => {
  const isa = runs('avx512') ? 'avx512' : runs('avx2') ? 'avx2' : 'generic';
  // N = 20 leaves 4 columns in the last panel: the planted bug stores its whole last vector (16 or 8 lanes) unmasked;
  // on the targets without assembly, the tile's epilogue runs 64 columns too far.
  const unmask = (src: string) =>
    isa === 'avx512'
      ? src.replace(/(vmovups %%zmm\d+, \d+\(%\[t\]\))%\{%%k1%\}/g, '$1')
      : isa === 'avx2'
        ? src.replace(/vmaskmovps (%%ymm\d+), %%ymm\d+, (\d+\(%\[t\]\))/g, 'vmovups $1, $2')
        : src.replace('apply_epilogue(c, rows, cols, N_,', 'apply_epilogue(c, rows, cols + 64, N_,');
  let honestSrc = '';
  const honest = await run('gemm:M=3,N=20,K=16,epilogue=bias', TARGETS[isa], { mr: 4, nv: 1 }, (s) => (honestSrc = s));
  assert.equal(honest.ok, true);
  let planted = '';
  const r = await run('gemm:M=3,N=20,K=16,epilogue=bias', TARGETS[isa], { mr: 4, nv: 1 }, (s) => (planted = unmask(s)));
  assert.notEqual(planted, honestSrc, 'the plant changed the kernel');
  assert.equal(r.ok, false);
  assert.equal(r.error!.kind, 'wrong-result');
  assert.match(r.error!.message, /wrote outside its output buffer/);
});
