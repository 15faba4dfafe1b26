/**
 * The host as RLTune finds it, read once per process: CPU model and flags, logical cores and the cores this
 * process may run on, cache sizes (and where they came from), and whether `taskset` is there to keep the
 * compilers and this process off the runner's core. This is the only module that reads /proc and /sys or looks
 * for taskset and getconf: everything else asks `host()`, so that a machine without them (not Linux, a container
 * that hides /sys, a minimal image without util-linux) is described here once, with notes, instead of failing
 * later with a raw ENOENT.
 *
 * Its sources are inputs (`HostSources`), so a test can read a host that has none of them through the same code:
 * `root` prefixes /proc and /sys (env RLTUNE_HOST_ROOT, default /), `path` is searched for taskset and getconf
 * (default $PATH).
 *
 * The records' fingerprint (`MachineInfo` in records/db.ts, built by `hostMachine()` in machine.ts) is a
 * projection of this: the detected cache sizes only, never the defaults or measured ones, so that a fingerprint
 * does not change with a fallback.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { delimiter, join } from 'node:path';

/** The cache sizes (bytes) assumed when neither the host nor the probe tells them: the one place they are written. */
export const DEFAULT_CACHE_SIZES: Readonly<{ L1d: number; L2: number; L3: number }> = Object.freeze({
  L1d: 32 * 1024,
  L2: 1024 * 1024,
  L3: 32 * 1024 * 1024,
});

/** Where cache sizes came from: sysfs, the C library (getconf), the probe's bandwidth steps, or the defaults. */
export type CacheSource = 'sysfs' | 'getconf' | 'measured' | 'default';

export interface HostSources {
  /** Prefix of /proc and /sys. */
  root: string;
  /** Directories searched for taskset and getconf ($PATH syntax). */
  path: string;
}

export interface HostInfo {
  cpuModel: string;
  /** All CPU flags (/proc/cpuinfo `flags` or `Features`); empty when unknown. */
  flags: string[];
  /** Logical CPUs of the machine. */
  cores: number;
  /** The cores this process may run on (its affinity when it started), ascending. */
  allowedCores: number[];
  /** The core that runs kernels: the last allowed one (the first is where the system tends to put its work). */
  runnerCore: number;
  /** Detected cache sizes by level and type (L1d, L1i, L2, L3); empty when unknown. */
  caches: Record<string, number>;
  /** 'default' here: neither sysfs nor getconf told them (the probe may measure them, see machine.ts). */
  cacheSource: CacheSource;
  /** The taskset executable, or null. */
  taskset: string | null;
  /** Whether this process and the compilers can be kept off the runner's core (taskset found). */
  pinning: boolean;
  /** What could not be read, one sentence each; empty on a full Linux host. */
  notes: string[];
}

/** The sources of this process's host: RLTUNE_HOST_ROOT (default /) and $PATH. */
export function defaultSources(): HostSources {
  return { root: process.env.RLTUNE_HOST_ROOT || '/', path: process.env.PATH ?? '' };
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The first executable `name` in `path`, or null. */
export function findExecutable(name: string, path: string): string | null {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** Cache sizes from the sysfs cache folder of cpu0 (keys L1d, L1i, L2, L3); {} when there is none. */
export function cacheSizesFromSysfs(root: string): Record<string, number> {
  const out: Record<string, number> = {};
  const base = join(root, 'sys/devices/system/cpu/cpu0/cache');
  let dirs: string[];
  try {
    dirs = readdirSync(base).filter((x) => x.startsWith('index'));
  } catch {
    return out;
  }
  for (const d of dirs) {
    const [level, type, size] = ['level', 'type', 'size'].map((f) => readText(join(base, d, f))?.trim() ?? '');
    const m = /^(\d+)([KMG]?)$/.exec(size);
    if (!m || !level) continue;
    const bytes = Number(m[1]) * ({ '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 } as Record<string, number>)[m[2]];
    out[`L${level}${type === 'Data' ? 'd' : type === 'Instruction' ? 'i' : ''}`] = bytes;
  }
  return out;
}

/**
 * The C library's view of the caches (`getconf -a` output, from cpuid), for VMs whose sysfs has no cache folder; {}
 * when it has none.
 */
export function cacheSizesFromGetconf(text: string): Record<string, number> {
  const names: [string, string][] = [
    ['LEVEL1_DCACHE_SIZE', 'L1d'],
    ['LEVEL1_ICACHE_SIZE', 'L1i'],
    ['LEVEL2_CACHE_SIZE', 'L2'],
    ['LEVEL3_CACHE_SIZE', 'L3'],
  ];
  const out: Record<string, number> = {};
  for (const [name, key] of names) {
    const m = new RegExp(`^${name}\\s+(\\d+)\\s*$`, 'm').exec(text);
    if (m && Number(m[1]) > 0) out[key] = Number(m[1]);
  }
  return out;
}

/**
 * Cache sizes from a bandwidth sweep (`probe CORE caches`, [bytes, GB/s] by growing size). The bandwidth falls
 * over a few sizes at each level's end, not at once, so: a step is a size below 0.7x the best of the current
 * plateau; the level ends at the largest size before it still within 0.85x of that best; the next plateau starts
 * where the fall flattens (less than 5% from one size to the next). The first three steps are L1d, L2 and L3;
 * levels without a step are left out (the caller fills them with the defaults). A shared or virtual machine's sweep is
 * noisy: these are estimates, labelled
 * 'measured'.
 */
export function cacheSizesFromSweep(sweep: [number, number][]): Record<string, number> {
  const out: Record<string, number> = {};
  const levels = ['L1d', 'L2', 'L3'];
  let ref = sweep[0]?.[1] ?? 0,
    k = 0,
    falling = false;
  for (let i = 1; i < sweep.length && k < levels.length; i++) {
    const bw = sweep[i][1];
    if (falling) {
      if (bw < 0.95 * sweep[i - 1][1]) continue;
      falling = false;
      ref = bw;
    } else if (bw < 0.7 * ref) {
      let j = i - 1;
      while (j > 0 && sweep[j][1] < 0.85 * ref) j--;
      out[levels[k++]] = sweep[j][0];
      falling = true;
    } else ref = Math.max(ref, bw);
  }
  return out;
}

/** A cpu list such as "0-3,8,10-11" as core numbers; [] when it does not parse. */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return [];
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c);
  }
  return out;
}

const kib = (b: number) =>
  b >= 1024 * 1024 ? `${+(b / 1024 / 1024).toFixed(2)} MiB` : `${+(b / 1024).toFixed(1)} KiB`;

/** Cache sizes as "L1d 48 KiB, L2 1 MiB, ..." for notes and reports. */
export function describeCaches(c: Record<string, number>): string {
  return ['L1d', 'L2', 'L3']
    .filter((k) => c[k] > 0)
    .map((k) => `${k} ${kib(c[k])}`)
    .join(', ');
}

/** Reads the host from `sources` (each call reads again: `host()` is the cached one). Never throws. */
export function readHost(sources: Partial<HostSources> = {}): HostInfo {
  const src = { ...defaultSources(), ...sources };
  const notes: string[] = [];
  const cpuinfo = readText(join(src.root, 'proc/cpuinfo'));
  const lines = cpuinfo?.split('\n') ?? [];
  const flagLine = lines.find((l) => l.startsWith('flags') || l.startsWith('Features'));
  const flags = flagLine
    ? flagLine
        .split(':')[1]
        .trim()
        .split(/\s+/)
        .filter((f) => f !== '')
    : [];
  if (cpuinfo === null)
    notes.push(
      `no ${join(src.root, 'proc/cpuinfo')}: CPU flags unknown, kernels use the generic vector target unless RLTUNE_ISA names one`,
    );
  // os.cpus() first: the fingerprint has always used its model, and a model that changed would orphan the records.
  const modelLine = lines.find((l) => l.startsWith('model name'));
  const cpuModel = cpus()[0]?.model || (modelLine ? modelLine.split(':')[1].trim() : '') || 'unknown';
  const cores = Math.max(1, cpus().length);

  const status = readText(join(src.root, 'proc/self/status'));
  const allowedLine = status?.split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
  let allowedCores = allowedLine ? parseCpuList(allowedLine.split(':')[1]) : [];
  // Without /proc the affinity is unknown: the first availableParallelism() cores, as RLTune always assumed.
  if (allowedCores.length === 0)
    allowedCores = Array.from({ length: Math.max(1, availableParallelism()) }, (_, i) => i);

  let caches = cacheSizesFromSysfs(src.root);
  let cacheSource: CacheSource = 'sysfs';
  const getconf = findExecutable('getconf', src.path);
  if (Object.keys(caches).length === 0 && getconf) {
    try {
      caches = cacheSizesFromGetconf(
        execFileSync(getconf, ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }),
      );
      cacheSource = 'getconf';
    } catch {
      // getconf failed: as if it were not there
    }
  }
  if (Object.keys(caches).length === 0) {
    cacheSource = 'default';
    notes.push(
      `cache sizes unknown (no ${join(src.root, 'sys/devices/system/cpu/cpu0/cache')}, ${getconf ? 'getconf gives none' : 'no getconf'}): the probe measures them from its bandwidth steps where it runs, else the defaults ${describeCaches(DEFAULT_CACHE_SIZES)} are used`,
    );
  }

  const taskset = findExecutable('taskset', src.path);
  if (!taskset)
    notes.push(
      "taskset not found: measurements are not isolated on their core (this process and the compilers may share the runner's core; the harness still pins the kernel itself), so timings are noisier; install util-linux for taskset",
    );
  return {
    cpuModel,
    flags,
    cores,
    allowedCores,
    runnerCore: allowedCores[allowedCores.length - 1],
    caches,
    cacheSource,
    taskset,
    pinning: taskset !== null,
    notes,
  };
}

let cached: HostInfo | null = null;

/** This process's host, read on first use (before leaveRunnerCore narrows the affinity it reads). */
export function host(): HostInfo {
  cached ??= readHost();
  return cached;
}

/** The core that runs kernels on this host (the last core this process may use). */
export function runnerCore(): number {
  return host().runnerCore;
}

/**
 * The cores builds may use beside the runner's `threads` cores from `first` (its last core by default): the other
 * allowed cores; [] on a one-core host (builds then share it, unpinned).
 */
export function coresBesides(first: number, threads: number): number[] {
  const all = host().allowedCores;
  return all.length > 1 ? all.filter((c) => c < first || c >= first + threads) : [];
}

/**
 * Why a workload's `threads` cannot run here (more than the cores this process may use: the harness pins one
 * thread per core), or null when they fit.
 */
export function threadsBeyondCores(threads: number, h: HostInfo = host()): string | null {
  const n = h.allowedCores.length;
  return threads > n
    ? `threads=${threads} is more than the ${n} core${n === 1 ? '' : 's'} this process may use on this machine (${h.cores} logical in all); expected threads <= ${n}`
    : null;
}

const noted = new Set<string>();

/** Writes "rltune: note: <text>" to stderr, once per process per text: a limit is said once, not per kernel. */
export function note(text: string): void {
  if (noted.has(text)) return;
  noted.add(text);
  process.stderr.write(`rltune: note: ${text}\n`);
}

/** Says, once, that nothing can be pinned with taskset here (callers that would use it call this instead). */
export function noteNoPinning(h: HostInfo = host()): void {
  const n = h.notes.find((x) => x.startsWith('taskset not found'));
  if (n) note(n);
}
