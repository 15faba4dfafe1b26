/**
 * Q-learning (Watkins 1989; Sutton & Barto, section 6.5): off-policy TD control. The agent behaves
 * epsilon-greedily and learns the greedy policy's values:
 *
 *   Q(s,a) <- Q(s,a) + alpha [r + gamma max_a' Q(s',a') (1 - terminated) - Q(s,a)]
 *
 * See td_control.ts for the loop, schedules, truncation and action masks.
 */
import type { EnvSource } from '../../core/registry.js';
import { TDControl, type TDOptions } from './td_control.js';

export class QLearning extends TDControl {
  constructor(source: EnvSource, config: TDOptions = {}) {
    super('q-learning', source, config);
  }

  protected nextValue(s2: number, mask: Uint8Array | null): number {
    return this.maxQ(s2, mask);
  }
}
