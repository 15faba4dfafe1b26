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

  protected tdUpdate(
    s: number,
    a: number,
    r: number,
    s2: number,
    terminated: boolean,
    nextMask: Uint8Array | null,
  ): number {
    const target = r + (terminated ? 0 : this.cfg.gamma * this.expectedQ(s2, nextMask));
    const i = s * this.nA + a;
    const delta = target - this.Q[i];
    this.Q[i] += this.alpha * delta;
    return delta;
  }
}
