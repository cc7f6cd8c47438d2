/**
 * The exact selection by exhaustive search: every set of eligible offers whose minimums fit the
 * demand, scored by problem.ts; the best by `beats`. Exponential: for small problems (at most
 * EXACT_MAX_OFFERS offers) and as the reference the genetic algorithm is tested against.
 */
import { beats, Problem, Scored, scoreOf } from './problem';
import { agentInputInvalid } from './invalid';

/** 2^16 sets at most. */
export const EXACT_MAX_OFFERS = 16;

const NONE: Scored = { members: [], score: -Infinity, sellers: 0 };

/** The best set, or an empty one with score -Infinity when no offer is eligible. */
export function exactSelection(problem: Problem): Scored {
  const n = problem.candidates.length;
  if (n > EXACT_MAX_OFFERS) throw agentInputInvalid('offers', `the exact search takes at most ${EXACT_MAX_OFFERS} eligible offers`);
  let best = NONE;
  const members: number[] = [];
  const visit = (from: number, least: number): void => {
    for (let i = from; i < n; i++) {
      const more = least + problem.candidates[i].minEnergyWh;
      if (more > problem.terms.demandWh) continue;
      members.push(i);
      const scored = scoreOf(problem, [...members]);
      if (beats(scored, best)) best = scored;
      visit(i + 1, more);
      members.pop();
    }
  };
  visit(0, 0);
  return best;
}
