/** The classic-control reference environments (Gymnasium 1.4.0 dynamics). */
export { CartPoleEnv } from './cartpole.js';
export { MountainCarEnv } from './mountain_car.js';
export { ContinuousMountainCarEnv, type ContinuousAction } from './continuous_mountain_car.js';
export { AcrobotEnv } from './acrobot.js';
export { PendulumEnv } from './pendulum.js';
