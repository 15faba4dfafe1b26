/**
 * The s' of each env's transition from a same-step autoreset vector env step. That env returns, for an env
 * whose episode ended, the first observation of its next episode in `obs` and the episode's last one in
 * `info.final_obs[i]` (masked by `info._final_obs`). A replay buffer needs the last one: the bootstrap of a
 * truncated transition is V(final observation), never V(first observation of the next episode).
 *
 * (With next-step autoreset the ending step already returns the final observation, but the following step is a
 * reset step whose transition must not be stored; same-step autoreset avoids that case.)
 */
import type { VectorInfo } from '../../vector/vector_env.js';

/**
 * Writes obs with each ended env's row replaced by its final observation into `out` (numEnvs x obsDim) and returns it.
 */
export function nextObservations(
  obs: ArrayLike<number>,
  info: VectorInfo,
  obsDim: number,
  out: Float32Array,
): Float32Array {
  if (obs.length !== out.length)
    throw new RangeError(`nextObservations: obs has ${obs.length} numbers, out has ${out.length}`);
  for (let k = 0; k < obs.length; k++) out[k] = obs[k];
  const mask = info._final_obs as ArrayLike<number> | undefined;
  const finals = info.final_obs as ArrayLike<ArrayLike<number> | null> | undefined;
  if (!mask || !finals) return out;
  const n = out.length / obsDim;
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const f = finals[i];
    if (!f || f.length !== obsDim)
      throw new RangeError(
        `nextObservations: final observation of env ${i} has ${f?.length ?? 'no'} numbers, expected ${obsDim}`,
      );
    for (let d = 0; d < obsDim; d++) out[i * obsDim + d] = f[d];
  }
  return out;
}
