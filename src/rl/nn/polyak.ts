/**
 * Polyak averaging of target networks (DDPG, TD3, SAC; DQN's soft updates):
 *   theta_targ <- tau theta + (1 - tau) theta_targ
 * In C when the native addon is built (float32 arithmetic), else in TypeScript; tau = 1 copies.
 */
import { nativeAvailable, nativePolyak } from './native_mlp.js';

export function polyakUpdate(target: Float32Array, source: Float32Array, tau: number): void {
  if (target.length !== source.length)
    throw new RangeError(`polyakUpdate: target has ${target.length} numbers, source ${source.length}`);
  if (tau === 1) {
    target.set(source);
    return;
  }
  if (nativeAvailable()) {
    nativePolyak(target, source, tau);
    return;
  }
  const keep = 1 - tau;
  for (let k = 0; k < source.length; k++) target[k] = tau * source[k] + keep * target[k];
}
