/**
 * RolloutBuffer: what an on-policy method collects in T steps of N envs, in typed arrays indexed [t * N + i],
 * and Generalized Advantage Estimation over it (Schulman et al. 2016):
 *   delta_t = r_t + gamma V(s_{t+1}) (1 - done_t) - V(s_t)
 *   A_t = delta_t + gamma lambda (1 - done_t) A_{t+1},    R_t = A_t + V(s_t)
 * `done_t` cuts the chain at every episode end (terminated or truncated, since with same-step autoreset the
 * next stored observation belongs to a new episode). Truncation is not termination: the collector adds
 * gamma V(final observation) to the reward of a truncated step, so the cut episode is still bootstrapped.
 */
export class RolloutBuffer {
  readonly obs: Float32Array;
  /** Discrete actions as integers, continuous ones as actDim floats per step. */
  readonly actions: Float32Array;
  readonly logprobs: Float32Array;
  readonly rewards: Float32Array;
  readonly dones: Uint8Array;
  readonly values: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  /** Action masks (numActions per step) when the env provides them. */
  readonly masks: Uint8Array | null;
  readonly size: number;

  constructor(
    readonly steps: number,
    readonly numEnvs: number,
    readonly obsDim: number,
    readonly actDim: number,
    numActionsForMask = 0,
  ) {
    const n = steps * numEnvs;
    this.size = n;
    this.obs = new Float32Array(n * obsDim);
    this.actions = new Float32Array(n * actDim);
    this.logprobs = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.dones = new Uint8Array(n);
    this.values = new Float32Array(n);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
    this.masks = numActionsForMask > 0 ? new Uint8Array(n * numActionsForMask).fill(1) : null;
  }

  /** GAE(lambda) given V(s_T) for the observation after the last step (`lastValues`, one per env). */
  computeAdvantages(lastValues: Float32Array, gamma: number, lambda: number): void {
    const N = this.numEnvs;
    for (let i = 0; i < N; i++) {
      let next = lastValues[i],
        adv = 0;
      for (let t = this.steps - 1; t >= 0; t--) {
        const k = t * N + i;
        const notDone = this.dones[k] ? 0 : 1;
        const delta = this.rewards[k] + gamma * next * notDone - this.values[k];
        adv = delta + gamma * lambda * notDone * adv;
        this.advantages[k] = adv;
        this.returns[k] = adv + this.values[k];
        next = this.values[k];
      }
    }
  }
}
