/**
 * RLTune on a host without the Linux files it reads (/proc/cpuinfo, /proc/self/status, the sysfs cache folder)
 * and without taskset and getconf: it says what it cannot do and measures anyway, unpinned, with the probe's
 * measured or the default cache sizes. The host is hidden through the real sources, not a stand-in: its root
 * (RLTUNE_HOST_ROOT) is an empty directory and PATH a directory holding every program of this PATH but those two.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { bin, root } from './fixtures/run_cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rltune-portable-'));
const bare = join(dir, 'root');
mkdirSync(bare);
const binDir = join(dir, 'bin');
mkdirSync(binDir);
const HIDDEN = new Set(['taskset', 'getconf']);
for (const d of (process.env.PATH ?? '').split(delimiter).filter((x) => x !== '')) {
  let names: string[];
  try {
    names = readdirSync(d);
  } catch {
    continue;
  }
  for (const n of names) {
    if (HIDDEN.has(n)) continue;
    try {
      symlinkSync(join(d, n), join(binDir, n));
    } catch {
      // an earlier PATH entry has it: that one wins, as in PATH
    }
  }
}
// This process reads its host from the hidden sources too (host() reads them on first use, after this line).
const realPath = process.env.PATH;
process.env.RLTUNE_HOST_ROOT = bare;
process.env.PATH = binDir;

const { readHost, host, cacheSizesFromSweep } = await import('../src/tune/measure/host.js');
const { hostMachine } = await import('../src/tune/measure/machine.js');
const { Measurer } = await import('../src/tune/measure/measurer.js');
const { RecordsDB } = await import('../src/tune/records/db.js');
const { createTask, referenceConfig } = await import('../src/tune/task/task.js');

test('the host reader on a host without /proc, /sys, taskset and getconf: a description with notes, not an error', () => {
  const h = readHost({ root: bare, path: binDir });
  assert.equal(h.taskset, null);
  assert.equal(h.pinning, false);
  assert.deepEqual(h.flags, []);
  assert.deepEqual(h.caches, {});
  assert.equal(h.cacheSource, 'default');
  assert.ok(h.allowedCores.length >= 1 && h.runnerCore === h.allowedCores.at(-1));
  assert.ok(h.cores >= 1 && h.cpuModel.length > 0);
  const notes = h.notes.join('\n');
  assert.match(notes, /taskset not found: measurements are not isolated/);
  assert.match(notes, /cache sizes unknown \(no .*sys\/devices\/system\/cpu\/cpu0\/cache, no getconf\)/);
  assert.match(notes, /proc\/cpuinfo: CPU flags unknown/);
  // The process-wide host reads the same hidden sources.
  assert.equal(host().pinning, false);
  // With its PATH back, getconf tells this machine's caches (the sysfs folder is still hidden).
  const withGetconf = readHost({ root: bare, path: realPath });
  if (withGetconf.caches.L1d !== undefined) assert.equal(withGetconf.cacheSource, 'getconf');
});

test("cache sizes from the probe's bandwidth sweep: where the bandwidth steps down", () => {
  // Shaped like this machine's sweeps (an EPYC VM): the bandwidth falls over a few sizes after each level.
  const sweep: [number, number][] = [
    [16384, 416],
    [32768, 431],
    [49152, 432],
    [65536, 161],
    [131072, 167],
    [524288, 226],
    [786432, 170],
    [1048576, 133],
    [1572864, 101],
    [2097152, 92],
    [4194304, 91],
    [12582912, 84],
    [16777216, 78],
    [25165824, 63],
    [67108864, 47],
  ];
  assert.deepEqual(cacheSizesFromSweep(sweep), { L1d: 49152, L2: 524288, L3: 16777216 });
  assert.deepEqual(cacheSizesFromSweep(sweep.slice(0, 6)), { L1d: 49152 }, 'levels without a step are left out');
  assert.deepEqual(
    cacheSizesFromSweep([
      [4096, 10],
      [8192, 10],
    ]),
    {},
    'no step: no sizes (the defaults are used)',
  );
});

test('a real measurement without pinning: the measurer builds and runs kernels (compilers unpinned)', async () => {
  const db = new RecordsDB(join(dir, 'm.db'));
  const task = createTask('gemm:M=24,N=20,K=16');
  // No runnerCore: the measurer takes the host's, and builder cores, which it cannot pin without taskset.
  const m = new Measurer(task, {
    workDir: join(dir, 'work'),
    db,
    machine: db.addMachine(hostMachine()),
    run: { repeat: 3, minRepeatMs: 2, timeoutMs: 10_000 },
  });
  const ref = referenceConfig(task);
  const rs = await m.measure([ref, (ref + 1) % task.space.size]);
  assert.ok(rs[0].ok && rs[0].gflops! > 0, JSON.stringify(rs[0].error));
  // The other config may be one the space refuses; what matters is that no build failed for want of taskset.
  for (const r of rs) assert.notEqual(r.error?.kind, 'compile-error', JSON.stringify(r.error));
  db.close();
});

test('rltune tune op on that host: runs, says once that nothing is pinned, and which cache sizes it uses', () => {
  const env = { ...process.env, RLTUNE_HOST_ROOT: bare, PATH: binDir };
  const r = spawnSync(
    process.execPath,
    [
      bin,
      'tune',
      'op',
      'gemm:M=24,N=20,K=16',
      '--strategy',
      'evolve',
      '--trials',
      '4',
      '--seed',
      '1',
      '--db',
      join(dir, 'cli.db'),
      '--verify-top',
      '0',
      '--json',
    ],
    { cwd: root, encoding: 'utf8', env, timeout: 300_000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
    measured: number;
    best_gflops: number;
    errors: Record<string, number>;
  };
  assert.ok(out.measured > 0 && out.best_gflops > 0, r.stdout);
  assert.equal(out.errors['compile-error'], 0, 'no build failed for want of taskset');
  assert.equal(r.stderr.match(/rltune: note: taskset not found/g)?.length, 1, r.stderr);
  // The probe measured the caches, or found no steps and said it uses the defaults.
  assert.match(
    r.stderr,
    /rltune: note: cache sizes (measured from the probe's bandwidth steps|unknown and the probe's bandwidth shows no steps: using the defaults)/,
    r.stderr,
  );
  assert.doesNotMatch(r.stderr, /ENOENT|at .*\.js:\d+/, 'no raw error or stack');
});
