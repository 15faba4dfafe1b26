/**
 * RecordEpisodeStatistics: at the end of each episode puts `info.episode = {r, l, t}` (return, length,
 * seconds since the episode's reset) into the step's info, and keeps the last `bufferLength` returns,
 * lengths and times in `returnQueue`, `lengthQueue` and `timeQueue`.
 */
import type { Env, ResetOptions, ResetResult, StepResult } from '../core/env.js';
import { Wrapper } from './wrapper.js';

export interface EpisodeStats {
  /** Undiscounted return. */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall time in seconds. */
  t: number;
}

export class RecordEpisodeStatistics<O, A> extends Wrapper<O, A> {
  readonly bufferLength: number;
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  episodeCount = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private episodeStart = 0;

  constructor(env: Env<O, A>, bufferLength = 100) {
    super(env);
    this.bufferLength = bufferLength;
  }

  override reset(opts: ResetOptions = {}): ResetResult<O> {
    const r = this.env.reset(opts);
    this.episodeReturn = 0;
    this.episodeLength = 0;
    this.episodeStart = performance.now();
    return r;
  }

  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength += 1;
    if (r.terminated || r.truncated) {
      if ('episode' in r.info) {
        throw new Error(
          'RecordEpisodeStatistics: the step info already has an "episode" key (is this wrapper applied twice?)',
        );
      }
      const t = Math.round(performance.now() - this.episodeStart) / 1000;
      const stats: EpisodeStats = { r: this.episodeReturn, l: this.episodeLength, t };
      r.info = { ...r.info, episode: stats };
      this.episodeCount++;
      push(this.returnQueue, stats.r, this.bufferLength);
      push(this.lengthQueue, stats.l, this.bufferLength);
      push(this.timeQueue, stats.t, this.bufferLength);
    }
    return r;
  }
}

function push(q: number[], v: number, max: number): void {
  q.push(v);
  if (q.length > max) q.shift();
}
