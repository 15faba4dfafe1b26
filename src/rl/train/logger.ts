/**
 * Logger: one JSON object per line (JSONL) per event, appended to `<runDir>/log.jsonl`. Every record has
 * `event` (e.g. 'episode', 'update', 'eval', 'checkpoint'), `step` (env steps so far) and `time_s` (seconds
 * since learning started); the rest depends on the event. A logger without a directory keeps records in
 * memory only (`records`), which tests and short runs use.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { noRoom } from './no_room.js';
import { join } from 'node:path';

export type LogRecord = { event: string; step: number; time_s: number } & Record<string, unknown>;

export class Logger {
  readonly file: string | null;
  /** The last records (all of them when there is no file; the last 1000 otherwise). */
  readonly records: LogRecord[] = [];
  private readonly keep: number;

  constructor(runDir: string | null = null) {
    if (runDir !== null) {
      mkdirSync(runDir, { recursive: true });
      this.file = join(runDir, 'log.jsonl');
      this.keep = 1000;
    } else {
      this.file = null;
      this.keep = Infinity;
    }
  }

  log(record: LogRecord): void {
    this.records.push(record);
    if (this.records.length > this.keep) this.records.shift();
    if (this.file === null) return;
    try {
      appendFileSync(this.file, JSON.stringify(record, finite) + '\n');
    } catch (err) {
      throw noRoom(err, `to the log ${this.file}`) ?? err;
    }
  }
}

/** JSON has no NaN/Infinity: write them as strings so a record is never lost. */
function finite(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}
