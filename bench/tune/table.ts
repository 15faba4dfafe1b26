/**
 * The per-shape table of a bench/tune/gemm result file, as Markdown (docs/benchmarks/tune-gemm.md holds its output):
 *
 *   node dist/bench/tune/table.js bench/results/tune-gemm-<date>.json
 *
 * One row per shape and thread count: ours in GFLOP/s, each anchor's ratio (ours / theirs, median of the rounds, with
 * the rounds' min..max), the fraction of the peak (compute-bound) or of the read bandwidth and of the roofline
 * (memory-bound), and why (bench/tune/why.ts).
 */
import { readFileSync } from 'node:fs';

interface AnchorRow {
  gflops: number | null;
  ratio: number | null;
  ratio_min?: number;
  ratio_max?: number;
}
interface ShapeRow {
  name: string;
  spec: string;
  threads: number;
  bound: string;
  gflops: number;
  fraction_of_peak: number;
  fraction_of_bandwidth: number | null;
  fraction_of_roofline?: number | null;
  vs: Record<string, AnchorRow>;
  ratio_vs_better: number | null;
  why: { text: string };
}

const file = process.argv[2];
if (!file) throw new RangeError('usage: node dist/bench/tune/table.js <tune-gemm result file>');
const r = JSON.parse(readFileSync(file, 'utf8')) as { shapes: ShapeRow[]; settings: { anchors: string[] } };
const anchors = r.settings.anchors;
const f2 = (x: number | null | undefined) => (x === null || x === undefined ? '-' : x.toFixed(2));
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(100 * x).toFixed(0)}%`);
const lines = [
  `| shape | threads | ours GFLOP/s | ${anchors.map((a) => `vs ${a}`).join(' | ')} | vs better | of peak | of bandwidth / roofline | why |`,
  `|---|---|---|${anchors.map(() => '---|').join('')}---|---|---|---|`,
];
for (const s of r.shapes) {
  const shape = s.spec
    .replace(/^gemm:/, '')
    .replace(/,threads=\d+/, '')
    .replace(/,epilogue=none/, '');
  const cells = anchors.map((a) => {
    const v = s.vs[a];
    return v?.ratio ? `${f2(v.ratio)} (${f2(v.ratio_min)}..${f2(v.ratio_max)})` : '-';
  });
  const mem = s.bound === 'memory' ? `${pct(s.fraction_of_bandwidth)} / ${pct(s.fraction_of_roofline)}` : '-';
  const why = s.why.text.replace(/^\d+% of the [^;]+; /, '');
  lines.push(
    `| ${s.name} ${shape} | ${s.threads} | ${s.gflops.toFixed(1)} | ${cells.join(' | ')} | **${f2(s.ratio_vs_better)}** | ${pct(s.fraction_of_peak)} | ${mem} | ${why} |`,
  );
}
process.stdout.write(lines.join('\n') + '\n');
