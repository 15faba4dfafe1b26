/**
 * A tuning task: a workload with its schedule space and its code generator, the unit every strategy, the
 * measurer and the records work with. Configs travel as integer indices of the space.
 */
import { gemmSource } from '../codegen/gemm_c.js';
import { rowSource } from '../codegen/rowops_c.js';
import { GemmSpace } from '../space/gemm_space.js';
import { RowSpace } from '../space/row_space.js';
import type { ScheduleSpace } from '../space/space.js';
import { hostTarget, type Target } from '../space/target.js';
import { canonicalSpec, parseSpec, workloadBytes, workloadFlops, type Workload } from './spec.js';

export interface TuningTask {
  workload: Workload;
  /** The canonical spec: the records' key. */
  spec: string;
  space: ScheduleSpace;
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
export const ROW_SPACE_VERSION = 1;

export function createTask(specOrWorkload: string | Workload, target: Target = hostTarget()): TuningTask {
  const w = typeof specOrWorkload === 'string' ? parseSpec(specOrWorkload) : specOrWorkload;
  const common = { workload: w, spec: canonicalSpec(w), flops: workloadFlops(w), bytes: workloadBytes(w) };
  if (w.op === 'gemm' || w.op === 'bmm') {
    // bmm runs the GEMM space and generator once per batch.
    const space = new GemmSpace(target, w.threads);
    return {
      ...common,
      space,
      spaceId: `gemm-v${GEMM_SPACE_VERSION}/${target.isa}`,
      source: (i) => gemmSource(w, space.config(i), space),
      configJSON: (i) => ({ ...space.config(i) }),
    };
  }
  const space = new RowSpace(target, w.op);
  return {
    ...common,
    space,
    spaceId: `row-v${ROW_SPACE_VERSION}/${target.isa}`,
    source: (i) => rowSource(w, space.config(i), space),
    configJSON: (i) => ({ ...space.config(i) }),
  };
}

/**
 * The reference config of a task: a middle-of-the-road BLIS blocking, or one accumulator. The RL envs' rewards
 * are speedups over it, and paired timing (RunSettings.paired) times every kernel against it (bench/measure/noise
 * compared it with a register-blocked reference: it was the steadier of the two).
 */
export function referenceConfig(task: TuningTask): number {
  const s = task.space;
  if (task.workload.op === 'gemm' || task.workload.op === 'bmm') {
    return s.index(
      s.fromJSON({
        mr: 4,
        nv: 1,
        kc: 128,
        mcPanels: 8,
        ncPanels: 16,
        unroll: 1,
        prefetch: 0,
        loopOrder: 0,
        innerOrder: 0,
      }),
    );
  }
  return s.index(s.fromJSON({ accs: 1, algo: 0 }));
}
