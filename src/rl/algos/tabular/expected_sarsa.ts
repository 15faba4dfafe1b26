/**
 * Expected SARSA (van Seijen et al. 2009; Sutton & Barto, section 6.6): SARSA's target with the next action
 * averaged out under the epsilon-greedy policy, which removes the variance of drawing a':
 *
 *   Q(s,a) <- Q(s,a) + alpha [r + gamma sum_a' pi(a'|s') Q(s',a') (1 - terminated) - Q(s,a)]
 *   pi(a'|s') = epsilon / |A| + (1 - epsilon) [a' greedy] / |greedy actions|
 *
 * See td_control.ts for the loop, schedules, truncation and action masks.
 */
import type { EnvSource } from '../../core/registry.js';
import { TDControl, type TDOptions } from './td_control.js';

export class ExpectedSARSA extends TDControl {
  constructor(source: EnvSource, config: TDOptions = {}) {
    super('expected-sarsa', source, config);
  }

  protected nextValue(s2: number, mask: Uint8Array | null): number {
    return this.expectedQ(s2, mask);
  }
}
