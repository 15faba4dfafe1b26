/**
 * RLTune: the RL toolkit (also `rltune/rl`). The tensor-program auto-tuner is used through the `rltune` command
 * (`rltune tune op`, `rltune records`, `rltune best`, `rltune export`...); it has no module export.
 */
export * from './rl/index.js';
export { VERSION } from './version.js';
