/**
 * This machine as the records see it: CPU model, ISA and flags, cache sizes, cores and compiler (the
 * fingerprint's parts), and the probe (FMA peak per core, memory and cache bandwidths, native/probe.c), measured once
 * per machine and cached in the database.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineInfo, RecordsDB } from '../records/db.js';
import { hostTarget } from '../space/target.js';
import { findCompiler } from './compiler.js';
import { cacheSizesFromSweep, DEFAULT_CACHE_SIZES, describeCaches, host, note, type CacheSource } from './host.js';
import { packageFile } from './package_file.js';

export { cacheSizesFromGetconf } from './host.js';

export interface Probe {
  fma_peak_gflops: number;
  lanes: number;
  accumulators: number;
  mem_bandwidth_gbs: number;
  /** Read bandwidth of one core from L1, L2 and L3 (probe version 2 on; older cached probes lack them). */
  l1_bandwidth_gbs?: number;
  l2_bandwidth_gbs?: number;
  l3_bandwidth_gbs?: number;
  /** Cache sizes from the probe's bandwidth steps (`probe CORE caches`), only on a host that does not tell them. */
  caches?: Record<string, number>;
}

/** Bumped when native/probe.c reports more: a cached probe of an older version is measured again. */
export const PROBE_VERSION = 2;

/**
 * Cache sizes in bytes by level and type, e.g. {L1d: 32768, L2: 1048576, L3: 33554432}, as the host tells them
 * (sysfs, else getconf; host.ts); {} when it does not (then `machineCaches` has the measured or default ones).
 */
export function cacheSizes(): Record<string, number> {
  return { ...host().caches };
}

/** The records' fingerprint of this machine: the host (host.ts) as the database keys it. */
export function hostMachine(): MachineInfo {
  const t = hostTarget(),
    h = host();
  return {
    cpu_model: h.cpuModel,
    isa: t.isa,
    flags: t.flags,
    caches: cacheSizes(),
    cores: h.cores,
    compiler: findCompiler().version,
  };
}

/** The probe executable in `workDir`, compiled once per probe.c (its hash in the name: a changed source is rebuilt). */
function probeExe(workDir: string): string {
  mkdirSync(workDir, { recursive: true });
  const src = packageFile('native', 'probe.c');
  const exe = join(
    workDir,
    `probe-v${PROBE_VERSION}-${createHash('sha256').update(readFileSync(src)).digest('hex').slice(0, 12)}`,
  );
  if (!existsSync(exe)) {
    execFileSync(
      findCompiler().path,
      ['-O3', '-march=native', '-ffp-contract=fast', '-pthread', '-o', `${exe}.tmp`, src],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        timeout: 60_000,
      },
    );
    renameSync(`${exe}.tmp`, exe);
  }
  return exe;
}

/** Compiles and runs the probe pinned to `core`. */
export function runProbe(workDir: string, core: number): Probe {
  return JSON.parse(
    execFileSync(probeExe(workDir), [String(core)], { encoding: 'utf8', timeout: 120_000 }).trim(),
  ) as Probe;
}

/**
 * Read bandwidth (GB/s) of `threads` threads pinned from `core` on, re-reading one buffer of `bytes` (`probe CORE read`):
 * the reference of a memory-bound kernel that streams an operand of that size call after call.
 */
export function readBandwidth(workDir: string, core: number, bytes: number, threads: number): number {
  const out = JSON.parse(
    execFileSync(probeExe(workDir), [String(core), 'read', String(Math.round(bytes)), String(threads)], {
      encoding: 'utf8',
      timeout: 120_000,
    }).trim(),
  ) as { read_bandwidth_gbs: number };
  return out.read_bandwidth_gbs;
}

/** The cache sizes the probe's bandwidth sweep shows (levels without a visible step left out). */
export function measureCaches(workDir: string, core: number): Record<string, number> {
  const out = JSON.parse(
    execFileSync(probeExe(workDir), [String(core), 'caches'], { encoding: 'utf8', timeout: 120_000 }).trim(),
  ) as { sweep: [number, number][] };
  return cacheSizesFromSweep(out.sweep);
}

/**
 * The cache sizes the cost models and the pruner use, and where they came from: the host's (sysfs, getconf),
 * else the probe's measured ones, else the defaults, level by level.
 */
export function machineCaches(probe: Probe | null = null): { caches: Record<string, number>; source: CacheSource } {
  const h = host();
  if (h.cacheSource !== 'default') return { caches: { ...DEFAULT_CACHE_SIZES, ...h.caches }, source: h.cacheSource };
  const measured = probe?.caches ?? {};
  return {
    caches: { ...DEFAULT_CACHE_SIZES, ...measured },
    source: Object.keys(measured).length > 0 ? 'measured' : 'default',
  };
}

/**
 * The probe of this machine: from the database when it has one, else measured now and stored. On a host that
 * does not tell its cache sizes the probe also measures them (once, stored with it), and says which it uses.
 */
export function machineProbe(db: RecordsDB, fingerprint: string, workDir: string, core: number): Probe {
  const known = db.machineProbe(fingerprint) as Probe | null;
  let p = known && known.l2_bandwidth_gbs !== undefined ? known : null;
  const hostKnowsCaches = host().cacheSource !== 'default';
  if (p && (hostKnowsCaches || p.caches)) return p;
  p ??= runProbe(workDir, core);
  if (!hostKnowsCaches) {
    try {
      p = { ...p, caches: measureCaches(workDir, core) };
    } catch (err) {
      p = { ...p, caches: {} };
      note(`the probe could not measure the cache sizes (${(err as Error).message.split('\n')[0]})`);
    }
    const missing = ['L1d', 'L2', 'L3'].filter((k) => !(p!.caches![k] > 0));
    const m = machineCaches(p).caches;
    note(
      missing.length === 3
        ? `cache sizes unknown and the probe's bandwidth shows no steps: using the defaults ${describeCaches(m)}`
        : `cache sizes measured from the probe's bandwidth steps: ${describeCaches(m)}${missing.length ? ` (${missing.join(', ')}: defaults)` : ''}`,
    );
  }
  db.setMachineProbe(fingerprint, p);
  return p;
}
