/**
 * The tuning-curve chart of bench/tuners/compare.ts as a self-contained SVG: one panel per workload, trials on
 * the x axis, best GFLOP/s so far as a fraction of best-known on the y axis (the median over seeds at each
 * trial), one line per strategy variant.
 */
interface ChartRun {
  workload: string;
  strategy: string;
  transfer: string;
  per_trial: (number | null)[];
}

const COLORS = ['#555555', '#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];

export function renderChart(
  runs: ChartRun[],
  workloads: string[],
  bestKnown: (w: string) => number,
  budget: number,
): string {
  const variant = (r: ChartRun) =>
    r.strategy === 'random' || r.transfer === 'off' ? r.strategy : `${r.strategy}+transfer`;
  const variants = [...new Set(runs.map(variant))];
  const cols = 3,
    pw = 300,
    ph = 200,
    pad = 40,
    rows = Math.ceil(workloads.length / cols);
  const W = cols * (pw + pad) + pad,
    H = rows * (ph + pad + 20) + pad + 30;
  const yMin = 0.5,
    yMax = 1.05;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  variants.forEach((v, i) => {
    out.push(
      `<line x1="${pad + i * 130}" y1="14" x2="${pad + i * 130 + 20}" y2="14" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/><text x="${pad + i * 130 + 25}" y="18">${v}</text>`,
    );
  });
  workloads.forEach((w, k) => {
    const x0 = pad + (k % cols) * (pw + pad),
      y0 = 30 + pad + Math.floor(k / cols) * (ph + pad + 20);
    const X = (t: number) => x0 + (pw * t) / budget,
      Y = (f: number) => y0 + ph - (ph * (Math.min(Math.max(f, yMin), yMax) - yMin)) / (yMax - yMin);
    out.push(`<text x="${x0}" y="${y0 - 6}" font-weight="bold">${w}</text>`);
    out.push(`<rect x="${x0}" y="${y0}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
    for (const f of [0.6, 0.8, 0.9, 0.95, 1.0])
      out.push(
        `<line x1="${x0}" y1="${Y(f)}" x2="${x0 + pw}" y2="${Y(f)}" stroke="#eee"/><text x="${x0 - 30}" y="${Y(f) + 4}">${f.toFixed(2)}</text>`,
      );
    for (const t of [0, budget / 4, budget / 2, (3 * budget) / 4, budget])
      out.push(`<text x="${X(t) - 8}" y="${y0 + ph + 14}">${Math.round(t)}</text>`);
    const bk = bestKnown(w);
    variants.forEach((v, i) => {
      const rs = runs.filter((r) => r.workload === w && variant(r) === v);
      if (rs.length === 0) return;
      const curves = rs.map((r) => {
        let best = 0;
        return r.per_trial.map((g) => (best = Math.max(best, g ?? 0)) / bk);
      });
      const n = Math.max(...curves.map((c) => c.length));
      const pts: string[] = [];
      for (let t = 0; t < n; t++) {
        const vals = curves.map((c) => c[Math.min(t, c.length - 1)]).sort((a, b) => a - b);
        const m =
          vals.length % 2 ? vals[(vals.length - 1) / 2] : (vals[vals.length / 2 - 1] + vals[vals.length / 2]) / 2;
        pts.push(`${X(t + 1).toFixed(1)},${Y(m).toFixed(1)}`);
      }
      out.push(
        `<polyline fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5" points="${pts.join(' ')}"/>`,
      );
    });
  });
  out.push(`<text x="${pad}" y="${H - 8}">x: trials; y: best so far / best-known (median over seeds)</text>`, '</svg>');
  return out.join('\n') + '\n';
}
