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

  protected tdUpdate(
    s: number,
    a: number,
    r: number,
    s2: number,
    terminated: boolean,
    nextMask: Uint8Array | null,
  ): number {
    let target = r;
    if (!terminated) {
      const a2 = this.epsilonGreedy(s2, nextMask);
      this.nextAction = a2;
      target += this.cfg.gamma * this.Q[s2 * this.nA + a2];
    }
    const i = s * this.nA + a;
    const delta = target - this.Q[i];
    this.Q[i] += this.alpha * delta;
    return delta;
  }
}
