/**
 * Random search without replacement: the brute-force sampling baseline. Indices are drawn uniformly from the
 * space with the run's seeded generator; invalid configs are skipped without counting, and an index is never
 * proposed twice. After many rejections in a row (a mostly explored or mostly invalid space) it falls back to
 * a scan from a random offset, so that it still ends.
 */
import { Rng } from '../../../rl/core/rng.js';
import type { MeasureResult } from '../../measure/measurer.js';
import type { TuningTask } from '../../task/task.js';
import type { Tuner } from '../tuner.js';

export class RandomTuner implements Tuner {
  readonly name = 'random';
  private readonly rng: Rng;
  private readonly seen = new Set<number>();
  private scanFrom = -1;
  private scanned = 0;

  constructor(
    private readonly task: TuningTask,
    seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  propose(n: number): number[] {
    const space = this.task.space,
      out: number[] = [];
    let misses = 0;
    while (out.length < n) {
      let i: number;
      if (this.scanFrom < 0 && misses < 10_000) {
        i = this.rng.below(space.size);
      } else {
        if (this.scanFrom < 0) this.scanFrom = this.rng.below(space.size);
        if (this.scanned >= space.size) break;
        i = (this.scanFrom + this.scanned++) % space.size;
      }
      if (this.seen.has(i)) {
        misses++;
        continue;
      }
      this.seen.add(i);
      if (!space.isValid(space.config(i))) {
        misses++;
        continue;
      }
      misses = 0;
      out.push(i);
    }
    return out;
  }

  update(_results: MeasureResult[]): void {}
}
