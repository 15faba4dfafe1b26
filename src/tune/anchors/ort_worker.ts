/**
 * ONNX Runtime anchor, run as its own process (pinned to the runner core by the caller):
 *   node ort_worker.js <spec> <threads> <repeat> <minRepeatMs> <copies>
 * Builds the workload's graph (onnx_model.ts) with `copies` copies of the op, runs it with graph optimizations
 * on (level all), intra-op threads = the workload's threads, and prints one JSON line with the per-op time:
 * {"ok":true,"median_ms","min_ms","max_ms","runs","number","copies","version"} (run time / copies).
 */
import { parseSpec } from '../task/spec.js';
import { gemmModel } from './onnx_model.js';

const [spec, threadsArg, repeatArg, minMsArg, copiesArg] = process.argv.slice(2);

async function main(): Promise<void> {
  let ort: typeof import('onnxruntime-node');
  try {
    ort = await import('onnxruntime-node');
  } catch (err) {
    console.log(JSON.stringify({ ok: false, message: `onnxruntime-node is not installed: ${(err as Error).message}` }));
    return;
  }
  const w = parseSpec(spec);
  if (w.op !== 'gemm') throw new Error(`the ONNX Runtime anchor covers gemm, not ${w.op}`);
  const threads = Number(threadsArg),
    repeat = Number(repeatArg),
    minMs = Number(minMsArg),
    copies = Number(copiesArg);
  let s = 12345;
  const rnd = (n: number) =>
    Float32Array.from({ length: n }, () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 31 - 1);
  const model = gemmModel(w, rnd(w.K * w.N), w.epilogue.includes('bias') ? rnd(w.N) : null, copies);
  const session = await ort.InferenceSession.create(model, {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
  });
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (let c = 0; c < copies; c++) feeds[`A${c}`] = new ort.Tensor('float32', rnd(w.M * w.K), [w.M, w.K]);
  if (w.epilogue.includes('residual')) feeds.R = new ort.Tensor('float32', rnd(w.M * w.N), [w.M, w.N]);
  let t0 = performance.now();
  await session.run(feeds);
  const first = performance.now() - t0;
  const number = Math.max(1, Math.ceil(minMs / Math.max(first, 1e-4)));
  const times: number[] = [];
  for (let r = 0; r < repeat; r++) {
    t0 = performance.now();
    for (let n = 0; n < number; n++) await session.run(feeds);
    times.push((performance.now() - t0) / number / copies);
  }
  times.sort((a, b) => a - b);
  const med =
    times.length % 2 ? times[(times.length - 1) / 2] : (times[times.length / 2 - 1] + times[times.length / 2]) / 2;
  console.log(
    JSON.stringify({
      ok: true,
      median_ms: med,
      min_ms: times[0],
      max_ms: times.at(-1),
      runs: repeat,
      number,
      copies,
      version: ort.env.versions.common,
    }),
  );
}

main().catch((err) => {
  console.log(JSON.stringify({ ok: false, message: (err as Error).message }));
});
