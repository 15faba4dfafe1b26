import { Env, type HasState, type ResetOptions, type ResetResult, type StepResult } from '../../core/env.js';
import { numpyPromotionKwarg, parseKwargs, renderModeKwarg, type KwargSpec } from '../../core/kwargs.js';
import { Box } from '../../core/spaces/index.js';
import { checkState, describeCar, readAction, resetBounds, type ContinuousAction } from './utils.js';

/** What `step` accepts: the action vector of shape (1,), or its one number. */
export type { ContinuousAction };

const MIN_ACTION = -1.0;
const MAX_ACTION = 1.0;
const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
/** 0.5 in the discrete MountainCar. */
const GOAL_POSITION = 0.45;
/** Velocity change per step per unit of force. */
const POWER = 0.0015;
const GRAVITY = 0.0025;
const F32_POWER = Math.fround(POWER);

const SCHEMA = {
  renderMode: renderModeKwarg,
  /** The car must also reach at least this velocity at the goal position. */
  goalVelocity: { type: 'number', default: 0 } as KwargSpec<number>,
  numpyPromotion: numpyPromotionKwarg,
};

/**
 * MountainCarContinuous: the mountain car with a continuous engine force (Moore, 1990; Sigaud's merge of the
 * FAReinforcement and Gym versions). Reach the flag on the right hill while spending little energy.
 *
 * - Observation space: `Box([-1.2, -0.07], [0.6, 0.07], (2,), float32)`: position (m), velocity (m/step).
 * - Action space: `Box(-1, 1, (1,), float32)`: the engine force. An action outside the bounds is clipped for the
 *   dynamics (not for the reward). Actions are read as float32, as the reference receives them.
 * - Dynamics, with f = clip(action, -1, 1), power = 0.0015, gravity = 0.0025:
 *     v' = clip(v + f power - gravity cos(3 p), -0.07, 0.07)
 *     p' = clip(p + v', -1.2, 0.6)
 *   and the collision with the left wall is inelastic: v' = 0 when p' = -1.2 and v' < 0. The new state is
 *   rounded to float32, as the reference stores it. Precision follows the reference under NumPy 2 (NEP 50): from
 *   a float64 state (after reset or `setState` of plain numbers) the step is float64 but for f power (float32
 *   when the action is within the bounds); from a float32 state (after a step, or `setState` of a Float32Array)
 *   the velocity and position updates are float32 too.
 * - Reward: -0.1 action^2 per step (the unclipped action), plus 100 on reaching the goal.
 * - Start state: position uniform in [-0.6, -0.4] (`reset({options: {low, high}})` changes the range),
 *   velocity 0.
 * - Episode end: terminated when p >= 0.45 and v >= goalVelocity (checked before the float32 rounding);
 *   the registration truncates at 999 steps (a TimeLimit wrapper, not this class).
 *
 * Arguments: `goalVelocity` (0), `numpyPromotion` ('nep50', or 'legacy': float64 throughout, as the reference under
 * NumPy 1.x), `renderMode` ('ansi' or null).
 * State (`getState`/`setState`): `[position, velocity]`, as float64 numbers (see Precision for a Float32Array).
 * Reference: Gymnasium 1.4.0 `Continuous_MountainCarEnv` (MountainCarContinuous-v0) under NumPy 2.
 */
export class ContinuousMountainCarEnv extends Env<Float32Array, Float32Array> implements HasState {
  override metadata = { renderModes: ['ansi'], renderFps: 30 };
  readonly observationSpace = new Box([MIN_POSITION, -MAX_SPEED], [MAX_POSITION, MAX_SPEED]);
  readonly actionSpace = new Box(MIN_ACTION, MAX_ACTION, [1]);
  readonly goalVelocity: number;
  /** `[position, velocity]`. */
  private readonly state = new Float64Array(2);
  /**
   * Whether the reference would hold the state as float32: it stores the state of a step as a float32 array, and
   * the next step's arithmetic then stays float32 under NumPy 2 (NEP 50). False after reset (float64 there).
   */
  private f32State = false;
  private hasState = false;
  /** NumPy 2's promotion (float32 where the reference meets a float32 scalar), or NumPy 1.x's (float64 throughout). */
  private readonly nep50: boolean;

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('ContinuousMountainCarEnv', SCHEMA, kwargs);
    this.goalVelocity = k.goalVelocity;
    this.nep50 = k.numpyPromotion === 'nep50';
    this.setRenderMode(k.renderMode);
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    const [low, high] = resetBounds('ContinuousMountainCarEnv', opts.options, -0.6, -0.4);
    this.state[0] = this.rng.uniform(low, high);
    this.state[1] = 0;
    this.f32State = false;
    this.hasState = true;
    return { obs: Float32Array.from(this.state), info: {} };
  }

  step(action: ContinuousAction): StepResult<Float32Array> {
    const a = readAction('ContinuousMountainCarEnv', action);
    if (!this.hasState) throw new Error('ContinuousMountainCarEnv.step: call reset() (or setState()) before step()');
    let position = this.state[0];
    let velocity = this.state[1];
    const f32 = this.nep50 && this.f32State;
    // As NumPy 2 promotes (NEP 50): a Python float meeting a float32 scalar is rounded to float32 and the result
    // is float32. The reference's force is the float32 action when within the bounds, else the Python float bound
    // (Python's min/max return the bound itself). Float32 sums and products of float32 values computed in float64
    // and then rounded by Math.fround equal the float32 results (double rounding is harmless at these widths).
    const forceF32 = this.nep50 && a >= MIN_ACTION && a <= MAX_ACTION;
    const slope = GRAVITY * Math.cos(f32 ? Math.fround(3 * position) : 3 * position);
    const dv = forceF32
      ? Math.fround(Math.fround(a * F32_POWER) - Math.fround(slope))
      : Math.min(Math.max(a, MIN_ACTION), MAX_ACTION) * POWER - slope;
    velocity = f32 ? Math.fround(velocity + Math.fround(dv)) : velocity + dv;
    if (velocity > MAX_SPEED) velocity = MAX_SPEED;
    if (velocity < -MAX_SPEED) velocity = -MAX_SPEED;
    position = f32 ? Math.fround(position + Math.fround(velocity)) : position + velocity;
    if (position > MAX_POSITION) position = MAX_POSITION;
    if (position < MIN_POSITION) position = MIN_POSITION;
    if (position === MIN_POSITION && velocity < 0) velocity = 0;

    const terminated = position >= GOAL_POSITION && velocity >= this.goalVelocity;
    let reward = terminated ? 100.0 : 0;
    reward -= a * a * 0.1;

    const obs = new Float32Array(2);
    obs[0] = position;
    obs[1] = velocity;
    this.state[0] = obs[0];
    this.state[1] = obs[1];
    this.f32State = true;
    return { obs, reward, terminated, truncated: false, info: {} };
  }

  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  setState(state: ArrayLike<number>): void {
    checkState('ContinuousMountainCarEnv', state, '[position, velocity]', 2);
    this.state[0] = state[0];
    this.state[1] = state[1];
    // A Float32Array stands for the float32 array the reference holds after a step; anything else for float64.
    this.f32State = state instanceof Float32Array;
    this.hasState = true;
  }

  /** One line: a picture of the valley (`C` the car, `F` the flag), position and velocity. */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    if (!this.hasState) return 'MountainCarContinuous: not reset\n';
    return describeCar(
      'MountainCarContinuous',
      this.state[0],
      this.state[1],
      GOAL_POSITION,
      MIN_POSITION,
      MAX_POSITION,
    );
  }
}
