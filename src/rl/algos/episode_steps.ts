/**
 * The steps of whole episodes, one episode after the other, in growable typed arrays (observation, discrete
 * action, action mask per step): what an episode-based method such as GRPO collects in an iteration.
 */

/** The steps of the iteration's episodes, one after the other, in growable typed arrays. */
export class StepStore {
  obs: Float32Array;
  actions: Int32Array;
  masks: Uint8Array;
  size = 0;

  constructor(
    readonly obsDim: number,
    readonly nAct: number,
    capacity = 256,
  ) {
    this.obs = new Float32Array(capacity * obsDim);
    this.actions = new Int32Array(capacity);
    this.masks = new Uint8Array(capacity * nAct);
  }

  push(obs: Float32Array, action: number, mask: Uint8Array): void {
    if (this.size === this.actions.length) {
      const grow = <T extends Float32Array | Int32Array | Uint8Array>(a: T, Ctor: new (n: number) => T): T => {
        const b = new Ctor(a.length * 2);
        b.set(a);
        return b;
      };
      this.obs = grow(this.obs, Float32Array);
      this.actions = grow(this.actions, Int32Array);
      this.masks = grow(this.masks, Uint8Array);
    }
    this.obs.set(obs, this.size * this.obsDim);
    this.actions[this.size] = action;
    this.masks.set(mask, this.size * this.nAct);
    this.size++;
  }
}
