/** The machine description every benchmark records beside its numbers. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem, platform, arch, release } from 'node:os';

const SIMD_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'amx_tile', 'neon', 'asimd', 'sve'];

export interface MachineInfo {
  cpu_model: string;
  logical_cpus: number;
  available_parallelism: number;
  simd_flags: string[];
  memory_gib: number;
  os: string;
  node: string;
  v8: string;
}

/**
 * Taken when this module loads, before a benchmark leaves the runner's core (leaveRunnerCore narrows this process's
 * affinity, after which availableParallelism() counts one core less).
 */
const PARALLELISM_AT_START = availableParallelism();

export function machineInfo(): MachineInfo {
  let flags: string[] = [];
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const line = info.split('\n').find((l) => l.startsWith('flags') || l.startsWith('Features'));
    if (line) {
      const all = new Set(line.split(':')[1].trim().split(/\s+/));
      flags = SIMD_FLAGS.filter((f) => all.has(f));
    }
    const m = info.split('\n').find((l) => l.startsWith('model name'));
    if (m) model = m.split(':')[1].trim();
  } catch {
    // not Linux: the model from os.cpus() is all we have
  }
  return {
    cpu_model: model,
    logical_cpus: cpus().length,
    available_parallelism: PARALLELISM_AT_START,
    simd_flags: flags,
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    v8: process.versions.v8,
  };
}
