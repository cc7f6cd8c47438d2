/**
 * The agents' seeded pseudo-random numbers (pure-rand's xoroshiro128+): the same seed gives the same
 * sequence on every machine, so a selection or a synthetic history is reproduced from its seed.
 */
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

export interface Rng {
  /** An integer in [from, to], both included. */
  int(from: number, to: number): number;
  /** A number in [0, 1). */
  unit(): number;
}

/** A generator seeded with a 32-bit integer (other numbers are truncated to one). */
export function seededRng(seed: number): Rng {
  const g = xoroshiro128plus(seed | 0);
  return { int: (from, to) => uniformInt(g, from, to), unit: () => uniformFloat64(g) };
}
