/**
 * The GEMM micro-kernel as GCC extended inline assembly (AT&T syntax), for AVX-512 (zmm, 32 registers, mask
 * registers) and AVX2+FMA (ymm, 16 registers). Written in assembly, not left to the C compiler, so that the register
 * use is a property of the generator: every accumulator, B vector and broadcast has a register of its own, chosen
 * here, and the k-loop touches memory only through the A and B panels (test/tune_ukernel.test.ts reads the compiled
 * loop and finds no stack access in it). With GCC vector extensions the compiler rotated accumulators through extra
 * register moves in the unrolled loop (seen on the 512³ kernels of space v1).
 *
 * One call computes a `rows` x (`nv` vectors) tile of C over `kc` rank-1 updates:
 *
 *   acc = 0
 *   for k in 0..kc:  acc[i][v] += A[k*MR + i] * B[k][v]      (A packed MR-row panel; B rows `ldb` bytes apart)
 *   C[i][v] = acc (first k block) or C[i][v] += acc, the last vector masked to `lastLanes` lanes
 *
 * Knobs that shape it:
 *   bcast     0: each A value broadcast into a register (vbroadcastss), then one FMA per vector;
 *             1: the broadcast folded into each FMA's memory operand ({1to16}, AVX-512 only), one register less.
 *   pipeline  0: a k-step loads its B vectors, then runs its FMAs;  1: the B vectors of step k+1 are loaded as soon as
 *             step k's last FMA on that register issued, so the loads hide under the remaining FMAs (the last step of
 *             the call loads nothing ahead: no read past the panel).
 *   unroll    k-steps per loop iteration (address offsets are immediates inside the unrolled body).
 *   prefetch  software prefetch distance in k-steps, for the A panel and the B rows (0: none).
 *   storeB    fused packing: each B vector loaded from B in place is also stored into the packed panel `bp`, so the
 *             first tile that reads a B panel packs it for the tiles after it.
 *
 * C function: static void NAME(long kc, const float *a, const float *b, long ldb, float *c, long ldc, long first,
 * float *bp).
 */
import { ukernelRegisters } from '../space/gemm_space.js';
import type { Isa } from '../space/target.js';

export interface UkernelShape {
  isa: Isa;
  lanes: number;
  /** Accumulator rows (the tile's rows; fewer than `mrStride` on the last row panel). */
  rows: number;
  /** MR: floats per k-step of the packed A panel. */
  mrStride: number;
  /** Vectors per row. */
  nv: number;
  /** NR: floats per k-step of a packed B panel (for storeB). */
  nrStride: number;
  /** Lanes of the last vector that belong to C (1..lanes); fewer than lanes: masked C access. */
  lastLanes: number;
  bcast: number;
  pipeline: number;
  unroll: number;
  prefetch: number;
  storeB: boolean;
}

export function ukernelAsm(name: string, s: UkernelShape): string {
  if (s.isa !== 'avx512' && s.isa !== 'avx2') throw new RangeError(`ukernelAsm: no assembly for the ${s.isa} target`);
  const z = s.isa === 'avx512';
  if (s.bcast && !z) throw new RangeError('ukernelAsm: a broadcast in the FMA operand needs AVX-512');
  const R = z ? 'zmm' : 'ymm',
    VB = s.lanes * 4,
    MRB = s.mrStride * 4,
    NRB = s.nrStride * 4;
  const nregs = ukernelRegisters(s.rows, s.nv, s.bcast);
  if (nregs > (z ? 32 : 16)) throw new RangeError(`ukernelAsm: ${nregs} vector registers needed`);
  const acc = (i: number, v: number) => `%%${R}${i * s.nv + v}`;
  const breg = (v: number) => `%%${R}${s.rows * s.nv + v}`;
  const tmp = `%%${R}${s.rows * s.nv + s.nv}`;
  const out: string[] = [];
  const ins = (t: string) => out.push(`    "${t}\\n\\t"`);
  const masked = s.lastLanes < s.lanes;

  const loadB = (v: number, ahead: boolean, u: number) => {
    // In place, step u of the body is at b (the pointer moves by ldb each step); `ahead`: the next step's row.
    ins(`vmovups ${v * VB}(%[b]${ahead ? ',%[ldb]' : ''}), ${breg(v)}`);
    if (s.storeB) ins(`vmovups ${breg(v)}, ${(u + (ahead ? 1 : 0)) * NRB + v * VB}(%[bp])`);
  };
  const aOp = (u: number, i: number) => `${u * MRB + i * 4}(%[a])`;
  /** One k-step at body offset u; `ahead`: load the next step's B (pipeline 1). */
  const step = (u: number, ahead: boolean) => {
    if (!s.pipeline) for (let v = 0; v < s.nv; v++) loadB(v, false, u);
    if (s.prefetch > 0) {
      for (let off = 0; off < s.nv * VB; off += 64) ins(`prefetcht0 ${off}(%[pf])`);
      ins('add %[ldb], %[pf]');
    }
    if (s.bcast) {
      for (let v = 0; v < s.nv; v++) {
        for (let i = 0; i < s.rows; i++) ins(`vfmadd231ps ${aOp(u, i)}%{1to${s.lanes}%}, ${breg(v)}, ${acc(i, v)}`);
        if (ahead) loadB(v, true, u);
      }
    } else {
      for (let i = 0; i < s.rows; i++) {
        ins(`vbroadcastss ${aOp(u, i)}, ${tmp}`);
        for (let v = 0; v < s.nv; v++) ins(`vfmadd231ps ${tmp}, ${breg(v)}, ${acc(i, v)}`);
      }
      if (ahead) for (let v = 0; v < s.nv; v++) loadB(v, true, u);
    }
    ins('add %[ldb], %[b]');
  };
  const advance = (steps: number) => {
    ins(`add $${steps * MRB}, %[a]`);
    if (s.storeB) ins(`add $${steps * NRB}, %[bp]`);
  };

  for (let i = 0; i < s.rows; i++)
    for (let v = 0; v < s.nv; v++)
      ins(z ? `vpxord ${acc(i, v)}, ${acc(i, v)}, ${acc(i, v)}` : `vxorps ${acc(i, v)}, ${acc(i, v)}, ${acc(i, v)}`);
  if (s.pipeline) for (let v = 0; v < s.nv; v++) loadB(v, false, 0);
  // Main loop: `n` unrolled bodies of `unroll` steps.
  ins('test %[n], %[n]');
  ins('jz 2f');
  ins('1:');
  if (s.prefetch > 0)
    for (let off = 0; off < s.unroll * MRB; off += 64) ins(`prefetcht0 ${s.prefetch * MRB + off}(%[a])`);
  for (let u = 0; u < s.unroll; u++) step(u, s.pipeline === 1);
  advance(s.unroll);
  ins('dec %[n]');
  ins('jnz 1b');
  // Remainder: single steps.
  ins('2:');
  ins('test %[r], %[r]');
  ins('jz 4f');
  ins('3:');
  step(0, s.pipeline === 1);
  advance(1);
  ins('dec %[r]');
  ins('jnz 3b');
  ins('4:');
  if (s.pipeline) step(0, false);

  // Write-back: C = acc on the first k block, else C += acc; the last vector masked when the tile ends inside it.
  if (masked) {
    if (z) {
      ins(`mov $${(1 << s.lastLanes) - 1}, %k[t]`);
      ins('kmovw %k[t], %%k1');
    } else ins(`vmovdqu (%[mask]), ${breg(0)}`);
  }
  const mk = (v: number) => (masked && v === s.nv - 1 ? '%{%%k1%}' : '');
  const store = (i: number, v: number) => {
    if (masked && v === s.nv - 1 && !z) ins(`vmaskmovps ${acc(i, v)}, ${breg(0)}, ${v * VB}(%[t])`);
    else ins(`vmovups ${acc(i, v)}, ${v * VB}(%[t])${mk(v)}`);
  };
  ins('mov %[c], %[t]');
  ins('test %[first], %[first]');
  ins('jz 5f');
  for (let i = 0; i < s.rows; i++) {
    for (let v = 0; v < s.nv; v++) store(i, v);
    ins('add %[ldc], %[t]');
  }
  ins('jmp 6f');
  ins('5:');
  for (let i = 0; i < s.rows; i++) {
    for (let v = 0; v < s.nv; v++) {
      if (masked && v === s.nv - 1 && !z) {
        ins(`vmaskmovps ${v * VB}(%[t]), ${breg(0)}, ${tmp}`);
        ins(`vaddps ${tmp}, ${acc(i, v)}, ${acc(i, v)}`);
      } else ins(`vaddps ${v * VB}(%[t]), ${acc(i, v)}, ${acc(i, v)}${mk(v)}`);
      store(i, v);
    }
    ins('add %[ldc], %[t]');
  }
  ins('6:');

  const clobbers = Array.from({ length: nregs }, (_, r) => `"xmm${r}"`);
  if (masked && z) clobbers.push('"k1"');
  const maskDecl =
    masked && !z
      ? `  static const int32_t mask_[8] = {${Array.from({ length: 8 }, (_, l) => (l < s.lastLanes ? -1 : 0)).join(', ')}};\n`
      : '';
  const steps = s.pipeline ? 'kc - 1' : 'kc';
  return `static void ${name}(long kc, const float *a, const float *b, long ldb, float *c, long ldc, long first, float *bp) {
${maskDecl}  long n = (${steps}) / ${s.unroll}, r = (${steps}) % ${s.unroll}, t;
  const float *pf = b + ${s.prefetch} * (ldb / 4);
  (void)bp; (void)pf;
  __asm__ volatile(
${out.join('\n')}
    // Early-clobber (    : [a]): the asm changes these before it has read every input, so no input may share their registers
    // (GCC gave ldb and n one register when both held 64).
    : [a] "+&r"(a), [b] "+&r"(b), [bp] "+&r"(bp), [pf] "+&r"(pf), [n] "+&r"(n), [r] "+&r"(r), [t] "=&r"(t)
    : [ldb] "r"(ldb), [c] "r"(c), [ldc] "r"(ldc), [first] "r"(first)${masked && !z ? ', [mask] "r"(mask_)' : ''}
    : "cc", "memory", ${clobbers.join(', ')});
}`;
}
