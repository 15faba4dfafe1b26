/**
 * The tuner benchmark's metrics on one run's per-trial GFLOP/s (null: a failed config), shared by compare.ts and
 * pooled.ts so that both count the same way (the median is bench/util/stats.ts's).
 */

/**
 * The first trial (1-based) whose best-so-far reaches `target` GFLOP/s, or `budget + 1` when none does (a censored
 * run).
 */
export function trialsTo(perTrial: readonly (number | null)[], target: number, budget: number): number {
  let best = -Infinity;
  for (let t = 0; t < perTrial.length; t++) {
    const g = perTrial[t];
    if (g !== null && g > best) best = g;
    if (best >= target) return t + 1;
  }
  return budget + 1;
}

/**
 * The mean over trials 1..upTo of the best-so-far as a fraction of `bestKnown` (0 before the first working
 * config; a run shorter than `upTo` keeps its last best): the area under the normalised best-so-far curve. Unlike
 * the trials to a threshold it does not jump when a plateau sits just under the threshold.
 */
export function meanBestSoFar(perTrial: readonly (number | null)[], bestKnown: number, upTo: number): number {
  if (!(bestKnown > 0)) throw new RangeError(`bestKnown must be a positive GFLOP/s, got ${bestKnown}`);
  if (!(Number.isSafeInteger(upTo) && upTo >= 1)) throw new RangeError(`upTo must be a positive integer, got ${upTo}`);
  let best = 0,
    sum = 0;
  for (let t = 0; t < upTo; t++) {
    const g = t < perTrial.length ? perTrial[t] : null;
    if (g !== null && g > best) best = g;
    sum += best / bestKnown;
  }
  return sum / upTo;
}
