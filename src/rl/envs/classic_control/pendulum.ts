import { Env, type HasState, type ResetOptions, type ResetResult, type StepResult } from '../../core/env.js';
import { numpyPromotionKwarg, parseKwargs, renderModeKwarg, type KwargSpec } from '../../core/kwargs.js';
import { Box } from '../../core/spaces/index.js';
import { checkState, fmt, readAction, readNumberOption, type ContinuousAction } from './utils.js';

const MAX_SPEED = 8; // rad/s
const MAX_TORQUE = 2.0; // N m
/** Seconds per step. */
const DT = 0.05;
const MASS = 1.0; // kg
const LENGTH = 1.0; // m
/** Default half-widths of the start range of theta (rad) and thetaDot (rad/s). */
const DEFAULT_X = Math.PI;
const DEFAULT_Y = 1.0;
/** 0.001 and 3 / (m l^2) as float32: the reference multiplies them by a float32 torque (NumPy 2 promotion). */
const F32_TORQUE_COST = Math.fround(0.001);
const F32_TORQUE_GAIN = Math.fround(3.0 / (MASS * (LENGTH * LENGTH)));

const SCHEMA = {
  renderMode: renderModeKwarg,
  /** Acceleration of gravity, m/s^2. */
  g: { type: 'number', default: 10.0 } as KwargSpec<number>,
  numpyPromotion: numpyPromotionKwarg,
};

/**
 * Pendulum: swing a pendulum up and keep it upright with a limited torque at its pivot.
 *
 * - Observation space: `Box([-1, -1, -8], [1, 1, 8], (3,), float32)`: `[cos(theta), sin(theta), thetaDot]`,
 *   theta in rad (0 = upright, counter-clockwise positive), thetaDot in rad/s.
 * - Action space: `Box(-2, 2, (1,), float32)`: the torque u (N m). Actions are read as float32, as the
 *   reference receives them, and clipped to [-2, 2].
 * - Dynamics, with m = 1 kg, l = 1 m and dt = 0.05 s (semi-implicit Euler):
 *     thetaDot' = clip(thetaDot + (3 g / (2 l) sin(theta) + 3 / (m l^2) u) dt, -8, 8)
 *     theta' = theta + thetaDot' dt
 * - Reward: -(normalize(theta)^2 + 0.1 thetaDot^2 + 0.001 u^2), computed on the state before the step, with
 *   normalize(theta) in [-pi, pi): at most 0, at least about -16.27.
 * - Precision: float64, except the two torque terms 0.001 u^2 and 3 / (m l^2) u, which are float32 (the reference's
 *   torque is a NumPy float32 scalar, and under NumPy 2's promotion rules a Python float times it stays float32);
 *   `numpyPromotion: 'legacy'` computes them in float64, as the reference does under NumPy 1.x.
 * - Start state: theta uniform in [-pi, pi], thetaDot uniform in [-1, 1] (`reset({options: {xInit, yInit}})`
 *   sets the two half-widths: the reference's `x_init`, `y_init`).
 * - Episode end: never terminated; the registration truncates at 200 steps (a TimeLimit wrapper, not this class).
 *
 * Arguments: `g` (10.0), `numpyPromotion` ('nep50' or 'legacy', see Precision), `renderMode` ('ansi' or null).
 * State (`getState`/`setState`): `[theta, thetaDot]`, float64 (theta is not wrapped).
 * Reference: Gymnasium 1.4.0 `PendulumEnv` (Pendulum-v1) under NumPy 2.
 */
export class PendulumEnv extends Env<Float32Array, Float32Array> implements HasState {
  override metadata = { renderModes: ['ansi'], renderFps: 30 };
  readonly observationSpace = new Box([-1.0, -1.0, -MAX_SPEED], [1.0, 1.0, MAX_SPEED]);
  readonly actionSpace = new Box(-MAX_TORQUE, MAX_TORQUE, [1]);
  readonly g: number;
  /** The clipped torque of the last step (null after a reset), for rendering. */
  private lastTorque: number | null = null;
  /** `[theta, thetaDot]`. */
  private readonly state = new Float64Array(2);
  private hasState = false;
  /** NumPy 2's promotion (the torque terms in float32), or NumPy 1.x's (float64 throughout). */
  private readonly nep50: boolean;

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('PendulumEnv', SCHEMA, kwargs);
    this.g = k.g;
    this.nep50 = k.numpyPromotion === 'nep50';
    this.setRenderMode(k.renderMode);
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    const options = opts.options;
    const x = options ? readNumberOption('PendulumEnv', options, 'xInit', DEFAULT_X) : DEFAULT_X;
    const y = options ? readNumberOption('PendulumEnv', options, 'yInit', DEFAULT_Y) : DEFAULT_Y;
    // Symmetric range, as the reference enforces.
    this.state[0] = this.rng.uniform(-x, x);
    this.state[1] = this.rng.uniform(-y, y);
    this.hasState = true;
    this.lastTorque = null;
    return { obs: this.observation(), info: {} };
  }

  step(action: ContinuousAction): StepResult<Float32Array> {
    const u = Math.min(Math.max(readAction('PendulumEnv', action), -MAX_TORQUE), MAX_TORQUE);
    if (!this.hasState) throw new Error('PendulumEnv.step: call reset() (or setState()) before step()');
    const th = this.state[0];
    const thDot = this.state[1];
    const g = this.g;
    this.lastTorque = u;
    const an = angleNormalize(th);
    // u is float32-valued; u^2 and the products with the (float32-rounded) Python constants round to float32, as
    // NumPy 2 computes them (NEP 50). Float32 products of float32 values are exact in float64 before Math.fround.
    const torqueCost = this.nep50 ? Math.fround(F32_TORQUE_COST * Math.fround(u * u)) : 0.001 * (u * u);
    const costs = an * an + 0.1 * (thDot * thDot) + torqueCost;
    const torqueAcc = this.nep50 ? Math.fround(F32_TORQUE_GAIN * u) : (3.0 / (MASS * (LENGTH * LENGTH))) * u;

    let newThDot = thDot + (((3 * g) / (2 * LENGTH)) * Math.sin(th) + torqueAcc) * DT;
    newThDot = Math.min(Math.max(newThDot, -MAX_SPEED), MAX_SPEED);
    this.state[0] = th + newThDot * DT;
    this.state[1] = newThDot;
    return { obs: this.observation(), reward: -costs, terminated: false, truncated: false, info: {} };
  }

  private observation(): Float32Array {
    const obs = new Float32Array(3);
    obs[0] = Math.cos(this.state[0]);
    obs[1] = Math.sin(this.state[0]);
    obs[2] = this.state[1];
    return obs;
  }

  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  setState(state: ArrayLike<number>): void {
    checkState('PendulumEnv', state, '[theta, thetaDot]', 2);
    this.state[0] = state[0];
    this.state[1] = state[1];
    this.hasState = true;
  }

  /** One line: the angle from upright (rad and degrees), angular velocity and last torque. */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    if (!this.hasState) return 'Pendulum: not reset\n';
    const th = angleNormalize(this.state[0]);
    const torque = this.lastTorque === null ? 'none' : fmt(this.lastTorque);
    return `Pendulum: theta=${fmt(th)} rad (${fmt((th * 180) / Math.PI, 1)} deg from upright) thetaDot=${fmt(this.state[1])} rad/s torque=${torque}\n`;
  }
}

/**
 * `x` wrapped into [-pi, pi), as NumPy computes `((x + pi) % (2 pi)) - pi` (the remainder takes the divisor's sign).
 */
function angleNormalize(x: number): number {
  const twoPi = 2 * Math.PI;
  let r = (x + Math.PI) % twoPi;
  if (r < 0) r += twoPi;
  return r - Math.PI;
}
