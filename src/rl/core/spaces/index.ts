export { Space, type SpaceJSON, type FlatArray } from './space.js';
export { Box, type BoxDType, type BoxValue } from './box.js';
export { Discrete } from './discrete.js';
export { MultiDiscrete, MultiBinary } from './multi.js';
export { Tuple, Dict } from './composite.js';

import { Space, type SpaceJSON, describeValue } from './space.js';
import { Box } from './box.js';
import { Discrete } from './discrete.js';
import { MultiDiscrete, MultiBinary } from './multi.js';
import { Tuple, Dict } from './composite.js';

/** Rebuilds a space from its `toJSON()` form (or the parsed text of it). */
export function spaceFromJSON(json: SpaceJSON | string): Space {
  const j = (typeof json === 'string' ? JSON.parse(json) : json) as SpaceJSON;
  if (j === null || typeof j !== 'object')
    throw new TypeError(`spaceFromJSON: expected an object, got ${describeValue(j)}`);
  switch (j.type) {
    case 'Box':
      return Box.fromJSON(j);
    case 'Discrete':
      return Discrete.fromJSON(j);
    case 'MultiDiscrete':
      return MultiDiscrete.fromJSON(j);
    case 'MultiBinary':
      return MultiBinary.fromJSON(j);
    case 'Tuple':
      return new Tuple((j.spaces as SpaceJSON[]).map(spaceFromJSON));
    case 'Dict': {
      const parts: Record<string, Space> = {};
      for (const [k, v] of Object.entries(j.spaces as Record<string, SpaceJSON>)) parts[k] = spaceFromJSON(v);
      return new Dict(parts);
    }
    default:
      throw new TypeError(
        `spaceFromJSON: unknown space type ${describeValue(j.type)}; expected Box, Discrete, MultiDiscrete, MultiBinary, Tuple or Dict`,
      );
  }
}

/** The Box that `FlattenObservation` maps `space` onto (float64 if any part is float64, float32 otherwise). */
export function flattenSpace(space: Space): Box {
  if (space instanceof Box) return new Box(space.low, space.high, [space.size], space.dtype);
  const lows: number[] = [],
    highs: number[] = [];
  let dtype: 'float32' | 'float64' = 'float32';
  const walk = (s: Space): void => {
    if (s instanceof Box) {
      lows.push(...s.low);
      highs.push(...s.high);
      if (s.dtype === 'float64') dtype = 'float64';
    } else if (s instanceof Tuple) s.spaces.forEach(walk);
    else if (s instanceof Dict) s.keys.forEach((k) => walk(s.spaces[k]));
    else {
      for (let i = 0; i < s.flatDim; i++) {
        lows.push(0);
        highs.push(1);
      }
    }
  };
  walk(space);
  return new Box(lows, highs, [lows.length], dtype);
}
