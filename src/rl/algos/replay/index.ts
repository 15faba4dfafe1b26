/** Replay buffers for the off-policy algorithms: uniform ring buffer, n-step returns, prioritized replay. */
export { ReplayBuffer, type ReplayBufferOptions } from './ring_buffer.js';
export { ReplaySample, TransitionBatch, type Transitions } from './transitions.js';
export {
  META as REPLAY_META,
  REPLAY_LAYOUT_VERSION,
  REPLAY_KIND_UNIFORM,
  REPLAY_KIND_PRIORITIZED,
} from './replay_layout.js';
export { NStepAccumulator, NStepCollector, type NStepCollectorOptions } from './n_step.js';
export { SumTree, MinTree } from './sum_tree.js';
export { PrioritizedReplayBuffer, annealedBeta, type PrioritizedReplayOptions } from './prioritized.js';
export { nextObservations } from './next_obs.js';
