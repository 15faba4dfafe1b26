/**
 * The machine description every benchmark records beside its numbers, from the host reader that the tuner uses
 * (src/tune/measure/host.ts): one reading of /proc and /sys for both. Not the records' fingerprint (MachineInfo in
 * src/tune/records/db.ts): this one is for people reading a result file.
 */
import { availableParallelism, totalmem, platform, arch, release } from 'node:os';
import { host, type CacheSource } from '../src/tune/measure/host.js';

const SIMD_FLAGS = [
  'sse4_2',
  'avx',
  'avx2',
  'fma',
  'avx512f',
  'avx512dq',
  'avx512bw',
  'avx512vl',
  'avx512_vnni',
  'avx512_bf16',
  'amx_tile',
  'neon',
  'asimd',
  'sve',
];

export interface BenchMachine {
  cpu_model: string;
  logical_cpus: number;
  available_parallelism: number;
  simd_flags: string[];
  /** Cache sizes the host tells (bytes) and where from; 'default': it tells none. */
  caches: Record<string, number>;
  cache_source: CacheSource;
  /** Whether taskset kept the benchmark's other work off the runner's core. */
  pinning: boolean;
  memory_gib: number;
  os: string;
  node: string;
  v8: string;
}

/**
 * Taken when this module loads, before a benchmark leaves the runner's core (leaveRunnerCore narrows this process's
 * affinity, after which availableParallelism() counts one core less). The host is read now for the same reason.
 */
const PARALLELISM_AT_START = availableParallelism();
const HOST = host();

export function machineInfo(): BenchMachine {
  const flags = new Set(HOST.flags);
  return {
    cpu_model: HOST.cpuModel,
    logical_cpus: HOST.cores,
    available_parallelism: PARALLELISM_AT_START,
    simd_flags: SIMD_FLAGS.filter((f) => flags.has(f)),
    caches: HOST.caches,
    cache_source: HOST.cacheSource,
    pinning: HOST.pinning,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    v8: process.versions.v8,
  };
}
