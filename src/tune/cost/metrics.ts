/**
 * Ranking quality of a cost model on measured configs: what matters to a search is the order of candidates.
 *   recallAtK(scores, truth, k, kModel): the share of the true top k (by measured GFLOP/s) found within the
 *     model's top kModel (e.g. the true top 10 within the model's top 10%);
 *   spearman(scores, truth): the rank correlation (ties get their mean rank).
 * Failed configs have truth -Infinity (they rank last).
 */
function ranks(v: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: v.length }, (_, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Float64Array(v.length);
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && v[idx[j + 1]] === v[idx[i]]) j++;
    for (let k = i; k <= j; k++) r[idx[k]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

export function spearman(scores: ArrayLike<number>, truth: ArrayLike<number>): number {
  if (scores.length !== truth.length)
    throw new RangeError(`spearman: ${scores.length} scores for ${truth.length} truths`);
  const n = scores.length;
  if (n < 2) return NaN;
  const a = ranks(scores),
    b = ranks(truth);
  const mean = (n - 1) / 2;
  let num = 0,
    da = 0,
    db = 0;
  for (let i = 0; i < n; i++) {
    num += (a[i] - mean) * (b[i] - mean);
    da += (a[i] - mean) ** 2;
    db += (b[i] - mean) ** 2;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

export function topIndices(v: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: v.length }, (_, i) => i)
    .sort((a, b) => v[b] - v[a] || a - b)
    .slice(0, k);
}

export function recallAtK(scores: ArrayLike<number>, truth: ArrayLike<number>, k: number, kModel = k): number {
  if (scores.length !== truth.length)
    throw new RangeError(`recallAtK: ${scores.length} scores for ${truth.length} truths`);
  const trueTop = topIndices(truth, Math.min(k, truth.length));
  const modelTop = new Set(topIndices(scores, Math.min(kModel, scores.length)));
  return trueTop.filter((i) => modelTop.has(i)).length / trueTop.length;
}
