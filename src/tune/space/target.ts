/**
 * The code-generation target of this machine: the widest vector ISA the CPU and the C compiler both have, its
 * float32 lanes and its vector register count (what bounds a GEMM micro-kernel's accumulators).
 *   avx512: 16 lanes, 32 zmm registers;  avx2: 8 lanes, 16 ymm (with FMA);  neon: 4 lanes, 32 q registers;
 *   generic: 4 lanes, 16 registers (GCC vector extensions lowered to whatever the target has).
 */
import { arch } from 'node:os';
import { host } from '../measure/host.js';

export type Isa = 'avx512' | 'avx2' | 'neon' | 'generic';

export interface Target {
  isa: Isa;
  /** float32 lanes per vector register. */
  lanes: number;
  /** Vector registers the micro-kernel may use. */
  registers: number;
  /** The CPU flags that decided it (for fingerprints). */
  flags: string[];
}

const TARGETS: Record<Isa, Omit<Target, 'flags'>> = {
  avx512: { isa: 'avx512', lanes: 16, registers: 32 },
  avx2: { isa: 'avx2', lanes: 8, registers: 16 },
  neon: { isa: 'neon', lanes: 4, registers: 32 },
  generic: { isa: 'generic', lanes: 4, registers: 16 },
};

/** The CPU flags of the host (host.ts reads them; empty where it cannot). */
export function cpuFlags(): string[] {
  return host().flags;
}

let cached: Target | null = null;

/** Whether this CPU (its flags) can run code of `isa`. */
function cpuRuns(isa: Isa, flags: string[]): boolean {
  const has = (f: string) => flags.includes(f);
  if (isa === 'avx512') return has('avx512f') && has('fma');
  if (isa === 'avx2') return has('avx2') && has('fma');
  if (isa === 'neon') return arch() === 'arm64';
  return true;
}

/**
 * The target of this machine; `RLTUNE_ISA` (avx512, avx2, neon, generic; `--isa` of the CLI sets it) narrows it, e.g.
 * to generate AVX2 code on an AVX-512 machine. An ISA the CPU lacks is refused with what the CPU has.
 */
export function hostTarget(): Target {
  if (cached) return cached;
  const flags = cpuFlags();
  let isa: Isa = (['avx512', 'avx2', 'neon'] as const).find((i) => cpuRuns(i, flags)) ?? 'generic';
  const forced = process.env.RLTUNE_ISA;
  if (forced !== undefined && forced !== '') {
    if (!(forced in TARGETS))
      throw new RangeError(
        `RLTUNE_ISA (--isa) must be one of ${Object.keys(TARGETS).join(', ')}, got ${JSON.stringify(forced)}`,
      );
    // A host that does not tell its flags (no /proc/cpuinfo) is taken at its word.
    if (flags.length > 0 && !cpuRuns(forced as Isa, flags))
      throw new RangeError(
        `--isa ${forced}: this CPU cannot run it; it has ${isa} (${flags.filter((f) => /^(avx|fma|sse4|neon|asimd)/.test(f)).join(' ') || 'no vector flags'})`,
      );
    isa = forced as Isa;
  }
  cached = { ...TARGETS[isa], flags: flags.filter((f) => /^(avx|fma|sse4|neon|asimd|sve|amx)/.test(f)).sort() };
  return cached;
}

/** Restricts code generation to `isa` for the rest of this process (the CLI's --isa): checked against the CPU now. */
export function selectIsa(isa: string): Target {
  process.env.RLTUNE_ISA = isa;
  cached = null;
  return hostTarget();
}

/** gcc -m flags for a target (the kernel may run on this machine only; -march=native does the rest). */
export function targetCFlags(t: Target): string[] {
  if (t.isa === 'avx512') return ['-march=native', '-mprefer-vector-width=512'];
  if (t.isa === 'avx2') return ['-march=native', '-mno-avx512f'];
  return ['-march=native'];
}
