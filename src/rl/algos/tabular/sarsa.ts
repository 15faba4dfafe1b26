/**
 * SARSA (Rummery & Niranjan 1994; Sutton & Barto, section 6.4): on-policy TD control. The target uses the
 * action a' that the agent actually takes next, drawn epsilon-greedily from Q(s', .) before the update:
 *
 *   a' ~ epsilon-greedy(Q(s', .))
 *   Q(s,a) <- Q(s,a) + alpha [r + gamma Q(s',a') (1 - terminated) - Q(s,a)]
 *
 * a' is then taken at the next step. On a truncation the episode ends: a' is drawn for the bootstrap (a sample of
 * the policy's value at s') and never taken. See td_control.ts for the loop, schedules and action masks.
 */
import type { EnvSource } from '../../core/registry.js';
import { TDControl, type TDOptions } from './td_control.js';

export class SARSA extends TDControl {
  constructor(source: EnvSource, config: TDOptions = {}) {
    super('sarsa', source, config);
  }

  /** Draws a' epsilon-greedily (taken at the next step) and bootstraps on Q(s', a'). */
  protected nextValue(s2: number, mask: Uint8Array | null): number {
    const a2 = this.epsilonGreedy(s2, mask);
    this.nextAction = a2;
    return this.Q[s2 * this.nA + a2];
  }
}
