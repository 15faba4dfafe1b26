#!/usr/bin/env node
// Installs the Debian packages RLTune's benchmarks use, at `npm install`: libopenblas-dev (the OpenBLAS anchor
// of `rltune bench op`). Only when it is missing, only as root with apt-get; otherwise it prints what to run.
// Never fails the install: without OpenBLAS the anchor reports itself unavailable.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function hasOpenBLAS() {
  try {
    return execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }).includes('libopenblas.so.0');
  } catch {
    return ['/usr/lib/x86_64-linux-gnu/libopenblas.so.0', '/usr/lib/aarch64-linux-gnu/libopenblas.so.0'].some(
      existsSync,
    );
  }
}

if (process.env.RLTUNE_SKIP_SYSTEM_DEPS === '1' || process.platform !== 'linux' || hasOpenBLAS()) process.exit(0);
const root = typeof process.getuid === 'function' && process.getuid() === 0;
if (!root || !existsSync('/usr/bin/apt-get')) {
  console.warn(
    'rltune: note: OpenBLAS is not installed; the openblas anchor of `rltune bench op` needs it (Debian/Ubuntu: sudo apt-get install libopenblas-dev)',
  );
  process.exit(0);
}
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
let r = spawnSync('apt-get', ['install', '-y', '-q', 'libopenblas-dev'], { stdio: 'inherit', env });
if (r.status !== 0) {
  spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  r = spawnSync('apt-get', ['install', '-y', '-q', 'libopenblas-dev'], { stdio: 'inherit', env });
}
if (r.status !== 0)
  console.warn('rltune: WARNING: apt-get could not install libopenblas-dev; the openblas anchor will be unavailable');
process.exit(0);
