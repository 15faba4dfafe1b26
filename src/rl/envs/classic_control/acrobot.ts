import { Env, type HasState, type ResetOptions, type ResetResult, type StepResult } from '../../core/env.js';
import { parseKwargs, renderModeKwarg } from '../../core/kwargs.js';
import { describe } from '../../core/rng.js';
import { Box, Discrete } from '../../core/spaces/index.js';
import { checkState, fmt, resetBounds } from './utils.js';

/** Seconds per step (one RK4 step). */
const DT = 0.2;
const LINK_LENGTH_1 = 1.0; // m
const LINK_MASS_1 = 1.0; // kg
const LINK_MASS_2 = 1.0; // kg
/** Position of each link's centre of mass along it, m. */
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
/** Moment of inertia of each link, kg m^2. */
const LINK_MOI = 1.0;
const G = 9.8; // m/s^2
const MAX_VEL_1 = 4 * Math.PI; // rad/s
const MAX_VEL_2 = 9 * Math.PI; // rad/s
/** Torque (N m) of actions 0, 1, 2. */
const AVAIL_TORQUE = [-1.0, 0.0, 1.0] as const;

const SCHEMA = { renderMode: renderModeKwarg };

/**
 * Acrobot: a two-link pendulum hanging from a fixed pivot, actuated only at the joint between the links; swing
 * the free end above a given height (Sutton, 1996; Sutton & Barto's book).
 *
 * - Observation space: `Box([-1, -1, -1, -1, -4 pi, -9 pi], [1, 1, 1, 1, 4 pi, 9 pi], (6,), float32)`:
 *   `[cos(theta1), sin(theta1), cos(theta2), sin(theta2), dtheta1, dtheta2]`, where theta1 is the angle of the
 *   first link from hanging straight down and theta2 the angle of the second link relative to the first (rad),
 *   and dtheta1, dtheta2 their angular velocities (rad/s).
 * - Action space: `Discrete(3)`: torque -1, 0 or +1 N m on the joint between the links.
 * - Dynamics: the equations of Sutton & Barto's book (the reference's `book_or_nips = 'book'`, no torque noise),
 *   with link masses 1 kg, lengths 1 m, centres of mass at 0.5 m, moments of inertia 1 kg m^2 and g = 9.8,
 *   integrated by one fourth-order Runge-Kutta step of 0.2 s. Then theta1 and theta2 are wrapped into
 *   [-pi, pi], and the velocities clipped to [-4 pi, 4 pi] and [-9 pi, 9 pi].
 * - Reward: -1 per step, 0 on the terminal step.
 * - Start state: `[theta1, theta2, dtheta1, dtheta2]` uniform in [-0.1, 0.1], rounded to float32 as the
 *   reference does (`reset({options: {low, high}})` changes the range).
 * - Episode end: terminated when the free end is more than one link length above the pivot,
 *   -cos(theta1) - cos(theta2 + theta1) > 1; the registration truncates at 500 steps (a TimeLimit wrapper,
 *   not this class).
 *
 * Arguments: `renderMode` ('ansi' or null).
 * State (`getState`/`setState`): `[theta1, theta2, dtheta1, dtheta2]`, float64.
 * Reference: Gymnasium 1.4.0 `AcrobotEnv` (Acrobot-v1).
 */
export class AcrobotEnv extends Env<Float32Array, number> implements HasState {
  override metadata = { renderModes: ['ansi'], renderFps: 15 };
  readonly observationSpace = new Box([-1, -1, -1, -1, -MAX_VEL_1, -MAX_VEL_2], [1, 1, 1, 1, MAX_VEL_1, MAX_VEL_2]);
  readonly actionSpace = new Discrete(3);
  /** `[theta1, theta2, dtheta1, dtheta2]`. */
  private readonly state = new Float64Array(4);
  private hasState = false;
  /** `[ddtheta1, ddtheta2]` written by `accelerations`, so that the RK4 stages allocate nothing. */
  private readonly acc = new Float64Array(2);

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('AcrobotEnv', SCHEMA, kwargs);
    this.setRenderMode(k.renderMode);
  }

  override reset(opts: ResetOptions = {}): ResetResult<Float32Array> {
    super.reset(opts);
    const [low, high] = resetBounds('AcrobotEnv', opts.options, -0.1, 0.1);
    for (let i = 0; i < 4; i++) this.state[i] = Math.fround(this.rng.uniform(low, high));
    this.hasState = true;
    return { obs: this.observation(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1 && action !== 2) {
      throw new TypeError(`AcrobotEnv.step: action must be 0, 1 or 2, got ${describe(action)}`);
    }
    if (!this.hasState) throw new Error('AcrobotEnv.step: call reset() (or setState()) before step()');
    const torque = AVAIL_TORQUE[action];
    const s = this.state;
    const acc = this.acc;
    const t1 = s[0],
      t2 = s[1],
      w1 = s[2],
      w2 = s[3];

    // One RK4 step of y' = f(y) for y = [theta1, theta2, dtheta1, dtheta2], with k = (dtheta1, dtheta2, ddtheta1,
    // ddtheta2).
    const half = DT / 2.0;
    this.accelerations(t1, t2, w1, w2, torque);
    const k1a = w1,
      k1b = w2,
      k1c = acc[0],
      k1d = acc[1];
    const y2a = t1 + half * k1a,
      y2b = t2 + half * k1b,
      y2c = w1 + half * k1c,
      y2d = w2 + half * k1d;
    this.accelerations(y2a, y2b, y2c, y2d, torque);
    const k2a = y2c,
      k2b = y2d,
      k2c = acc[0],
      k2d = acc[1];
    const y3a = t1 + half * k2a,
      y3b = t2 + half * k2b,
      y3c = w1 + half * k2c,
      y3d = w2 + half * k2d;
    this.accelerations(y3a, y3b, y3c, y3d, torque);
    const k3a = y3c,
      k3b = y3d,
      k3c = acc[0],
      k3d = acc[1];
    const y4a = t1 + DT * k3a,
      y4b = t2 + DT * k3b,
      y4c = w1 + DT * k3c,
      y4d = w2 + DT * k3d;
    this.accelerations(y4a, y4b, y4c, y4d, torque);
    const k4a = y4c,
      k4b = y4d,
      k4c = acc[0],
      k4d = acc[1];
    const sixth = DT / 6.0;
    s[0] = wrap(t1 + sixth * (k1a + 2 * k2a + 2 * k3a + k4a), -Math.PI, Math.PI);
    s[1] = wrap(t2 + sixth * (k1b + 2 * k2b + 2 * k3b + k4b), -Math.PI, Math.PI);
    s[2] = bound(w1 + sixth * (k1c + 2 * k2c + 2 * k3c + k4c), -MAX_VEL_1, MAX_VEL_1);
    s[3] = bound(w2 + sixth * (k1d + 2 * k2d + 2 * k3d + k4d), -MAX_VEL_2, MAX_VEL_2);

    const terminated = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
    return { obs: this.observation(), reward: terminated ? 0.0 : -1.0, terminated, truncated: false, info: {} };
  }

  /**
   * Writes `[ddtheta1, ddtheta2]` into `this.acc` for joint torque `a` (book equations):
   *   d1 = m1 lc1^2 + m2 (l1^2 + lc2^2 + 2 l1 lc2 cos(theta2)) + I1 + I2
   *   d2 = m2 (lc2^2 + l1 lc2 cos(theta2)) + I2
   *   phi2 = m2 lc2 g cos(theta1 + theta2 - pi/2)
   *   phi1 = -m2 l1 lc2 dtheta2^2 sin(theta2) - 2 m2 l1 lc2 dtheta2 dtheta1 sin(theta2)
   *          + (m1 lc1 + m2 l1) g cos(theta1 - pi/2) + phi2
   *   ddtheta2 = (a + d2/d1 phi1 - m2 l1 lc2 dtheta1^2 sin(theta2) - phi2) / (m2 lc2^2 + I2 - d2^2/d1)
   *   ddtheta1 = -(d2 ddtheta2 + phi1) / d1
   * The evaluation order follows the reference, so that the float64 results match it bit for bit.
   */
  private accelerations(theta1: number, theta2: number, dtheta1: number, dtheta2: number, a: number): void {
    const m1 = LINK_MASS_1,
      m2 = LINK_MASS_2,
      l1 = LINK_LENGTH_1;
    const lc1 = LINK_COM_POS_1,
      lc2 = LINK_COM_POS_2,
      I1 = LINK_MOI,
      I2 = LINK_MOI;
    const cos2 = Math.cos(theta2);
    const sin2 = Math.sin(theta2);
    const d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos2) + I1 + I2;
    const d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos2) + I2;
    const phi2 = m2 * lc2 * G * Math.cos(theta1 + theta2 - Math.PI / 2.0);
    const phi1 =
      -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin2 -
      2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin2 +
      (m1 * lc1 + m2 * l1) * G * Math.cos(theta1 - Math.PI / 2) +
      phi2;
    const ddtheta2 =
      (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin2 - phi2) /
      (m2 * (lc2 * lc2) + I2 - (d2 * d2) / d1);
    this.acc[0] = -(d2 * ddtheta2 + phi1) / d1;
    this.acc[1] = ddtheta2;
  }

  private observation(): Float32Array {
    const s = this.state;
    const obs = new Float32Array(6);
    obs[0] = Math.cos(s[0]);
    obs[1] = Math.sin(s[0]);
    obs[2] = Math.cos(s[1]);
    obs[3] = Math.sin(s[1]);
    obs[4] = s[2];
    obs[5] = s[3];
    return obs;
  }

  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  setState(state: ArrayLike<number>): void {
    checkState('AcrobotEnv', state, '[theta1, theta2, dtheta1, dtheta2]', 4);
    for (let i = 0; i < 4; i++) this.state[i] = state[i];
    this.hasState = true;
  }

  /** One line: the joint angles (rad), their velocities (rad/s), and the height of the free end (m). */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    if (!this.hasState) return 'Acrobot: not reset\n';
    const [t1, t2, w1, w2] = this.state;
    const height = -Math.cos(t1) - Math.cos(t2 + t1);
    return `Acrobot: theta1=${fmt(t1)} theta2=${fmt(t2)} dtheta1=${fmt(w1)} dtheta2=${fmt(w2)} tip height=${fmt(height)} (goal > +1.0000)\n`;
  }
}

/** Wraps `x` into [m, M] by whole turns of M - m (for angles: into [-pi, pi]). */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** Clips `x` into [m, M]. */
function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}
