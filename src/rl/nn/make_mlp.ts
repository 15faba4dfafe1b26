/**
 * Picks an MLP backend. 'auto' (the default) takes the native addon when it was built at install, else tfjs
 * when initTfjs() has run, else the plain-TypeScript JsMLP. Every backend initializes the same parameters
 * from the same spec and seed (init.ts), so a run does not depend on which one was picked, up to float rounding.
 */
import type { MLP, MLPSpec } from './mlp.js';
import { initParams, resolveSpec } from './init.js';
import { JsMLP } from './js_mlp.js';
import { NativeMLP, nativeAvailable } from './native_mlp.js';
import { TfjsMLP, initTfjs, tfjsBackend, type TfjsBackendName } from './tfjs_mlp.js';

export type MLPBackend = 'native' | 'tfjs' | 'js' | 'auto';

export interface CreateMLPOptions {
  backend?: MLPBackend;
}

function checkBackend(backend: unknown): MLPBackend {
  if (backend !== 'native' && backend !== 'tfjs' && backend !== 'js' && backend !== 'auto') {
    throw new RangeError(`createMLP: backend must be 'native', 'tfjs', 'js' or 'auto', got ${JSON.stringify(backend)}`);
  }
  return backend;
}

/** The backend that createMLP would use for `backend` now. */
export function resolveMLPBackend(backend: MLPBackend = 'auto'): 'native' | 'tfjs' | 'js' {
  checkBackend(backend);
  if (backend !== 'auto') return backend;
  if (nativeAvailable()) return 'native';
  return tfjsBackend() ? 'tfjs' : 'js';
}

/**
 * A new MLP. Synchronous: the 'tfjs' backend needs `await initTfjs()` beforehand (or use createMLPAsync) and
 * throws a message saying so otherwise; 'native' throws when the addon was not built (see nativeLoadError()).
 */
export function createMLP(spec: MLPSpec, opts: CreateMLPOptions = {}): MLP {
  const backend = resolveMLPBackend(opts.backend ?? 'auto');
  if (backend === 'native') return new NativeMLP(spec);
  if (backend === 'tfjs') {
    if (!tfjsBackend())
      throw new Error(
        "createMLP: the 'tfjs' backend is not initialized; call `await initTfjs()` first, or use createMLPAsync",
      );
    return new TfjsMLP(spec);
  }
  const s = resolveSpec(spec);
  return new JsMLP(s.sizes, s.activation, initParams(s.sizes, s.gains, s.seed));
}

/** As createMLP, initializing tfjs first when the 'tfjs' backend is asked for. */
export async function createMLPAsync(
  spec: MLPSpec,
  opts: CreateMLPOptions & { tfjsBackend?: TfjsBackendName } = {},
): Promise<MLP> {
  if (opts.backend === 'tfjs' && !tfjsBackend()) await initTfjs(opts.tfjsBackend);
  return createMLP(spec, opts);
}
