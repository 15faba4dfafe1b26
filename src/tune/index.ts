/**
 * RLTune's kernel tuner (`rltune/tune`): a TuningSession wires the records, the machine probe, the cost model's
 * prior, a strategy and the tuning loop; the pieces below are for callers that assemble their own.
 */
export {
  TuningSession,
  disposeTuner,
  type SessionOptions,
  type SessionTuneOptions,
  type SessionTuneResult,
} from './session.js';
export { createTask, referenceConfig, type TuningTask } from './task/task.js';
export {
  parseSpec,
  canonicalSpec,
  workloadFlops,
  workloadBytes,
  SpecError,
  OPERATORS,
  type Workload,
} from './task/spec.js';
export { MODEL_PRESETS, type ModelPreset } from './task/presets.js';
export { tune, type TuneOptions, type TuneProgress, type TuneResult } from './search/loop.js';
export { STRATEGIES, MODEL_BASED, createTuner } from './search/registry.js';
export type { Tuner, TunerContext, TunerFactory, TrialMeasurer } from './search/tuner.js';
export { Measurer, type MeasureResult, type MeasurerOptions } from './measure/measurer.js';
export { RecordsDB, TIMINGS, type Timing, type ResultRow, type MachineInfo } from './records/db.js';
export { exportKernel, type ExportResult } from './export.js';
export {
  verifyExport,
  ExportDamagedError,
  EXPORT_FORMAT,
  EXPORT_VERSION,
  type ExportManifest,
} from './export_manifest.js';
