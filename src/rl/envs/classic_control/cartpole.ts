import { Env, type HasState, type ResetOptions, type ResetResult, type StepResult } from '../../core/env.js';
import { parseKwargs, renderModeKwarg, type KwargSpec } from '../../core/kwargs.js';
import { describe } from '../../core/rng.js';
import { Box, Discrete } from '../../core/spaces/index.js';
import { checkState, fmt, resetBounds } from './utils.js';

const GRAVITY = 9.8; // m/s^2
const MASS_CART = 1.0; // kg
const MASS_POLE = 0.1; // kg
const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length, m. */
const LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0; // N
/** Seconds between state updates. */
const TAU = 0.02;
/** 12 degrees, in radians. */
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4; // m

const SCHEMA = {
  renderMode: renderModeKwarg,
  /** Reward 0 per step and -1 on termination (Sutton & Barto) instead of +1 per step. */
  suttonBartoReward: { type: 'boolean', default: false } as KwargSpec<boolean>,
};

/**
 * CartPole: balance a pole hinged on a cart that moves along a frictionless track (Barto, Sutton & Anderson,
 * 1983).
 *
 * - Observation space: `Box([-4.8, -inf, -0.418879, -inf], [4.8, inf, 0.418879, inf], (4,), float32)`:
 *   cart position (m), cart velocity (m/s), pole angle (rad, 0 = upright), pole angular velocity (rad/s).
 * - Action space: `Discrete(2)`: 0 pushes the cart left, 1 pushes it right, with a force of 10 N.
 * - Dynamics: Florian (2007), "Correct equations for the dynamics of the cart-pole system", integrated with
 *   explicit Euler steps of tau = 0.02 s:
 *     temp = (F + m_p l thetaDot^2 sin(theta)) / (m_c + m_p)
 *     thetaAcc = (g sin(theta) - cos(theta) temp) / (l (4/3 - m_p cos(theta)^2 / (m_c + m_p)))
 *     xAcc = temp - m_p l thetaAcc cos(theta) / (m_c + m_p)
 *   with g = 9.8, m_c = 1, m_p = 0.1, l = 0.5 (half the pole's length).
 * - Reward: +1 for every step, the terminating one included. After a terminal step, further steps (which the
 *   caller should not take) give 0. With `suttonBartoReward`: 0 per step and -1 from the terminal step on.
 * - Start state: every state variable uniform in [-0.05, 0.05] (`reset({options: {low, high}})` changes the
 *   range).
 * - Episode end: terminated when |x| > 2.4 or |theta| > 12 degrees; the registration truncates at 500 steps
 *   (a TimeLimit wrapper, not this class).
 *
 * Arguments: `suttonBartoReward` (false), `renderMode` ('ansi' or null).
 * State (`getState`/`setState`): `[x, xDot, theta, thetaDot]`, float64.
 * Reference: Gymnasium 1.4.0 `CartPoleEnv` (CartPole-v1).
 */
export class CartPoleEnv extends Env<Float32Array, number> implements HasState {
  override metadata = { renderModes: ['ansi'], renderFps: 50 };
  readonly observationSpace = new Box(
    [-X_THRESHOLD * 2, -Infinity, -THETA_THRESHOLD * 2, -Infinity],
    [X_THRESHOLD * 2, Infinity, THETA_THRESHOLD * 2, Infinity],
  );
  readonly actionSpace = new Discrete(2);
  readonly suttonBartoReward: boolean;
  /** `[x, xDot, theta, thetaDot]`. */
  private readonly state = new Float64Array(4);
  private hasState = false;
  /** -1 until the episode terminates; then the number of steps taken after the terminal one. */
  private stepsBeyondTerminated = -1;

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('CartPoleEnv', SCHEMA, kwargs);
    this.suttonBartoReward = k.suttonBartoReward;
    this.setRenderMode(k.renderMode);
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    const [low, high] = resetBounds('CartPoleEnv', opts.options, -0.05, 0.05);
    for (let i = 0; i < 4; i++) this.state[i] = this.rng.uniform(low, high);
    this.hasState = true;
    this.stepsBeyondTerminated = -1;
    return { obs: Float32Array.from(this.state), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1) {
      throw new TypeError(`CartPoleEnv.step: action must be 0 or 1, got ${describe(action)}`);
    }
    if (!this.hasState) throw new Error('CartPoleEnv.step: call reset() (or setState()) before step()');
    const s = this.state;
    let x = s[0];
    let xDot = s[1];
    let theta = s[2];
    let thetaDot = s[3];
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) /
      (LENGTH * (4.0 / 3.0 - (MASS_POLE * (cosTheta * cosTheta)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;

    x = x + TAU * xDot;
    xDot = xDot + TAU * xAcc;
    theta = theta + TAU * thetaDot;
    thetaDot = thetaDot + TAU * thetaAcc;
    s[0] = x;
    s[1] = xDot;
    s[2] = theta;
    s[3] = thetaDot;

    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD || theta > THETA_THRESHOLD;
    let reward: number;
    if (!terminated) {
      reward = this.suttonBartoReward ? 0.0 : 1.0;
    } else if (this.stepsBeyondTerminated < 0) {
      this.stepsBeyondTerminated = 0;
      reward = this.suttonBartoReward ? -1.0 : 1.0;
    } else {
      this.stepsBeyondTerminated++;
      reward = this.suttonBartoReward ? -1.0 : 0.0;
    }

    const obs = new Float32Array(4);
    obs[0] = x;
    obs[1] = xDot;
    obs[2] = theta;
    obs[3] = thetaDot;
    return { obs, reward, terminated, truncated: false, info: {} };
  }

  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  /** Starts from `state` as a reset would (the episode counts as not terminated yet). */
  setState(state: ArrayLike<number>): void {
    checkState('CartPoleEnv', state, '[x, xDot, theta, thetaDot]', 4);
    for (let i = 0; i < 4; i++) this.state[i] = state[i];
    this.hasState = true;
    this.stepsBeyondTerminated = -1;
  }

  /** One line: cart position and velocity, pole angle (also in degrees) and angular velocity. */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    if (!this.hasState) return 'CartPole: not reset\n';
    const [x, xDot, theta, thetaDot] = this.state;
    const deg = (theta * 180) / Math.PI;
    return `CartPole: x=${fmt(x)} m  xDot=${fmt(xDot)} m/s  theta=${fmt(theta)} rad (${fmt(deg, 2)} deg)  thetaDot=${fmt(thetaDot)} rad/s\n`;
  }
}
