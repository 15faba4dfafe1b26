/**
 * The settings of the policy algorithms on ScheduleConstruct-v0, one set for policy training (policy_train.ts) and
 * for the RL tuner (policy_tuner.ts), so that a pretrained policy goes on learning in a tuning run as it was
 * trained. An episode has one step per knob of the space.
 */

/** GRPO: 4 prompts of 8 episodes per iteration, 4 epochs over minibatches of 8 episodes. */
export const SCHEDULE_GRPO = {
  groupSize: 8,
  promptsPerIteration: 4,
  updateEpochs: 4,
  minibatchSize: 8,
  lr: 3e-3,
  klCoef: 0.04,
} as const;

/** PPO for a space of `knobs` knobs: rollouts of 8 episodes per env, undiscounted returns (the reward is at the end). */
export function schedulePpo(knobs: number) {
  return {
    nEnvs: 4,
    nSteps: 8 * knobs,
    nMinibatches: 4,
    nEpochs: 4,
    lr: 3e-3,
    lrSchedule: 'constant' as const,
    gamma: 1,
    gaeLambda: 1,
    entCoef: 0.01,
  };
}
