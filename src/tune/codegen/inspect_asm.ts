/**
 * What a generated GEMM kernel's hot loop compiles to: the source compiled with the target's flags to assembly, and
 * the k-loop of its main micro-kernel (the full-tile kernel `uk_f`: from its `1:` label to `jnz 1b`), with a count
 * of what one pass of it issues. `rltune records show --asm` prints it, and bench/tune/gemm.ts reads it to say why a
 * shape misses (loads per FMA, prefetches, registers).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCompiler } from '../measure/compiler.js';

export interface InnerLoop {
  /** The loop's instructions, one per line, as the assembler got them. */
  lines: string[];
  fmas: number;
  /** Vector loads and broadcasts (memory operands of FMAs with {1toN} included). */
  loads: number;
  prefetches: number;
  /** Vector registers the loop names. */
  registers: number;
  /** Any access to the stack (a spill): none in the generated kernels (test/tune_ukernel.test.ts). */
  stackAccess: boolean;
}

/** The k-loop of the first micro-kernel in an assembly listing, or null when it has none (a row operator). */
export function innerLoopOf(asm: string): InnerLoop | null {
  let cur: string[] | null = null;
  for (const raw of asm.split('\n')) {
    const line = raw.trim();
    if (line === '1:') cur = [];
    else if (cur && /^jnz\s+1b/.test(line)) {
      const body = cur.join('\n');
      return {
        lines: [...cur, line],
        fmas: cur.filter((l) => l.startsWith('vfmadd')).length,
        loads: cur.filter((l) => /^(vmovups|vbroadcastss)\s+[^%]/.test(l) || /\{1to\d+\}/.test(l)).length,
        prefetches: cur.filter((l) => l.startsWith('prefetch')).length,
        registers: new Set(body.match(/%[xyz]mm\d+/g)).size,
        // %rbp may hold an operand (no frame pointer); only %rsp addresses the stack.
        stackAccess: /%rsp\b/.test(body),
      };
    } else if (cur) cur.push(line);
  }
  return null;
}

/** Compiles `source` (`flags`: the target's, see targetCFlags) to assembly and returns the inner loop of its kernel. */
export function innerLoop(source: string, flags: string[]): InnerLoop | null {
  const dir = mkdtempSync(join(tmpdir(), 'rltune-asm-'));
  try {
    const c = join(dir, 'k.c');
    writeFileSync(c, source);
    const asm = execFileSync(findCompiler().path, ['-O3', ...flags, '-fopenmp', '-S', '-o', '-', c], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      timeout: 60_000,
    });
    return innerLoopOf(asm);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The loop as text: a summary line, then the instructions. */
export function formatInnerLoop(l: InnerLoop): string {
  return [
    `inner loop: ${l.fmas} FMAs, ${l.loads} loads (${(l.loads / Math.max(l.fmas, 1)).toFixed(2)} per FMA), ${l.prefetches} prefetches, ${l.registers} vector registers, ${l.stackAccess ? 'STACK ACCESS (spills)' : 'no stack access'}`,
    ...l.lines.map((x) => `    ${x}`),
  ].join('\n');
}
