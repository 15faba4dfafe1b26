#!/usr/bin/env node
// Builds the native MLP addon (native/mlp.c -> build/Release/rltune_nn.node) with node-gyp at `npm install`.
// Without a C compiler (or node-gyp, or Node headers) the build fails; install must still succeed, so this
// prints one warning and exits 0: src/rl/nn then falls back to its JavaScript backends.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Inside npm scripts `node-gyp` is on PATH (npm bundles it) and npm_config_node_gyp names its script; run
// directly (`node scripts/build-native.mjs`), fall back to the node-gyp next to the npm that runs this node.
function nodeGypCommand() {
  const script = process.env.npm_config_node_gyp;
  if (script && existsSync(script)) return { cmd: process.execPath, args: [script] };
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  if (existsSync(bundled)) return { cmd: process.execPath, args: [bundled] };
  return { cmd: process.platform === 'win32' ? 'node-gyp.cmd' : 'node-gyp', args: [] };
}

if (process.env.RLTUNE_SKIP_NATIVE === '1') {
  console.warn(
    'rltune: RLTUNE_SKIP_NATIVE=1, native MLP fast path not built; the JavaScript backends (tfjs, or plain TypeScript) will be used',
  );
  process.exit(0);
}

const { cmd, args } = nodeGypCommand();
const r = spawnSync(cmd, [...args, 'rebuild'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
if (r.status !== 0) {
  const why = r.error ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
  console.warn(
    `rltune: WARNING: the native MLP fast path is unavailable (${why}; it needs a C compiler, make and python3); the JavaScript backends (tfjs, or plain TypeScript) will be used`,
  );
}
process.exit(0);
