/** Exhaustive search in index order (for small spaces): every valid config once, then nothing. */
import type { MeasureResult } from '../../measure/measurer.js';
import type { TuningTask } from '../../task/task.js';
import type { Tuner } from '../tuner.js';

export class GridTuner implements Tuner {
  readonly name = 'grid';
  private next = 0;

  constructor(
    private readonly task: TuningTask,
    _seed: number,
  ) {}

  propose(n: number): number[] {
    const space = this.task.space,
      out: number[] = [];
    while (out.length < n && this.next < space.size) {
      const i = this.next++;
      if (space.isValid(space.config(i))) out.push(i);
    }
    return out;
  }

  update(_results: MeasureResult[]): void {}
}
