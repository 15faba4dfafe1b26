/**
 * The toy-text reference environments: small tabular MDPs that expose their transition table `P`; and
 * SequenceMatch, a small sequence-generation task (Box observation) with an outcome-only reward.
 */
export { FrozenLakeEnv, FROZEN_LAKE_MAPS, generateRandomMap } from './frozen_lake.js';
export { CliffWalkingEnv } from './cliff_walking.js';
export { TaxiEnv, encodeTaxiState, decodeTaxiState } from './taxi.js';
export { sampleCategorical, sampleOutcome } from './discrete_env.js';
export { SequenceMatchEnv } from './sequence_match.js';
