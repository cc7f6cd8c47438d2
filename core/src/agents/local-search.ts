/**
 * The local search that finishes the genetic algorithm (genetic.ts): from the best set found, move
 * to a better neighbour while there is one. Neighbours:
 *  - one offer dropped, with the set completed (search.ts) or not;
 *  - one of the `neighbourhood` best offers (by their score alone) added, or swapped for a member;
 *  - two of the PAIRS best added, with or without a member dropped;
 *  - the set filled up from the offers of one of the SELLERS best sellers, alone, added, or in place
 *    of a member's seller's offers, completed or not.
 * Each neighbour is repaired (search.ts) before it is scored.
 */
import { beats, Scored } from './problem';
import { Search } from './search';

/** Rounds at most (each strictly better, so this is only a guard). */
const MAX_ROUNDS = 100;
/** The best offers alone among which pairs are tried. */
const PAIRS = 30;
/** The sellers (by their best offer) whose offers are tried. */
const SELLERS = 30;

function neighbours(search: Search, members: readonly number[], near: readonly number[]): number[][] {
  const out: number[][] = members.flatMap((_, k) => {
    const dropped = members.filter((__, j) => j !== k);
    return [dropped, search.complete(dropped)];
  });
  const outside = near.filter((i) => !members.includes(i));
  for (const i of outside) {
    out.push([...members, i]);
    for (let k = 0; k < members.length; k++) out.push(members.map((m, j) => (j === k ? i : m)));
  }
  const pairs = outside.slice(0, PAIRS);
  for (let x = 0; x < pairs.length; x++)
    for (let y = x + 1; y < pairs.length; y++) {
      out.push([...members, pairs[x], pairs[y]]);
      for (let k = 0; k < members.length; k++) out.push([...members.filter((_, j) => j !== k), pairs[x], pairs[y]]);
    }
  const own = [...new Set(members.map((i) => search.problem.seller[i]))];
  const bases = [members, [], ...own.map((o) => members.filter((i) => search.problem.seller[i] !== o))];
  for (const s of search.sellerRank.slice(0, SELLERS)) {
    const theirs = search.offersOf[s];
    for (const base of bases) out.push(search.greedy(theirs, base), search.fromSeller(s, base));
  }
  return out;
}

/** The local optimum reached from `start`. */
export function improve(search: Search, start: Scored, neighbourhood: number): Scored {
  let best = start;
  const near = search.rank.slice(0, neighbourhood);
  for (let improved = true, round = 0; improved && round < MAX_ROUNDS; round++) {
    improved = false;
    for (const t of neighbours(search, best.members, near)) {
      const s = search.score(search.repair(t));
      if (beats(s, best)) {
        best = s;
        improved = true;
      }
    }
  }
  return best;
}
