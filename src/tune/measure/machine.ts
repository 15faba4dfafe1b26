/**
 * This machine as the records see it: CPU model, ISA and flags, cache sizes, cores and compiler (the
 * fingerprint's parts), and the probe (FMA peak per core, memory and cache bandwidths, native/probe.c), measured once
 * per machine and cached in the database.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { MachineInfo, RecordsDB } from '../records/db.js';
import { hostTarget } from '../space/target.js';
import { findCompiler } from './compiler.js';
import { packageFile } from './package_file.js';

export interface Probe {
  fma_peak_gflops: number;
  lanes: number;
  accumulators: number;
  mem_bandwidth_gbs: number;
  /** Read bandwidth of one core from L1, L2 and L3 (probe version 2 on; older cached probes lack them). */
  l1_bandwidth_gbs?: number;
  l2_bandwidth_gbs?: number;
  l3_bandwidth_gbs?: number;
}

/** Bumped when native/probe.c reports more: a cached probe of an older version is measured again. */
export const PROBE_VERSION = 2;

/** Cache sizes in bytes by level and type, e.g. {L1d: 32768, L2: 1048576, L3: 33554432}. */
export function cacheSizes(): Record<string, number> {
  const out: Record<string, number> = {};
  const base = '/sys/devices/system/cpu/cpu0/cache';
  try {
    for (const d of readdirSync(base).filter((x) => x.startsWith('index'))) {
      const level = readFileSync(join(base, d, 'level'), 'utf8').trim();
      const type = readFileSync(join(base, d, 'type'), 'utf8').trim();
      const size = readFileSync(join(base, d, 'size'), 'utf8').trim();
      const m = /^(\d+)([KMG]?)$/.exec(size);
      if (!m) continue;
      const bytes = Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]];
      const key = `L${level}${type === 'Data' ? 'd' : type === 'Instruction' ? 'i' : ''}`;
      out[key] = bytes;
    }
  } catch {
    // no cache folder in sysfs (not Linux, or a VM that hides it): asked of the C library below
  }
  if (Object.keys(out).length === 0) Object.assign(out, cacheSizesFromGetconf());
  return out;
}

let getconfText: string | undefined;

/** The C library's view of the caches (`getconf -a`, from cpuid), for VMs whose sysfs has no cache folder; {} when unavailable. */
export function cacheSizesFromGetconf(text?: string): Record<string, number> {
  if (text === undefined) {
    // One process per run, not one per call: the caches do not change while it runs.
    try {
      getconfText ??= execFileSync('getconf', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    } catch {
      getconfText = '';
    }
    text = getconfText;
  }
  const names: [string, string][] = [['LEVEL1_DCACHE_SIZE', 'L1d'], ['LEVEL1_ICACHE_SIZE', 'L1i'], ['LEVEL2_CACHE_SIZE', 'L2'], ['LEVEL3_CACHE_SIZE', 'L3']];
  const out: Record<string, number> = {};
  for (const [name, key] of names) {
    const m = new RegExp(`^${name}\\s+(\\d+)\\s*$`, 'm').exec(text);
    if (m && Number(m[1]) > 0) out[key] = Number(m[1]);
  }
  return out;
}

export function hostMachine(): MachineInfo {
  const t = hostTarget();
  return { cpu_model: cpus()[0]?.model ?? 'unknown', isa: t.isa, flags: t.flags, caches: cacheSizes(), cores: cpus().length, compiler: findCompiler().version };
}

/** Compiles and runs the probe pinned to `core`. */
export function runProbe(workDir: string, core: number): Probe {
  mkdirSync(workDir, { recursive: true });
  const exe = join(workDir, `probe-v${PROBE_VERSION}`);
  if (!existsSync(exe)) {
    execFileSync(findCompiler().path, ['-O3', '-march=native', '-ffp-contract=fast', '-o', `${exe}.tmp`, packageFile('native', 'probe.c')], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
    renameSync(`${exe}.tmp`, exe);
  }
  return JSON.parse(execFileSync(exe, [String(core)], { encoding: 'utf8', timeout: 120_000 }).trim()) as Probe;
}

/** The probe of this machine: from the database when it has one, else measured now and stored. */
export function machineProbe(db: RecordsDB, fingerprint: string, workDir: string, core: number): Probe {
  const known = db.machineProbe(fingerprint) as Probe | null;
  if (known && known.l2_bandwidth_gbs !== undefined) return known;
  const p = runProbe(workDir, core);
  db.setMachineProbe(fingerprint, p);
  return p;
}
