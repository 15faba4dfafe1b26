import type { ResetOptions, ResetResult, StepResult, Transition, TransitionTable } from '../../core/env.js';
import { parseKwargs, renderModeKwarg, type KwargSpec } from '../../core/kwargs.js';
import { Discrete } from '../../core/spaces/index.js';
import { TabularEnv, checkStateIndex, colorize, outcomesOf, sampleOutcome } from './discrete_env.js';

/** The road map: ':' is an open side between two cells, '|' a wall. Cell (row, col) is MAP[1 + row][2 * col + 1]. */
const MAP: readonly string[] = [
  '+---------+',
  '|R: | : :G|',
  '| : | : : |',
  '| : : : : |',
  '| | : | : |',
  '|Y| : |B: |',
  '+---------+',
];
/** The (row, col) of the four landmarks: 0 Red, 1 Green, 2 Yellow, 3 Blue. */
const LOCS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0, 4],
  [4, 0],
  [4, 3],
];
const N_STATES = 500;
const N_ACTIONS = 6;
const SOUTH = 0;
const NORTH = 1;
const EAST = 2;
const WEST = 3;
const PICKUP = 4;
const DROPOFF = 5;
/** In the rain, the two lateral moves of each movement action, as [left, right] of the heading. */
const LATERALS: readonly (readonly [number, number])[] = [
  [EAST, WEST],
  [WEST, EAST],
  [NORTH, SOUTH],
  [SOUTH, NORTH],
];
const ACTION_NAMES = ['South', 'North', 'East', 'West', 'Pickup', 'Dropoff'];
/** Passenger location meaning "in the taxi". */
const IN_TAXI = 4;

const probability = (v: number) => (v >= 0 && v <= 1 ? null : 'a probability in [0, 1]');

const SCHEMA = {
  renderMode: renderModeKwarg,
  /** Movement actions go the intended way with `rainyProbability`, else to either side of the heading. */
  isRainy: { type: 'boolean', default: false } as KwargSpec<boolean>,
  /** The passenger may change destination once, on the first move after the first pickup. */
  ficklePassenger: { type: 'boolean', default: false } as KwargSpec<boolean>,
  rainyProbability: { type: 'number', default: 0.8, check: probability } as KwargSpec<number>,
  fickleProbability: { type: 'number', default: 0.3, check: probability } as KwargSpec<number>,
};

/** `((taxiRow * 5 + taxiCol) * 5 + passengerLocation) * 4 + destination` */
export function encodeTaxiState(taxiRow: number, taxiCol: number, passLoc: number, destIdx: number): number {
  return ((taxiRow * 5 + taxiCol) * 5 + passLoc) * 4 + destIdx;
}

/** `[taxiRow, taxiCol, passengerLocation, destination]` of a state. */
export function decodeTaxiState(state: number): [number, number, number, number] {
  return [Math.floor(state / 100), Math.floor(state / 20) % 5, Math.floor(state / 4) % 5, state % 4];
}

function canMove(row: number, col: number, action: number): boolean {
  switch (action) {
    case SOUTH:
      return row < 4;
    case NORTH:
      return row > 0;
    case EAST:
      return col < 4 && MAP[1 + row][2 * col + 2] === ':';
    case WEST:
      return col > 0 && MAP[1 + row][2 * col] === ':';
    default:
      return false;
  }
}

/** The cell after a movement action, or the same cell when a border or wall is in the way. */
function moved(row: number, col: number, action: number): [number, number] {
  if (!canMove(row, col, action)) return [row, col];
  if (action === SOUTH) return [row + 1, col];
  if (action === NORTH) return [row - 1, col];
  return action === EAST ? [row, col + 1] : [row, col - 1];
}

function locIndex(row: number, col: number): number {
  return LOCS.findIndex(([r, c]) => r === row && c === col);
}

/**
 * Taxi: drive to the passenger, pick them up, and drop them off at their destination, on a 5x5 grid with walls
 * and four landmarks R, G, Y, B (Dietterich, 2000).
 *
 * - Observation space: `Discrete(500)`, `((taxiRow * 5 + taxiCol) * 5 + passengerLocation) * 4 + destination`,
 *   with passenger location 0-3 a landmark (R, G, Y, B) or 4 in the taxi, destination 0-3 a landmark.
 *   404 states are reachable: the 300 start states, 100 with the passenger aboard, 4 right after a delivery.
 * - Action space: `Discrete(6)`: 0 south, 1 north, 2 east, 3 west, 4 pickup, 5 dropoff.
 * - Dynamics: a move into a border or wall leaves the taxi in place. Pickup succeeds at the passenger's
 *   landmark; dropoff with the passenger aboard at a landmark leaves them there (at the destination, the ride
 *   ends). When `isRainy`, a movement whose intended cell is reachable goes there with `rainyProbability` (0.8)
 *   and to each side of the heading with (1 - rainyProbability) / 2 (a blocked side leaves the taxi in place);
 *   a blocked movement stays put whatever the weather. `P` lists [intended, left, right]. When
 *   `ficklePassenger`, with `fickleProbability` (0.3, drawn at reset) the passenger switches to one of the
 *   three other destinations, uniformly, on the first step that moves the taxi with them aboard; this is
 *   outside `P`.
 * - Rewards: -1 per step, +20 for the delivery, -10 for an illegal pickup or dropoff.
 * - Start state: uniform over the 300 states whose passenger waits at a landmark other than the destination.
 * - Episode end: terminated on the delivery. Truncation at 200 steps is the TimeLimit wrapper's.
 * - Info: `{prob, action_mask}`: the probability of the outcome drawn (1 at reset), and an Int8Array of 6
 *   with 1 for each action that changes the state (a fresh copy each time: callers may keep or change it).
 *
 * Arguments: `isRainy` (false), `ficklePassenger` (false), `rainyProbability` (0.8), `fickleProbability` (0.3),
 * `renderMode` ('ansi' or null). Reference: Gymnasium 1.4.0 `TaxiEnv` (v4).
 */
export class TaxiEnv extends TabularEnv {
  override metadata = { renderModes: ['ansi'], renderFps: 4 };
  readonly observationSpace = new Discrete(N_STATES);
  readonly actionSpace = new Discrete(N_ACTIONS);
  readonly isRainy: boolean;
  readonly ficklePassenger: boolean;
  readonly rainyProbability: number;
  readonly fickleProbability: number;
  /** Whether the passenger of this episode will still change destination. */
  fickleStep = false;
  /** `masks[s]`: the action mask of state s, views into one buffer so that steps allocate none. */
  private readonly masks: Int8Array[];

  constructor(kwargs: Record<string, unknown> = {}) {
    super();
    const k = parseKwargs('TaxiEnv', SCHEMA, kwargs);
    this.isRainy = k.isRainy;
    this.ficklePassenger = k.ficklePassenger;
    this.rainyProbability = k.rainyProbability;
    this.fickleProbability = k.fickleProbability;

    this.initialStateDistrib = new Float64Array(N_STATES);
    this.P = new Array<TransitionTable[number]>(N_STATES);
    const maskBuffer = new Int8Array(N_STATES * N_ACTIONS);
    this.masks = new Array<Int8Array>(N_STATES);
    for (let row = 0; row < 5; row++) {
      for (let col = 0; col < 5; col++) {
        for (let passIdx = 0; passIdx < 5; passIdx++) {
          for (let destIdx = 0; destIdx < 4; destIdx++) {
            const state = encodeTaxiState(row, col, passIdx, destIdx);
            if (passIdx < 4 && passIdx !== destIdx) this.initialStateDistrib[state] += 1;
            const byAction: Transition[][] = [];
            for (let a = 0; a < N_ACTIONS; a++) byAction.push(this.outcomes(row, col, passIdx, destIdx, a));
            this.P[state] = byAction;
            this.masks[state] = maskBuffer.subarray(state * N_ACTIONS, (state + 1) * N_ACTIONS);
            this.writeMask(this.masks[state], row, col, passIdx, destIdx);
          }
        }
      }
    }
    let total = 0;
    for (let s = 0; s < N_STATES; s++) total += this.initialStateDistrib[s];
    for (let s = 0; s < N_STATES; s++) this.initialStateDistrib[s] /= total;
    this.setRenderMode(k.renderMode);
  }

  private outcomes(row: number, col: number, passIdx: number, destIdx: number, action: number): Transition[] {
    if (action === PICKUP) {
      if (passIdx < 4 && locIndex(row, col) === passIdx)
        return [[1.0, encodeTaxiState(row, col, IN_TAXI, destIdx), -1, false]];
      return [[1.0, encodeTaxiState(row, col, passIdx, destIdx), -10, false]];
    }
    if (action === DROPOFF) {
      const here = locIndex(row, col);
      if (passIdx === IN_TAXI && here === destIdx)
        return [[1.0, encodeTaxiState(row, col, destIdx, destIdx), 20, true]];
      if (passIdx === IN_TAXI && here >= 0) return [[1.0, encodeTaxiState(row, col, here, destIdx), -1, false]];
      return [[1.0, encodeTaxiState(row, col, passIdx, destIdx), -10, false]];
    }
    const [r, c] = moved(row, col, action);
    const ahead = encodeTaxiState(r, c, passIdx, destIdx);
    if (!this.isRainy) return [[1.0, ahead, -1, false]];
    const lateral = (1 - this.rainyProbability) / 2;
    const [leftMove, rightMove] = LATERALS[action];
    const blocked = !canMove(row, col, action);
    const [lr, lc] = blocked ? [row, col] : moved(row, col, leftMove);
    const [rr, rc] = blocked ? [row, col] : moved(row, col, rightMove);
    return [
      [this.rainyProbability, ahead, -1, false],
      [lateral, encodeTaxiState(lr, lc, passIdx, destIdx), -1, false],
      [lateral, encodeTaxiState(rr, rc, passIdx, destIdx), -1, false],
    ];
  }

  private writeMask(mask: Int8Array, row: number, col: number, passIdx: number, destIdx: number): void {
    for (let a = SOUTH; a <= WEST; a++) mask[a] = canMove(row, col, a) ? 1 : 0;
    const here = locIndex(row, col);
    mask[PICKUP] = passIdx < 4 && here === passIdx ? 1 : 0;
    mask[DROPOFF] = passIdx === IN_TAXI && (here === destIdx || here >= 0) ? 1 : 0;
  }

  /** The actions that change `state` (1) or leave it as it is (0), as a new array. */
  actionMask(state: number): Int8Array {
    return Int8Array.from(this.masks[checkStateIndex('TaxiEnv', state, N_STATES)]);
  }

  encode(taxiRow: number, taxiCol: number, passLoc: number, destIdx: number): number {
    return encodeTaxiState(taxiRow, taxiCol, passLoc, destIdx);
  }

  decode(state: number): [number, number, number, number] {
    return decodeTaxiState(state);
  }

  override reset(opts: ResetOptions = {}): ResetResult<number> {
    super.reset(opts); // draws the start state (1 / 300 on each start state)
    this.fickleStep = this.ficklePassenger && this.rng.random() < this.fickleProbability;
    return { obs: this.s, info: { prob: 1.0, action_mask: this.masks[this.s].slice() } };
  }

  override step(action: number): StepResult<number> {
    const previous = this.s;
    const t = sampleOutcome(outcomesOf('TaxiEnv', this.P, previous, action), this.rng);
    let next = t[1];
    this.lastAction = action;
    // state / 20 is the taxi's cell, floor(state / 4) % 5 the passenger's location, state % 4 the destination.
    if (
      this.fickleStep &&
      Math.floor(previous / 4) % 5 === IN_TAXI &&
      Math.floor(next / 20) !== Math.floor(previous / 20)
    ) {
      this.fickleStep = false;
      const oldDest = previous % 4;
      const k = this.rng.below(3);
      next += (k < oldDest ? k : k + 1) - (next % 4);
    }
    this.s = next;
    return {
      obs: next,
      reward: t[2],
      terminated: t[3],
      truncated: false,
      info: { prob: t[0], action_mask: this.masks[next].slice() },
    };
  }

  /**
   * The map with the taxi highlighted (yellow when empty, green with the passenger aboard), the waiting
   * passenger in bold blue, the destination in magenta, then the last action ("  (North)") or an empty line.
   */
  override render(): string | null {
    if (this.renderMode !== 'ansi') return null;
    const out = MAP.map((line) => [...line]);
    const [taxiRow, taxiCol, passIdx, destIdx] = decodeTaxiState(this.s);
    const taxiCell = out[1 + taxiRow][2 * taxiCol + 1];
    if (passIdx < 4) {
      out[1 + taxiRow][2 * taxiCol + 1] = colorize(taxiCell, 'yellow', false, true);
      const [pi, pj] = LOCS[passIdx];
      out[1 + pi][2 * pj + 1] = colorize(out[1 + pi][2 * pj + 1], 'blue', true);
    } else {
      out[1 + taxiRow][2 * taxiCol + 1] = colorize(taxiCell === ' ' ? '_' : taxiCell, 'green', false, true);
    }
    const [di, dj] = LOCS[destIdx];
    out[1 + di][2 * dj + 1] = colorize(out[1 + di][2 * dj + 1], 'magenta');
    const footer = this.lastAction !== null ? `  (${ACTION_NAMES[this.lastAction]})\n` : '\n';
    return out.map((row) => row.join('')).join('\n') + '\n' + footer;
  }
}
