/**
 * The GEMMs of bench/tune/gemm: every GEMM of the model presets (GPT-2 small prefill and decode, the Llama-style layer
 * at M = 64 and 16, CLIP's 77-row text encoder), then 512³ and 1024³, and the fused-epilogue cases (bias+GELU,
 * bias+SiLU, bias+residual on GPT-2's MLP shapes). Specs that the presets repeat are measured once.
 */
import { MODEL_PRESETS } from '../../src/tune/task/presets.js';
import { canonicalSpec, parseSpec } from '../../src/tune/task/spec.js';

export interface BenchShape {
  name: string;
  /** The spec at one thread (bench/tune/gemm sets threads). */
  spec: string;
  /** An epilogue case of the fused-epilogue acceptance (against ONNX Runtime running MatMul + the ops). */
  epilogueCase: boolean;
}

const PRESETS = ['gpt2-small', 'gpt2-decode', 'llama7b-prefill', 'llama7b-decode', 'clip-text'];

export function benchShapes(): BenchShape[] {
  const out: BenchShape[] = [];
  const add = (name: string, spec: string, epilogueCase = false) => {
    const c = canonicalSpec(parseSpec(spec));
    const have = out.find((s) => s.spec === c);
    if (have) {
      have.epilogueCase ||= epilogueCase;
      return;
    }
    out.push({ name, spec: c, epilogueCase });
  };
  for (const p of PRESETS)
    for (const w of MODEL_PRESETS[p].workloads)
      if (w.spec.startsWith('gemm:'))
        add(`${p}/${w.name}`, w.spec, /gelu|silu|residual/.test(w.spec) && w.spec.includes('M=128'));
  add('square/512', 'gemm:M=512,N=512,K=512');
  add('square/1024', 'gemm:M=1024,N=1024,K=1024');
  add('epilogue/bias+silu', 'gemm:M=128,N=3072,K=768,epilogue=bias+silu', true);
  return out;
}

/** The quick run's shapes: one compute-bound, one memory-bound, one epilogue, small enough for CI. */
export function quickShapes(): BenchShape[] {
  return [
    { name: 'quick/compute', spec: canonicalSpec(parseSpec('gemm:M=96,N=128,K=128')), epilogueCase: false },
    { name: 'quick/decode', spec: canonicalSpec(parseSpec('gemm:M=4,N=256,K=256')), epilogueCase: false },
    {
      name: 'quick/epilogue',
      spec: canonicalSpec(parseSpec('gemm:M=32,N=96,K=64,epilogue=bias+gelu')),
      epilogueCase: true,
    },
  ];
}

/** The spec at `threads` threads. */
export function withThreads(spec: string, threads: number): string {
  return canonicalSpec({ ...parseSpec(spec), threads });
}
