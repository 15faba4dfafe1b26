import type { Transition, TransitionTable } from '../../core/env.js';
import { parseKwargs, renderModeKwarg, type KwargSpec } from '../../core/kwargs.js';
import { Rng, describe } from '../../core/rng.js';
import { Discrete } from '../../core/spaces/index.js';
import { TabularEnv, colorize } from './discrete_env.js';

const LEFT = 0;
const DOWN = 1;
const RIGHT = 2;
const UP = 3;
const ACTION_NAMES = ['Left', 'Down', 'Right', 'Up'];

export const FROZEN_LAKE_MAPS: Readonly<Record<'4x4' | '8x8', readonly string[]>> = Object.freeze({
  '4x4': Object.freeze(['SFFF', 'FHFH', 'FFFH', 'HFFG']),
  '8x8': Object.freeze([
    'SFFFFFFF',
    'FFFFFFFF',
    'FFFHFFFF',
    'FFFFFHFF',
    'FFFHFFFF',
    'FHHFFFHF',
    'FHFFHFHF',
    'FFFHFFFG',
  ]),
});

const TILES = 'SFHG';

const SCHEMA = {
  renderMode: renderModeKwarg,
  /** Rows of a custom map (letters S, F, H, G); overrides `mapName`. */
  desc: {
    type: 'any',
    default: null,
    check: (v: unknown) =>
      v === null || (Array.isArray(v) && v.every((r) => typeof r === 'string'))
        ? null
        : 'an array of strings (the rows of the map) or null',
  } as KwargSpec<string[] | null>,
  /** A built-in map; with `desc` null too, a random 8x8 map is generated. */
  mapName: { type: 'string|null', default: '4x4', oneOf: ['4x4', '8x8', null] } as KwargSpec<string | null>,
  isSlippery: { type: 'boolean', default: true } as KwargSpec<boolean>,
  /** Probability of moving in the intended direction when slippery; each perpendicular gets (1 - successRate) / 2. */
  successRate: {
    type: 'number',
    default: 1.0 / 3.0,
    check: (v: number) => (v >= 0 && v <= 1 ? null : 'a probability in [0, 1]'),
  } as KwargSpec<number>,
  /** Rewards for reaching [goal, hole, frozen (or start)]. */
  rewardSchedule: {
    type: 'any',
    default: [1, 0, 0],
    check: (v: unknown) =>
      Array.isArray(v) && v.length === 3 && v.every((r) => typeof r === 'number' && Number.isFinite(r))
        ? null
        : 'three finite numbers [goal, hole, frozen]',
  } as KwargSpec<readonly number[]>,
};

/**
 * FrozenLake: cross a frozen lake from the start (S) to the goal (G) without falling into a hole (H).
 *
 * - Observation space: `Discrete(nrow * ncol)`, the player's cell `row * ncol + col`.
 * - Action space: `Discrete(4)`: 0 left, 1 down, 2 right, 3 up.
 * - Dynamics: a move into the border leaves the player in place. When `isSlippery`, the player moves in the
 *   intended direction with probability `successRate` (1/3 by default) and in each of the two perpendicular
 *   directions with probability (1 - successRate) / 2, never backwards. `P` lists, for each state and action,
 *   the outcomes of the moves [(a - 1) mod 4, a, (a + 1) mod 4] for action a.
 * - Rewards: `rewardSchedule` = [goal, hole, frozen] = [1, 0, 0] by default, for the cell entered.
 * - Start state: a uniform draw among the S cells (state 0 on the built-in maps).
 * - Episode end: terminated on entering a hole or the goal (H and G are absorbing in `P`, with reward 0).
 *   Truncation (100 steps for FrozenLake-v1, 200 for FrozenLake8x8-v1) is the TimeLimit wrapper's.
 * - Info: `{prob}`, the probability of the outcome drawn (1 at reset).
 *
 * Arguments: `desc` (custom map rows), `mapName` ('4x4' | '8x8'; with `desc` also null, a random 8x8 map),
 * `isSlippery` (true), `successRate` (1/3), `rewardSchedule` ([1, 0, 0]), `renderMode` ('ansi' or null).
 * Reference: Gymnasium 1.4.0 `FrozenLakeEnv` (v1).
 */
export class FrozenLakeEnv extends TabularEnv {
  override metadata = { renderModes: ['ansi'], renderFps: 4 };
  readonly observationSpace: Discrete;
  readonly actionSpace: Discrete;
  readonly desc: readonly string[];
  readonly nrow: number;
  readonly ncol: number;
  readonly isSlippery: boolean;
  readonly successRate: number;
  readonly rewardSchedule: readonly number[];

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('FrozenLakeEnv', SCHEMA, kwargs);
    let desc: readonly string[];
    if (k.desc !== null) desc = checkMap(k.desc);
    else if (k.mapName !== null) desc = FROZEN_LAKE_MAPS[k.mapName as '4x4' | '8x8'];
    else desc = generateRandomMap();
    this.desc = Object.freeze([...desc]);
    this.nrow = desc.length;
    this.ncol = desc[0].length;
    this.isSlippery = k.isSlippery;
    this.successRate = k.successRate;
    this.rewardSchedule = Object.freeze([...k.rewardSchedule]);
    const nS = this.nrow * this.ncol;

    this.initialStateDistrib = new Float64Array(nS);
    let starts = 0;
    for (let s = 0; s < nS; s++) if (this.letter(s) === 'S') starts++;
    for (let s = 0; s < nS; s++) if (this.letter(s) === 'S') this.initialStateDistrib[s] = 1 / starts;

    this.P = this.buildTransitions();
    this.observationSpace = new Discrete(nS);
    this.actionSpace = new Discrete(4);
    this.setRenderMode(k.renderMode);
  }

  private letter(s: number): string {
    return this.desc[Math.floor(s / this.ncol)][s % this.ncol];
  }

  private buildTransitions(): TransitionTable {
    const { nrow, ncol } = this;
    const [goalReward, holeReward, frozenReward] = this.rewardSchedule;
    const failRate = (1.0 - this.successRate) / 2.0;
    const outcome = (row: number, col: number, a: number, p: number): Transition => {
      if (a === LEFT) col = Math.max(col - 1, 0);
      else if (a === DOWN) row = Math.min(row + 1, nrow - 1);
      else if (a === RIGHT) col = Math.min(col + 1, ncol - 1);
      else if (a === UP) row = Math.max(row - 1, 0);
      const letter = this.desc[row][col];
      const reward = letter === 'G' ? goalReward : letter === 'H' ? holeReward : frozenReward;
      return [p, row * ncol + col, reward, letter === 'G' || letter === 'H'];
    };
    const P: TransitionTable = [];
    for (let row = 0; row < nrow; row++) {
      for (let col = 0; col < ncol; col++) {
        const s = row * ncol + col;
        const absorbing = this.desc[row][col] === 'G' || this.desc[row][col] === 'H';
        const byAction: Transition[][] = [];
        for (let a = 0; a < 4; a++) {
          if (absorbing) byAction.push([[1.0, s, 0, true]]);
          else if (this.isSlippery) {
            byAction.push(
              [(a + 3) % 4, a, (a + 1) % 4].map((b) => outcome(row, col, b, b === a ? this.successRate : failRate)),
            );
          } else byAction.push([outcome(row, col, a, 1.0)]);
        }
        P.push(byAction);
      }
    }
    return P;
  }

  /** The map with the player's cell highlighted in red, below the last action ("  (Down)") or an empty line. */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    const row = Math.floor(this.s / this.ncol);
    const col = this.s % this.ncol;
    const lines = this.desc.map((line, r) =>
      r === row ? line.slice(0, col) + colorize(line[col], 'red', false, true) + line.slice(col + 1) : line,
    );
    const header = this.lastAction !== null ? `  (${ACTION_NAMES[this.lastAction]})\n` : '\n';
    return header + lines.join('\n') + '\n';
  }
}

/** Validates custom map rows: non-empty, rectangular, letters S F H G only, at least one S and one G. */
function checkMap(desc: readonly string[]): readonly string[] {
  const owner = 'FrozenLakeEnv: desc';
  if (desc.length === 0) throw new RangeError(`${owner} must have at least one row, got []`);
  const ncol = desc[0].length;
  if (ncol === 0) throw new RangeError(`${owner} row 0 is empty; expected rows of letters S, F, H, G`);
  for (let r = 0; r < desc.length; r++) {
    const line = desc[r];
    if (line.length !== ncol) {
      throw new RangeError(
        `${owner} must be rectangular: row ${r} ${describe(line)} has ${line.length} columns, row 0 has ${ncol}`,
      );
    }
    for (let c = 0; c < ncol; c++) {
      if (!TILES.includes(line[c])) {
        throw new RangeError(
          `${owner} row ${r} ${describe(line)} has the letter ${describe(line[c])} at column ${c}; expected only S (start), F (frozen), H (hole), G (goal)`,
        );
      }
    }
  }
  if (!desc.some((line) => line.includes('S'))) throw new RangeError(`${owner} ${describe(desc)} has no start cell S`);
  if (!desc.some((line) => line.includes('G'))) throw new RangeError(`${owner} ${describe(desc)} has no goal cell G`);
  return desc;
}

/** Whether a path of non-hole cells leads from the top-left cell to a G (depth-first search, as the reference). */
function hasPath(board: string[][], size: number): boolean {
  const frontier: [number, number][] = [[0, 0]];
  const discovered = new Set<number>();
  while (frontier.length > 0) {
    const [r, c] = frontier.pop()!;
    if (discovered.has(r * size + c)) continue;
    discovered.add(r * size + c);
    for (const [dr, dc] of [
      [1, 0],
      [0, 1],
      [-1, 0],
      [0, -1],
    ]) {
      const rn = r + dr;
      const cn = c + dc;
      if (rn < 0 || rn >= size || cn < 0 || cn >= size) continue;
      if (board[rn][cn] === 'G') return true;
      if (board[rn][cn] !== 'H') frontier.push([rn, cn]);
    }
  }
  return false;
}

/**
 * A random `size` x `size` map with S at the top left, G at the bottom right, each other cell frozen with
 * probability `p` (else a hole), redrawn until a path from S to G exists.
 * @param seed the same seed gives the same map; omitted, the map comes from OS entropy
 */
export function generateRandomMap(size = 8, p = 0.8, seed?: number): string[] {
  if (!Number.isInteger(size) || size < 2)
    throw new RangeError(`generateRandomMap: size must be an integer >= 2, got ${describe(size)}`);
  if (typeof p !== 'number' || !(p > 0))
    throw new RangeError(`generateRandomMap: p must be a probability in (0, 1], got ${describe(p)}`);
  const rng = new Rng(seed);
  const frozen = Math.min(1, p);
  for (;;) {
    const board: string[][] = Array.from({ length: size }, () =>
      Array.from({ length: size }, () => (rng.random() < frozen ? 'F' : 'H')),
    );
    board[0][0] = 'S';
    board[size - 1][size - 1] = 'G';
    if (hasPath(board, size)) return board.map((row) => row.join(''));
  }
}
