/**
 * Why a shape of bench/tune/gemm is where it is: what the best kernel's inner loop issues (compiled assembly), its
 * tiles against the shape (edge tiles, padding), the analytic model's share of packing, and the fraction of the
 * probed peak or of the measured read bandwidth. One sentence per shape, in the report.
 */
import { innerLoop } from '../../src/tune/codegen/inspect_asm.js';
import { analytic } from '../../src/tune/cost/analytic.js';
import type { CostMachine } from '../../src/tune/cost/features.js';
import type { GemmConfig } from '../../src/tune/space/gemm_space.js';
import { targetCFlags } from '../../src/tune/space/target.js';
import type { TuningTask } from '../../src/tune/task/task.js';

export interface Diagnosis {
  inner_loop: { fmas: number; loads_per_fma: number; prefetches: number; registers: number; spills: boolean } | null;
  tile: string;
  edge_rows: number;
  edge_columns: number;
  analytic_pack_share: number;
  text: string;
}

export function diagnose(
  task: TuningTask,
  index: number,
  source: string,
  m: CostMachine,
  fraction: { of: 'peak' | 'bandwidth'; value: number },
): Diagnosis {
  const c = task.space.config(index) as GemmConfig;
  const w = task.workload as { M: number; N: number };
  const NR = c.nv * task.space.target.lanes;
  const loop = innerLoop(source, targetCFlags(task.space.target));
  const a = analytic(task, index, m);
  const edgeRows = w.M % c.mr,
    edgeCols = w.N % NR;
  const parts = [
    `${(100 * fraction.value).toFixed(0)}% of the ${fraction.of === 'peak' ? 'probed FMA peak' : 'measured read bandwidth for B'}`,
    `tile ${c.mr}x${NR} (${c.mr * c.nv} accumulators${c.bcast ? ', broadcast in the FMA' : ''})`,
  ];
  if (loop)
    parts.push(
      `inner loop ${(loop.loads / Math.max(loop.fmas, 1)).toFixed(2)} loads per FMA, ${loop.registers} registers, ${loop.stackAccess ? 'SPILLS' : 'no spills'}`,
    );
  if (edgeRows || edgeCols)
    parts.push(
      `edge tiles: ${edgeRows ? `${edgeRows} of ${c.mr} rows` : ''}${edgeRows && edgeCols ? ', ' : ''}${edgeCols ? `${edgeCols} of ${NR} columns` : ''}`,
    );
  parts.push(`packing ~${(100 * a.packShare).toFixed(0)}% of the time (analytic model, packB ${c.packB})`);
  return {
    inner_loop: loop
      ? {
          fmas: loop.fmas,
          loads_per_fma: Number((loop.loads / Math.max(loop.fmas, 1)).toFixed(3)),
          prefetches: loop.prefetches,
          registers: loop.registers,
          spills: loop.stackAccess,
        }
      : null,
    tile: `${c.mr}x${NR}`,
    edge_rows: edgeRows,
    edge_columns: edgeCols,
    analytic_pack_share: Number(a.packShare.toFixed(3)),
    text: parts.join('; '),
  };
}
