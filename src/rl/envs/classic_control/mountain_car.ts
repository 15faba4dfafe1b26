import { Env, type HasState, type ResetOptions, type ResetResult, type StepResult } from '../../core/env.js';
import { parseKwargs, renderModeKwarg, type KwargSpec } from '../../core/kwargs.js';
import { describe } from '../../core/rng.js';
import { Box, Discrete } from '../../core/spaces/index.js';
import { checkState, describeCar, resetBounds } from './utils.js';

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
/** Velocity change per step of a full push. */
const FORCE = 0.001;
const GRAVITY = 0.0025;

const SCHEMA = {
  renderMode: renderModeKwarg,
  /** The car must also reach at least this velocity at the goal position. */
  goalVelocity: { type: 'number', default: 0 } as KwargSpec<number>,
};

/**
 * MountainCar: drive an under-powered car out of a sinusoidal valley to the flag on the right hill (Moore, 1990).
 * The car cannot climb directly: it has to swing back and forth to build up momentum.
 *
 * - Observation space: `Box([-1.2, -0.07], [0.6, 0.07], (2,), float32)`: position (m), velocity (m/step).
 * - Action space: `Discrete(3)`: 0 accelerate left, 1 do not accelerate, 2 accelerate right.
 * - Dynamics, with force = 0.001 and gravity = 0.0025:
 *     v' = clip(v + (action - 1) force - cos(3 p) gravity, -0.07, 0.07)
 *     p' = clip(p + v', -1.2, 0.6)
 *   and the collision with the left wall is inelastic: v' = 0 when p' = -1.2 and v' < 0.
 * - Reward: -1 per step.
 * - Start state: position uniform in [-0.6, -0.4] (`reset({options: {low, high}})` changes the range),
 *   velocity 0.
 * - Episode end: terminated when p >= 0.5 and v >= goalVelocity; the registration truncates at 200 steps
 *   (a TimeLimit wrapper, not this class).
 *
 * Arguments: `goalVelocity` (0), `renderMode` ('ansi' or null).
 * State (`getState`/`setState`): `[position, velocity]`, float64.
 * Reference: Gymnasium 1.4.0 `MountainCarEnv` (MountainCar-v0).
 */
export class MountainCarEnv extends Env<Float32Array, number> implements HasState {
  override metadata = { renderModes: ['ansi'], renderFps: 30 };
  readonly observationSpace = new Box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]);
  readonly actionSpace = new Discrete(3);
  readonly goalVelocity: number;
  /** `[position, velocity]`. */
  private readonly state = new Float64Array(2);
  private hasState = false;

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('MountainCarEnv', SCHEMA, kwargs);
    this.goalVelocity = k.goalVelocity;
    this.setRenderMode(k.renderMode);
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    const [low, high] = resetBounds('MountainCarEnv', opts.options, -0.6, -0.4);
    this.state[0] = this.rng.uniform(low, high);
    this.state[1] = 0;
    this.hasState = true;
    return { obs: Float32Array.from(this.state), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1 && action !== 2) {
      throw new TypeError(`MountainCarEnv.step: action must be 0, 1 or 2, got ${describe(action)}`);
    }
    if (!this.hasState) throw new Error('MountainCarEnv.step: call reset() (or setState()) before step()');
    let position = this.state[0];
    let velocity = this.state[1];
    velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = Math.min(Math.max(velocity, -MAX_SPEED), MAX_SPEED);
    position += velocity;
    position = Math.min(Math.max(position, MIN_POSITION), MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
    this.state[0] = position;
    this.state[1] = velocity;
    const obs = new Float32Array(2);
    obs[0] = position;
    obs[1] = velocity;
    return { obs, reward: -1.0, terminated, truncated: false, info: {} };
  }

  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  setState(state: ArrayLike<number>): void {
    checkState('MountainCarEnv', state, '[position, velocity]', 2);
    this.state[0] = state[0];
    this.state[1] = state[1];
    this.hasState = true;
  }

  /** One line: position, velocity, and how far the car is from the goal. */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    if (!this.hasState) return 'MountainCar: not reset\n';
    return describeCar('MountainCar', this.state[0], this.state[1], GOAL_POSITION, MIN_POSITION, MAX_POSITION);
  }
}
