/**
 * The native MLP backend: a Node-API addon (native/mlp.c) compiled from source at `npm install`, which runs
 * the whole forward or backward pass of a network in one call on these Float32Arrays (no copies).
 *
 * Buffers per network: `acts` holds every layer's activations for a batch, a_0 = x | a_1 | ... | a_L = y
 * (batch x sizes[l] each), one set for inference and one kept for training, so that a forward() between
 * forwardTrain() and backward() does not overwrite what backward needs.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkBackwardArgs, checkForwardArgs, MLPParams, type BackwardOptions, type MLP, type MLPSpec } from './mlp.js';
import { initParams, resolveSpec } from './init.js';

interface NativeAddon {
  forward(
    sizes: Int32Array,
    act: number,
    params: Float32Array,
    acts: Float32Array,
    batch: number,
    pack: Float32Array,
  ): void;
  backward(
    sizes: Int32Array,
    act: number,
    params: Float32Array,
    grads: Float32Array,
    acts: Float32Array,
    dy: Float32Array,
    scratch: Float32Array,
    batch: number,
    dx?: Float32Array | null,
    accumulate?: boolean,
  ): void;
  lengths(sizes: Int32Array, batch: number): { acts: number; pack: number; scratch: number; params: number };
  adamStep(
    params: Float32Array,
    grads: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    step: number,
    gradScale: number,
  ): void;
  polyak(target: Float32Array, source: Float32Array, tau: number): void;
  info(): { vectorLanes: number; isa: string; api?: number };
}

/**
 * The interface revision of native/mlp.c this module needs (RLTUNE_NN_API there): 2 added dL/dx to backward, 3 polyak.
 */
const NATIVE_API = 3;

const ADDON_PATH = join('build', 'Release', 'rltune_nn.node');

let addon: NativeAddon | null | undefined;
let loadError = '';

/** The package root: the nearest directory above this module whose package.json is named rltune. */
function packageRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: unknown }).name === 'rltune') return dir;
      } catch {
        // an unreadable package.json is not ours; keep looking upwards
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

function loadAddon(): NativeAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  const root = packageRoot();
  if (!root) {
    loadError = `could not find the rltune package root above ${fileURLToPath(import.meta.url)}`;
    return addon;
  }
  const file = join(root, ADDON_PATH);
  if (!existsSync(file)) {
    loadError = `${file} does not exist (it is built by \`npm install\`, which needs a C compiler and node-gyp)`;
    return addon;
  }
  try {
    const lib = createRequire(import.meta.url)(file) as NativeAddon;
    const api = lib.info().api ?? 1;
    if (api !== NATIVE_API) {
      loadError = `${file} was built from another version of native/mlp.c (interface ${api}, this module needs ${NATIVE_API}); rebuild it with \`node scripts/build-native.mjs\``;
    } else {
      addon = lib;
    }
  } catch (e) {
    loadError = `${file} failed to load: ${(e as Error).message}`;
  }
  return addon;
}

/** Whether the native addon is built and loads. */
export function nativeAvailable(): boolean {
  return loadAddon() !== null;
}

/** Why the native addon is unavailable ('' when it is available). */
export function nativeLoadError(): string {
  loadAddon();
  return loadError;
}

/** The addon's SIMD width and instruction set, or null when it is unavailable. */
export function nativeInfo(): { vectorLanes: number; isa: string } | null {
  const info = loadAddon()?.info();
  return info ? { vectorLanes: info.vectorLanes, isa: info.isa } : null;
}

function requireAddon(): NativeAddon {
  const a = loadAddon();
  if (!a) throw new Error(`native MLP backend unavailable: ${loadError}`);
  return a;
}

/**
 * One Adam step in C (same equations and operation order as src/rl/nn/adam.ts), on g = gradScale * grads:
 *   m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;  p <- p - lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps)
 */
export function nativeAdamStep(
  params: Float32Array,
  grads: Float32Array,
  m: Float32Array,
  v: Float32Array,
  opts: { lr: number; beta1: number; beta2: number; eps: number; step: number; gradScale?: number },
): void {
  requireAddon().adamStep(
    params,
    grads,
    m,
    v,
    opts.lr,
    opts.beta1,
    opts.beta2,
    opts.eps,
    opts.step,
    opts.gradScale ?? 1,
  );
}

/** target <- tau source + (1 - tau) target, in C (float32 arithmetic). */
export function nativePolyak(target: Float32Array, source: Float32Array, tau: number): void {
  requireAddon().polyak(target, source, tau);
}

/** Whether the first na floats of a and the first nb floats of b share memory. */
function sharesMemory(a: Float32Array, na: number, b: Float32Array, nb: number): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + 4 * nb && b.byteOffset < a.byteOffset + 4 * na;
}

/** Activations and scratch for batches of up to `capacity` rows. */
class Workspace {
  capacity = 0;
  acts = new Float32Array(0);
  pack = new Float32Array(0);
  scratch = new Float32Array(0);
  private outBatch = -1;
  private out = new Float32Array(0);

  constructor(
    private readonly lib: NativeAddon,
    private readonly sizes: Int32Array,
    private readonly withScratch: boolean,
  ) {}

  reserve(batch: number): void {
    if (batch <= this.capacity) return;
    const len = this.lib.lengths(this.sizes, batch);
    this.acts = new Float32Array(len.acts);
    this.pack = new Float32Array(len.pack);
    if (this.withScratch) this.scratch = new Float32Array(len.scratch);
    this.capacity = batch;
    this.outBatch = -1;
  }

  /** The view of a_L for this batch (cached: same batch, same object). */
  output(batch: number): Float32Array {
    if (batch !== this.outBatch) {
      const L = this.sizes.length - 1;
      let off = 0;
      for (let l = 0; l < L; l++) off += batch * this.sizes[l];
      this.out = this.acts.subarray(off, off + batch * this.sizes[L]);
      this.outBatch = batch;
    }
    return this.out;
  }
}

export class NativeMLP extends MLPParams implements MLP {
  readonly backend = 'native';
  private readonly lib: NativeAddon;
  private readonly sizesI32: Int32Array;
  private readonly actCode: number;
  private readonly infer: Workspace;
  private readonly train: Workspace;
  /** Batch of the last forwardTrain, -1 before the first one. */
  private trainBatch = -1;
  private disposed = false;

  /** Throws when the addon is unavailable (see nativeAvailable()). */
  constructor(spec: MLPSpec) {
    const s = resolveSpec(spec);
    super('NativeMLP', s.sizes, s.activation, initParams(s.sizes, s.gains, s.seed));
    this.lib = requireAddon();
    this.sizesI32 = Int32Array.from(s.sizes);
    this.actCode = s.activation === 'relu' ? 1 : 0;
    this.infer = new Workspace(this.lib, this.sizesI32, false);
    this.train = new Workspace(this.lib, this.sizesI32, true);
  }

  private run(ws: Workspace, x: Float32Array, batch: number, what: string): Float32Array {
    const n = checkForwardArgs('NativeMLP', what, this.sizes, x, batch, this.disposed);
    ws.reserve(batch);
    ws.acts.set(x.length === n ? x : x.subarray(0, n));
    this.lib.forward(this.sizesI32, this.actCode, this.params, ws.acts, batch, ws.pack);
    return ws.output(batch);
  }

  forward(x: Float32Array, batch: number): Float32Array {
    return this.run(this.infer, x, batch, 'forward');
  }

  forwardTrain(x: Float32Array, batch: number): Float32Array {
    const y = this.run(this.train, x, batch, 'forwardTrain');
    this.trainBatch = batch;
    return y;
  }

  backward(dLdy: Float32Array, dLdx?: Float32Array, opts?: BackwardOptions): void {
    const accumulate = checkBackwardArgs('NativeMLP', this.sizes, this.trainBatch, dLdy, dLdx, opts, this.disposed);
    if (!dLdx) {
      // The path of every call that does not ask for dL/dx is unchanged.
      if (accumulate)
        this.lib.backward(
          this.sizesI32,
          this.actCode,
          this.params,
          this.grads,
          this.train.acts,
          dLdy,
          this.train.scratch,
          this.trainBatch,
        );
      return;
    }
    // The C side reads dL/dy until it writes dL/dx last; where the two share memory, read from a copy.
    const ny = this.trainBatch * this.sizes[this.sizes.length - 1],
      nx = this.trainBatch * this.sizes[0];
    const dy = sharesMemory(dLdy, ny, dLdx, nx) ? dLdy.slice(0, ny) : dLdy;
    this.lib.backward(
      this.sizesI32,
      this.actCode,
      this.params,
      this.grads,
      this.train.acts,
      dy,
      this.train.scratch,
      this.trainBatch,
      dLdx,
      accumulate,
    );
  }

  zeroGrad(): void {
    this.grads.fill(0);
  }

  dispose(): void {
    this.disposed = true;
  }
}
