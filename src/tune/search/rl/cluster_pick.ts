/**
 * Adaptive sampling (Chameleon, ICLR 2020): a batch of configs that covers the best-scored candidates instead of
 * crowding on one of their peaks. The candidates' knob vectors (digits scaled to [0, 1]) are clustered by k-means
 * (k-means++ seeding, 10 Lloyd iterations) into as many clusters as the batch has configs.
 */
import type { Rng } from '../../../rl/core/rng.js';
import { toDigits } from '../knobs.js';

/**
 * The best-scored config of each of k k-means clusters of the samples (then the rest by score); `samples` come
 * best first (ties by index), with their `scores`.
 */
export function clusterPick(
  samples: number[],
  scores: number[],
  k: number,
  radix: readonly number[],
  rng: Rng,
): number[] {
  if (samples.length <= k) return samples;
  const K = radix.length;
  const pts = samples.map((c) => toDigits(radix, c).map((d, j) => d / Math.max(1, radix[j] - 1)));
  const dist = (a: number[], b: number[]) => a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0);
  // k-means++ seeding, then 10 Lloyd iterations.
  const centers: number[][] = [pts[rng.below(pts.length)].slice()];
  while (centers.length < k) {
    const d = pts.map((p) => Math.min(...centers.map((c) => dist(p, c))));
    const total = d.reduce((a, b) => a + b, 0);
    if (total === 0) break;
    let r = rng.random() * total,
      i = 0;
    while (r > d[i] && i < d.length - 1) r -= d[i++];
    centers.push(pts[i].slice());
  }
  let assign = new Int32Array(pts.length);
  for (let it = 0; it < 10; it++) {
    assign = Int32Array.from(pts, (p) => {
      let best = 0;
      for (let c = 1; c < centers.length; c++) if (dist(p, centers[c]) < dist(p, centers[best])) best = c;
      return best;
    });
    for (let c = 0; c < centers.length; c++) {
      const members = pts.filter((_, i) => assign[i] === c);
      if (members.length === 0) continue;
      for (let j = 0; j < K; j++) centers[c][j] = members.reduce((s, m) => s + m[j], 0) / members.length;
    }
  }
  const bestOf = new Map<number, number>();
  samples.forEach((_, i) => {
    const b = bestOf.get(assign[i]);
    if (b === undefined || scores[i] > scores[b]) bestOf.set(assign[i], i);
  });
  // The samples' order is the score order, so the picks sorted by position and the rest kept in place.
  const picked = [...bestOf.values()].sort((a, b) => a - b).map((i) => samples[i]);
  const chosen = new Set(picked);
  return [...picked, ...samples.filter((c) => !chosen.has(c))];
}
