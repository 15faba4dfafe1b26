/**
 * The GEMM micro-kernel in portable C (GCC vector extensions), for the targets without an assembly generator (NEON,
 * generic): the same function and contract as ukernel_asm.ts (the bcast and pipeline knobs have no effect here).
 * The last vector of a row is written lane by lane when the tile ends inside it.
 */
import type { UkernelShape } from './ukernel_asm.js';

export function ukernelC(name: string, s: UkernelShape): string {
  const L = s.lanes;
  const acc = (i: number, v: number) => `c${i}_${v}`;
  const lines: string[] = [];
  const push = (t: string) => lines.push(t);
  push(
    `static void ${name}(long kc, const float *a, const float *b, long ldb, float *c, long ldc, long first, float *bp) {`,
  );
  for (let i = 0; i < s.rows; i++)
    push(`  vf ${Array.from({ length: s.nv }, (_, v) => `${acc(i, v)} = {0}`).join(', ')};`);
  push('  for (long k = 0; k < kc; k++) {');
  push('    const float *bk = (const float *)((const char *)b + k * ldb);');
  for (let v = 0; v < s.nv; v++) {
    push(`    const vf b${v} = *(const vfu *)(bk + ${v * L});`);
    if (s.storeB) push(`    *(vf *)(bp + k * ${s.nrStride} + ${v * L}) = b${v};`);
  }
  for (let i = 0; i < s.rows; i++)
    push(
      `    { const vf x = SPLAT(a[k * ${s.mrStride} + ${i}]); ${Array.from({ length: s.nv }, (_, v) => `${acc(i, v)} += x * b${v};`).join(' ')} }`,
    );
  push('  }');
  push('  (void)bp;');
  for (let i = 0; i < s.rows; i++) {
    push(`  { float *ci = (float *)((char *)c + ${i} * ldc);`);
    for (let v = 0; v < s.nv; v++) {
      if (v === s.nv - 1 && s.lastLanes < L)
        push(
          `    for (int l = 0; l < ${s.lastLanes}; l++) ci[${v * L} + l] = first ? ${acc(i, v)}[l] : ci[${v * L} + l] + ${acc(i, v)}[l];`,
        );
      else push(`    *(vfu *)(ci + ${v * L}) = first ? ${acc(i, v)} : *(vfu *)(ci + ${v * L}) + ${acc(i, v)};`);
    }
    push('  }');
  }
  push('}');
  return lines.join('\n');
}
