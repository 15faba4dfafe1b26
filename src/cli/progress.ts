/**
 * Training progress on stderr: a redrawn bar on a TTY, a plain line every few seconds otherwise.
 */
import type { Callback } from '../rl/train/callbacks.js';
import type { TrainContext } from '../rl/train/context.js';

export class ProgressReporter implements Callback {
  private lastLine = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly everyMs = 5000,
  ) {}

  private text(ctx: TrainContext): string {
    const secs = (performance.now() - ctx.startTime) / 1000;
    const done = ctx.numTimesteps - ctx.startTimesteps;
    const sps = done / Math.max(secs, 1e-9);
    const last = ctx.recentReturns.slice(-20);
    const ret = last.length ? (last.reduce((a, b) => a + b, 0) / last.length).toFixed(2) : '-';
    return `${ctx.numTimesteps}/${ctx.totalSteps} steps  ${Math.round(sps)} steps/s  return(20) ${ret}  episodes ${ctx.episodes}  ${secs.toFixed(1)} s`;
  }

  onIterationEnd(ctx: TrainContext): void {
    if (this.stream.isTTY) {
      const frac = Math.min(1, ctx.numTimesteps / Math.max(1, ctx.totalSteps));
      const width = 24;
      const filled = Math.round(frac * width);
      this.stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.text(ctx)}\x1b[K`);
      return;
    }
    const now = performance.now();
    if (now - this.lastLine >= this.everyMs) {
      this.lastLine = now;
      this.stream.write(this.text(ctx) + '\n');
    }
  }

  onTrainingEnd(ctx: TrainContext): void {
    if (this.stream.isTTY) this.stream.write(`\r${this.text(ctx)}\x1b[K\n`);
  }
}
