/**
 * A measurement's result (ARCHITECTURE.md): {config, ok, ms: {median, min, max, runs}, gflops, error?: {kind,
 * message}}, plus the config's JSON, whether it came from the records, and the record's id.
 */
import type { ErrorKind } from './runner.js';

export interface MeasureResult {
  config: number;
  configJSON: Record<string, number>;
  ok: boolean;
  ms: { median: number; min: number; max: number; runs: number } | null;
  gflops: number | null;
  error?: { kind: ErrorKind; message: string };
  /** Served from the records instead of measured. */
  cached: boolean;
  recordId: number | null;
}
