import type { Transition } from '../../core/env.js';
import { parseKwargs, renderModeKwarg, type KwargSpec } from '../../core/kwargs.js';
import { Discrete } from '../../core/spaces/index.js';
import { TabularEnv } from './discrete_env.js';

const ROWS = 4;
const COLS = 12;
const N_STATES = ROWS * COLS;
/** Bottom-left cell (3, 0). */
const START = 3 * COLS;
/** Bottom-right cell (3, 11). */
const GOAL = ROWS * COLS - 1;
/** [row, col] step of each action: 0 up, 1 right, 2 down, 3 left. */
const MOVES: readonly (readonly [number, number])[] = [
  [-1, 0],
  [0, 1],
  [1, 0],
  [0, -1],
];

const SCHEMA = {
  renderMode: renderModeKwarg,
  /** The player moves in the intended direction or either perpendicular one, each with probability 1/3. */
  isSlippery: { type: 'boolean', default: false } as KwargSpec<boolean>,
};

function isCliff(row: number, col: number): boolean {
  return row === ROWS - 1 && col >= 1 && col <= COLS - 2;
}

/**
 * CliffWalking: walk along a 4x12 grid from the bottom-left corner to the bottom-right one without stepping
 * off the cliff that lies between them (Sutton & Barto, Example 6.6).
 *
 * - Observation space: `Discrete(48)`, the player's cell `row * 12 + col`.
 * - Action space: `Discrete(4)`: 0 up, 1 right, 2 down, 3 left.
 * - Dynamics: a move into the border leaves the player in place; a move onto the cliff, cells (3, 1..10),
 *   sends the player back to the start. When `isSlippery`, the player moves in the intended direction or in
 *   either perpendicular one, each with probability 1/3; `P` lists the outcomes of the moves
 *   [(a - 1) mod 4, a, (a + 1) mod 4] for action a.
 * - Rewards: -1 per step, -100 for stepping onto the cliff.
 * - Start state: 36 (cell (3, 0)).
 * - Episode end: terminated on entering the goal, state 47 (cell (3, 11)). The registration has no step limit.
 * - Info: `{prob}`, the probability of the outcome drawn (1 at reset).
 *
 * Arguments: `isSlippery` (false), `renderMode` ('ansi' or null).
 * Reference: Gymnasium 1.4.0 `CliffWalkingEnv` (v1).
 */
export class CliffWalkingEnv extends TabularEnv {
  override metadata = { renderModes: ['ansi'], renderFps: 4 };
  readonly observationSpace = new Discrete(N_STATES);
  readonly actionSpace = new Discrete(4);
  readonly isSlippery: boolean;
  readonly startStateIndex = START;

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('CliffWalkingEnv', SCHEMA, kwargs);
    this.isSlippery = k.isSlippery;
    this.initialStateDistrib = new Float64Array(N_STATES);
    this.initialStateDistrib[START] = 1.0;
    this.P = [];
    for (let s = 0; s < N_STATES; s++) {
      const byAction: Transition[][] = [];
      for (let a = 0; a < 4; a++) byAction.push(this.outcomes(Math.floor(s / COLS), s % COLS, a));
      this.P.push(byAction);
    }
    this.setRenderMode(k.renderMode);
  }

  private outcomes(row: number, col: number, action: number): Transition[] {
    const moves = this.isSlippery ? [(action + 3) % 4, action, (action + 1) % 4] : [action];
    const p = 1 / moves.length;
    return moves.map((m): Transition => {
      const r = Math.min(Math.max(row + MOVES[m][0], 0), ROWS - 1);
      const c = Math.min(Math.max(col + MOVES[m][1], 0), COLS - 1);
      if (isCliff(r, c)) return [p, START, -100, false];
      const next = r * COLS + c;
      return [p, next, -1, next === GOAL];
    });
  }

  /** The grid, one row per line: x the player, T the goal, C the cliff, o the rest; then an empty line. */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    let out = '';
    for (let s = 0; s < N_STATES; s++) {
      const row = Math.floor(s / COLS);
      const col = s % COLS;
      let cell = s === this.s ? ' x ' : s === GOAL ? ' T ' : isCliff(row, col) ? ' C ' : ' o ';
      if (col === 0) cell = cell.trimStart();
      if (col === COLS - 1) cell = cell.trimEnd() + '\n';
      out += cell;
    }
    return out + '\n';
  }
}
