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

  protected tdUpdate(
    s: number,
    a: number,
    r: number,
    s2: number,
    terminated: boolean,
    nextMask: Uint8Array | null,
  ): number {
    const target = r + (terminated ? 0 : this.cfg.gamma * this.maxQ(s2, nextMask));
    const i = s * this.nA + a;
    const delta = target - this.Q[i];
    this.Q[i] += this.alpha * delta;
    return delta;
  }
}
