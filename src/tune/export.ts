/**
 * `rltune export <spec> --out DIR`: the best recorded kernel of a workload as a library others can use:
 *
 *   DIR/<name>.c      the generated kernel, unchanged, plus a typed entry point
 *   DIR/<name>.h      the C ABI (below)
 *   DIR/lib<name>.so  built with the flags it was measured with
 *   DIR/<name>.node   a Node-API binding (built against this Node's headers), with DIR/index.js and index.d.ts:
 *                       import { run } from './DIR/index.js';  const C = run({ A, B, bias });
 *   DIR/manifest.json every file above with its size and SHA-256 (export_manifest.ts); index.js checks them
 *                     before it loads the binding, and exports that check as verify()
 *
 * C ABI: float32, row-major, caller-allocated, no aliasing between output and inputs; thread-safe only for
 * calls that do not overlap (the workspace is static, allocated on the first call):
 *   int <name>(const float *A, const float *B[, const float *bias][, const float *residual], float *C);
 *   int rltune_kernel(const float *const *inputs, float *output);   (inputs in the same order)
 * Both return 0, or -1 when the workspace cannot be allocated.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BASE_CFLAGS } from './measure/builder.js';
import { findCompiler } from './measure/compiler.js';
import { targetCFlags } from './space/target.js';
import type { GemmWorkload } from './task/spec.js';
import type { TuningTask } from './task/task.js';
import { verifySource, writeExportManifest } from './export_manifest.js';

export interface ExportResult {
  dir: string;
  name: string;
  files: string[];
  /** Why the Node binding was not built (no Node headers), or null. */
  bindingError: string | null;
}

function inputNames(w: GemmWorkload): string[] {
  return [
    'A',
    'B',
    ...(w.epilogue.includes('bias') ? ['bias'] : []),
    ...(w.epilogue.includes('residual') ? ['residual'] : []),
  ];
}

function inputLengths(w: GemmWorkload): Record<string, number> {
  return { A: w.M * w.K, B: w.K * w.N, bias: w.N, residual: w.M * w.N };
}

/** Node's C headers (node_api.h), or null. */
function nodeIncludeDir(): string | null {
  const cands = [
    process.env.npm_config_nodedir ? join(process.env.npm_config_nodedir, 'include', 'node') : '',
    join(dirname(dirname(process.execPath)), 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ];
  return cands.find((d) => d && existsSync(join(d, 'node_api.h'))) ?? null;
}

export function exportKernel(task: TuningTask, source: string, outDir: string, name = 'rltune_gemm'): ExportResult {
  const w = task.workload;
  if (w.op !== 'gemm') throw new RangeError(`export covers gemm workloads (got ${w.op})`);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new RangeError(`export: the kernel name must be a C identifier, got ${JSON.stringify(name)}`);
  mkdirSync(outDir, { recursive: true });
  const ins = inputNames(w),
    lens = inputLengths(w);
  const params = [...ins.map((n) => `const float *${n}`), 'float *C'].join(', ');
  const header = `/* ${name}: ${task.spec}, tuned by RLTune.
   C[${w.M} x ${w.N}] = ${w.epilogue.length ? `${w.epilogue.join(' then ')} of ` : ''}A[${w.M} x ${w.K}] . B[${w.K} x ${w.N}], float32 row-major.
   Returns 0, or -1 when its workspace cannot be allocated. Calls must not overlap (static workspace). */
#ifndef ${name.toUpperCase()}_H
#define ${name.toUpperCase()}_H
#ifdef __cplusplus
extern "C" {
#endif
#define ${name.toUpperCase()}_M ${w.M}
#define ${name.toUpperCase()}_N ${w.N}
#define ${name.toUpperCase()}_K ${w.K}
int ${name}(${params});
int rltune_kernel(const float *const *inputs, float *output);
#ifdef __cplusplus
}
#endif
#endif
`;
  const cFile = join(outDir, `${name}.c`),
    hFile = join(outDir, `${name}.h`),
    soFile = join(outDir, `lib${name}.so`);
  writeFileSync(hFile, header);
  writeFileSync(
    cFile,
    `${source}\n/* Typed entry point (see ${name}.h). */\nint ${name}(${params}) {\n  const float *in[] = { ${ins.join(', ')} };\n  return rltune_kernel(in, C);\n}\n`,
  );
  const cc = findCompiler().path;
  const flags = [
    ...BASE_CFLAGS.filter((f) => f !== '-w'),
    ...targetCFlags(task.space.target),
    ...(w.threads > 1 ? ['-fopenmp'] : []),
  ];
  execFileSync(cc, [...flags, '-o', soFile, cFile, '-lm'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const files = [cFile, hFile, soFile];
  const inc = nodeIncludeDir();
  if (!inc) {
    files.push(writeExportManifest(outDir, task.spec, name, files));
    return { dir: outDir, name, files, bindingError: 'Node headers (node_api.h) not found; set npm_config_nodedir' };
  }
  const bindingC = join(outDir, `${name}_node.c`),
    nodeFile = join(outDir, `${name}.node`);
  writeFileSync(bindingC, bindingSource(name, ins, lens, w.M * w.N));
  execFileSync(cc, [...flags, `-I${inc}`, '-o', nodeFile, bindingC, cFile, '-lm'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  writeFileSync(
    join(outDir, 'index.js'),
    `// ${task.spec}, tuned by RLTune: run({ ${ins.join(', ')} }) -> Float32Array C (${w.M} x ${w.N}, row-major).
import { createRequire } from 'node:module';
${verifySource(name)}const binding = createRequire(import.meta.url)('./${name}.node');
export const spec = ${JSON.stringify(task.spec)};
export const shape = { M: ${w.M}, N: ${w.N}, K: ${w.K} };
export const inputs = ${JSON.stringify(ins)};
const lengths = ${JSON.stringify(Object.fromEntries(ins.map((n) => [n, lens[n]])))};
export function run(args, out = new Float32Array(${w.M * w.N})) {
  const arrays = inputs.map((n) => {
    const a = args[n];
    if (!(a instanceof Float32Array) || a.length !== lengths[n]) throw new TypeError(\`${name}: \${n} must be a Float32Array of \${lengths[n]} numbers, got \${a instanceof Float32Array ? a.length : typeof a}\`);
    return a;
  });
  if (!(out instanceof Float32Array) || out.length !== ${w.M * w.N}) throw new TypeError('${name}: out must be a Float32Array of ${w.M * w.N} numbers');
  binding.run(...arrays, out);
  return out;
}
`,
  );
  writeFileSync(
    join(outDir, 'index.d.ts'),
    `export declare const spec: string;\nexport declare const shape: { M: number; N: number; K: number };\nexport declare const inputs: string[];\nexport declare function run(args: { ${ins.map((n) => `${n}: Float32Array`).join('; ')} }, out?: Float32Array): Float32Array;\n`,
  );
  writeFileSync(
    join(outDir, 'package.json'),
    JSON.stringify({ name: name.replace(/_/g, '-'), type: 'module', main: 'index.js', types: 'index.d.ts' }, null, 2) +
      '\n',
  );
  files.push(nodeFile, join(outDir, 'index.js'), join(outDir, 'index.d.ts'));
  // Listed last, over everything written (the binding's C source and package.json too).
  files.push(writeExportManifest(outDir, task.spec, name, [...files, bindingC, join(outDir, 'package.json')]));
  return { dir: outDir, name, files, bindingError: null };
}

function bindingSource(name: string, ins: string[], lens: Record<string, number>, outLen: number): string {
  const n = ins.length + 1;
  return `/* Node-API binding of ${name}: run(${ins.join(', ')}, C) with Float32Arrays (lengths checked by index.js and here). */
#include <node_api.h>
#include "${name}.h"
static napi_value run(napi_env env, napi_callback_info info) {
  size_t argc = ${n};
  napi_value argv[${n}];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < ${n}) { napi_throw_error(env, NULL, "${name}: expected ${n} Float32Arrays"); return NULL; }
  float *p[${n}];
  const size_t want[${n}] = { ${[...ins.map((x) => lens[x]), outLen].join(', ')} };
  for (size_t i = 0; i < ${n}; i++) {
    napi_typedarray_type t; size_t len; void *data; napi_value ab; size_t off;
    if (napi_get_typedarray_info(env, argv[i], &t, &len, &data, &ab, &off) != napi_ok || t != napi_float32_array || len != want[i]) { napi_throw_type_error(env, NULL, "${name}: argument is not a Float32Array of the right length"); return NULL; }
    p[i] = (float *)data;
  }
  if (${name}(${[...ins.map((_, i) => `p[${i}]`), `p[${ins.length}]`].join(', ')}) != 0) { napi_throw_error(env, NULL, "${name}: workspace allocation failed"); return NULL; }
  return NULL;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "run", NAPI_AUTO_LENGTH, run, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "run", fn) != napi_ok) return NULL;
  return exports;
}
`;
}
