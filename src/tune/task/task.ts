/**
 * A tuning task: a workload with its schedule space and its code generator, the unit every strategy, the
 * measurer and the records work with. Configs travel as integer indices of the space.
 */
import { gemmSource } from '../codegen/gemm_c.js';
import { GemmSpace } from '../space/gemm_space.js';
import { hostTarget, type Target } from '../space/target.js';
import { canonicalSpec, parseSpec, workloadBytes, workloadFlops, type Workload } from './spec.js';

export interface TuningTask {
  workload: Workload;
  /** The canonical spec: the records' key. */
  spec: string;
  space: GemmSpace;
  /** Names the space and its version for records (configs of another space version are other configs). */
  spaceId: string;
  flops: number;
  bytes: number;
  /** The generated C of config `index`. */
  source(index: number): string;
  /** The config's JSON form. */
  configJSON(index: number): Record<string, number>;
}

export const GEMM_SPACE_VERSION = 1;

export function createTask(specOrWorkload: string | Workload, target: Target = hostTarget()): TuningTask {
  const w = typeof specOrWorkload === 'string' ? parseSpec(specOrWorkload) : specOrWorkload;
  if (w.op !== 'gemm' && w.op !== 'bmm') throw new RangeError(`tuning ${w.op} is not implemented yet; gemm and bmm are (spec ${canonicalSpec(w)})`);
  const space = new GemmSpace(target, w.threads);
  return {
    workload: w, spec: canonicalSpec(w), space, spaceId: `gemm-v${GEMM_SPACE_VERSION}/${target.isa}`, // bmm runs the GEMM space per batch
    flops: workloadFlops(w), bytes: workloadBytes(w),
    source: (i) => gemmSource(w, space.config(i), space),
    configJSON: (i) => ({ ...space.config(i) }),
  };
}
