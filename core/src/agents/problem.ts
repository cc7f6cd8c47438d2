/**
 * A selection problem prepared for the solvers (exact.ts, genetic.ts): the eligible offers in a
 * fixed order and the objective in a form that is fast to evaluate for a set of them.
 *
 * For a chosen set S the objective is linear in the energies x taken: with v = C2·s + C3·e + C6·p
 * per offer and K = C4·t + C5·q of the set, f = C1/D · Σ x·(v + K). So for a given set the best
 * energies are exact and found greedily: every offer takes its minimum, then the rest of
 * min(D, Σ open energy) goes to the offers in order of v (falling); a set whose minimums exceed D
 * is infeasible. The solvers only search over sets.
 */
import { Candidate } from './candidate';
import { Fill, ObjectiveTerms, ObjectiveWeights, tradeSurplus } from './objective';
import { PPM } from '../market/order';

export interface Problem {
  /** The eligible offers, by v falling then offer id: the order the energies are handed out in. */
  readonly candidates: readonly Candidate[];
  readonly value: Float64Array;
  /** Each offer's seller as a number, and how many sellers there are. */
  readonly seller: Int32Array;
  readonly sellerCount: number;
  readonly terms: ObjectiveTerms;
  readonly weights: ObjectiveWeights;
}

/** A set of offers (indices into the problem's candidates, ascending) with its score. */
export interface Scored {
  readonly members: readonly number[];
  readonly score: number;
  readonly sellers: number;
}

/** Scores closer than this count as equal; then fewer sellers win, then the lexicographically first set. */
export const SCORE_TOLERANCE = 1e-12;

/** The offers the buyer may take (price at most its maximum, minimum within its demand), prepared. */
export function problemOf(
  offers: readonly Candidate[],
  terms: ObjectiveTerms,
  weights: ObjectiveWeights,
  maxPriceMicrosPerKwh: number,
): Problem {
  const w = weights;
  const valueOf = (c: Candidate) =>
    w.surplus * tradeSurplus(c.priceMicrosPerKwh, terms) + (w.efficiency * c.efficiencyPpm + w.participation * c.participationPpm) / PPM;
  const eligible = offers
    .filter((c) => c.priceMicrosPerKwh <= maxPriceMicrosPerKwh && c.minEnergyWh <= terms.demandWh)
    .map((c) => ({ c, v: valueOf(c) }))
    .sort((a, b) => b.v - a.v || (a.c.offerId < b.c.offerId ? -1 : a.c.offerId > b.c.offerId ? 1 : 0));
  const sellerIds = [...new Set(eligible.map((x) => x.c.sellerId))].sort();
  const sellerNumber = new Map(sellerIds.map((id, k) => [id, k]));
  return {
    candidates: eligible.map((x) => x.c),
    value: Float64Array.from(eligible.map((x) => x.v)),
    seller: Int32Array.from(eligible.map((x) => sellerNumber.get(x.c.sellerId)!)),
    sellerCount: sellerIds.length,
    terms,
    weights,
  };
}

/** The best energies for a set (ascending indices), or null when its minimums exceed the demand. */
export function energiesOf(problem: Problem, members: readonly number[]): number[] | null {
  const { candidates, terms } = problem;
  let least = 0;
  let most = 0;
  for (const i of members) {
    least += candidates[i].minEnergyWh;
    most += candidates[i].energyWh;
  }
  if (least > terms.demandWh) return null;
  let rest = Math.min(terms.demandWh, most) - least;
  return members.map((i) => {
    const c = candidates[i];
    const more = Math.min(c.energyWh - c.minEnergyWh, rest);
    rest -= more;
    return c.minEnergyWh + more;
  });
}

/** The set with its score; -Infinity for an infeasible or empty set. */
export function scoreOf(problem: Problem, members: readonly number[]): Scored {
  const energies = members.length === 0 ? null : energiesOf(problem, members);
  if (energies === null) return { members, score: -Infinity, sellers: 0 };
  const { candidates, value, seller, terms, weights: w } = problem;
  const seen: number[] = [];
  const seconds: number[] = [];
  const quality: number[] = [];
  let weighted = 0;
  let total = 0;
  members.forEach((i, k) => {
    weighted += energies[k] * value[i];
    total += energies[k];
    const at = seen.indexOf(seller[i]);
    if (at < 0) {
      seen.push(seller[i]);
      seconds.push(candidates[i].durationSeconds);
      quality.push(candidates[i].qualityPpm);
    } else {
      seconds[at] = Math.max(seconds[at], candidates[i].durationSeconds);
      quality[at] = Math.min(quality[at], candidates[i].qualityPpm);
    }
  });
  const order = seen.map((_, k) => k).sort((a, b) => seen[a] - seen[b]);
  const t = Math.min(1, Math.max(0, 1 - order.reduce((sum, k) => sum + seconds[k], 0) / terms.durationHorizonSeconds));
  const q = order.reduce((product, k) => product * (quality[k] / PPM), 1);
  const score = (w.availability / terms.demandWh) * (weighted + (w.duration * t + w.quality * q) * total);
  return { members, score, sellers: seen.length };
}

/** Whether `a` beats `b`: a higher score, then fewer sellers, then the lexicographically first set. */
export function beats(a: Scored, b: Scored): boolean {
  if (Math.abs(a.score - b.score) > SCORE_TOLERANCE || !Number.isFinite(a.score) || !Number.isFinite(b.score)) return a.score > b.score;
  if (a.sellers !== b.sellers) return a.sellers < b.sellers;
  for (let k = 0; k < Math.min(a.members.length, b.members.length); k++)
    if (a.members[k] !== b.members[k]) return a.members[k] < b.members[k];
  return a.members.length < b.members.length;
}

/** The set's fills in the problem's order (v falling): the order the agent sends its requests in. */
export function fillsOf(problem: Problem, members: readonly number[]): Fill[] {
  const energies = energiesOf(problem, members) ?? [];
  return members.map((i, k) => ({ candidate: problem.candidates[i], energyWh: energies[k] }));
}
