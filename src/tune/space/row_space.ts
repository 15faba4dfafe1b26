/**
 * The schedule space of the row operators (softmax, LayerNorm, RMSNorm): each row of `cols` floats is reduced
 * and rewritten, so the choices are how the reductions use the vector unit and how many passes read the row.
 *   accs  independent vector accumulators per reduction (hides the add/max latency; 1, 2, 4 or 8)
 *   algo  softmax: 0 three passes (max; exp and sum; scale), 1 online softmax (running max and rescaled sum in
 *         one pass, then exp and scale); layernorm: 0 two passes (mean, then the variance of x - mean), 1 one pass
 *         (sum and sum of squares); rmsnorm has one algorithm (algo 1 is invalid for it).
 * Rows are split across threads (OpenMP) when the workload has threads > 1.
 */
import type { RowWorkload } from '../task/spec.js';
import { KnobSpace, type Knob, type ScheduleSpace } from './space.js';
import type { Target } from './target.js';

export interface RowConfig {
  accs: number;
  algo: number;
}

export const ROW_KNOBS: Knob[] = [
  { name: 'accs', values: [1, 2, 4, 8], doc: 'independent vector accumulators per reduction' },
  {
    name: 'algo',
    values: [0, 1],
    doc: 'softmax: 0 three-pass, 1 online; layernorm: 0 two-pass, 1 one-pass; rmsnorm: 0',
  },
];

export class RowSpace extends KnobSpace<RowConfig> implements ScheduleSpace<RowConfig> {
  constructor(
    readonly target: Target,
    readonly op: RowWorkload['op'],
  ) {
    super(ROW_KNOBS, op);
  }

  invalidReason(c: RowConfig): string | null {
    if (this.op === 'rmsnorm' && c.algo !== 0) return 'rmsnorm has one algorithm (algo 0)';
    return null;
  }

  isValid(c: RowConfig): boolean {
    return this.invalidReason(c) === null;
  }
}
