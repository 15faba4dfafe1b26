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

/** 2: micro-kernels in assembly, edge-tile kernels, and the bcast, pipeline, packB and par knobs. */
export const GEMM_SPACE_VERSION = 2;
export const ROW_SPACE_VERSION = 1;

export interface TaskOptions {
  /** The GEMM space version (default GEMM_SPACE_VERSION); 1 replays records of version 1. */
  gemmSpaceVersion?: 1 | 2;
}

let defaultGemmSpace: 1 | 2 = GEMM_SPACE_VERSION;

/**
 * The GEMM space version createTask uses when its options do not say: a process that replays results recorded in
 * space version 1 (bench/tuners/replay runs compare.ts with --gemm-space 1) sets it once, before it creates any task.
 */
export function useGemmSpaceVersion(v: number): void {
  if (v !== 1 && v !== 2) throw new RangeError(`the GEMM space version must be 1 or 2, got ${v}`);
  defaultGemmSpace = v;
}

export function createTask(
  specOrWorkload: string | Workload,
  target: Target = hostTarget(),
  opts: TaskOptions = {},
): TuningTask {
  const w = typeof specOrWorkload === 'string' ? parseSpec(specOrWorkload) : specOrWorkload;
  const common = { workload: w, spec: canonicalSpec(w), flops: workloadFlops(w), bytes: workloadBytes(w) };
  if (w.op === 'gemm' || w.op === 'bmm') {
    // bmm runs the GEMM space and generator once per batch.
    const version = opts.gemmSpaceVersion ?? defaultGemmSpace;
    const space = new GemmSpace(target, w.threads, w.op === 'bmm' && w.transB === 1, version);
    return {
      ...common,
      space,
      spaceId: `gemm-v${version}/${target.isa}`,
      source: (i) => gemmSource(w, space.config(i), space),
      configJSON: (i) => space.json(space.config(i)),
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
        bcast: 0,
        pipeline: 0,
        packB: 0,
        par: 0,
      }),
    );
  }
  return s.index(s.fromJSON({ accs: 1, algo: 0 }));
}
