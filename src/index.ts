/** RLTune: the RL toolkit (`rltune/rl`) and, in later versions, the tensor-program auto-tuner. */
export * from './rl/index.js';
export { VERSION } from './version.js';
