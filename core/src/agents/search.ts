/**
 * What the genetic algorithm (genetic.ts) and its local search (local-search.ts) work with: the
 * memo of scored sets, the offers ranked by their score alone, each seller's offers, and the
 * operators on sets: a biased draw, repair, greedy seeds, mutation and crossover.
 */
import { beats, Problem, Scored, scoreOf } from './problem';
import { Rng } from './random';

/** Chance of one more mutation after each one. */
const AGAIN = 0.3;

export class Search {
  readonly memo = new Map<string, Scored>();
  /** Offers by their score alone, best first. */
  readonly rank: number[];
  /** Each seller's offers (ascending), by seller number. */
  readonly offersOf: number[][];
  /** Sellers by the rank of their best offer. */
  readonly sellerRank: number[];
  private readonly rankOf: Int32Array;

  constructor(
    readonly problem: Problem,
    readonly rng: Rng,
  ) {
    const n = problem.candidates.length;
    const solo = Array.from({ length: n }, (_, i) => this.score([i]));
    this.rank = solo.map((_, i) => i).sort((a, b) => (beats(solo[a], solo[b]) ? -1 : beats(solo[b], solo[a]) ? 1 : a - b));
    this.rankOf = new Int32Array(n);
    this.rank.forEach((i, r) => (this.rankOf[i] = r));
    this.offersOf = Array.from({ length: problem.sellerCount }, () => []);
    for (let i = 0; i < n; i++) this.offersOf[problem.seller[i]].push(i);
    this.sellerRank = [...new Set(this.rank.map((i) => problem.seller[i]))];
  }

  score(members: readonly number[]): Scored {
    const key = members.join(',');
    let s = this.memo.get(key);
    if (s === undefined) {
      s = scoreOf(this.problem, members);
      this.memo.set(key, s);
    }
    return s;
  }

  /** An offer: half the time any, else one that scores well alone far likelier (rank ∝ u³). */
  pick(): number {
    const n = this.rank.length;
    if (this.rng.unit() < 0.5) return this.rng.int(0, n - 1);
    return this.rank[Math.min(n - 1, Math.floor(n * this.rng.unit() ** 3))];
  }

  /** All the offers of offer i's seller. */
  sellerOf(i: number): number[] {
    return this.offersOf[this.problem.seller[i]];
  }

  /** Sorted, distinct, and with the worst-ranked members dropped until the minimums fit the demand. */
  repair(members: Iterable<number>): number[] {
    const set = [...new Set(members)].sort((a, b) => this.rankOf[a] - this.rankOf[b]);
    const demand = this.problem.terms.demandWh;
    let least = set.reduce((sum, i) => sum + this.problem.candidates[i].minEnergyWh, 0);
    while (least > demand) least -= this.problem.candidates[set.pop()!].minEnergyWh;
    return set.sort((a, b) => a - b);
  }

  /** `start` with offers of `order` added while their minimums fit, until the open energy covers the demand. */
  greedy(order: readonly number[], start: readonly number[] = []): number[] {
    const { candidates, terms } = this.problem;
    const set = [...start];
    let least = set.reduce((sum, i) => sum + candidates[i].minEnergyWh, 0);
    let most = set.reduce((sum, i) => sum + candidates[i].energyWh, 0);
    for (const i of order) {
      if (most >= terms.demandWh) break;
      if (set.includes(i) || least + candidates[i].minEnergyWh > terms.demandWh) continue;
      set.push(i);
      least += candidates[i].minEnergyWh;
      most += candidates[i].energyWh;
    }
    return set.sort((a, b) => a - b);
  }

  /** `set` filled up greedily from the other offers of its own sellers (by value per Wh), then from the best offers alone. */
  complete(set: readonly number[]): number[] {
    const own = [...new Set(set.map((i) => this.problem.seller[i]))].flatMap((s) => this.offersOf[s]).sort((a, b) => a - b);
    return this.greedy(this.rank, this.greedy(own, set));
  }

  /** `start` filled up greedily from one seller's offers, then completed. */
  fromSeller(seller: number, start: readonly number[] = []): number[] {
    return this.complete(this.greedy(this.offersOf[seller], start));
  }

  /** Add, drop or swap an offer (again at a chance of AGAIN), or fill the set up from one seller's offers (fromSeller). */
  mutate(members: readonly number[]): number[] {
    const set = [...members];
    do {
      const op = set.length === 0 ? 0 : this.rng.int(0, 3);
      if (op === 0) set.push(this.pick());
      else if (op === 1) set.splice(this.rng.int(0, set.length - 1), 1);
      else if (op === 2) set[this.rng.int(0, set.length - 1)] = this.pick();
      else return this.fromSeller(this.problem.seller[this.pick()], set);
    } while (this.rng.unit() < AGAIN);
    return set;
  }

  /** Uniform crossover: what both parents hold, and each other member at a chance of one half. */
  crossover(a: readonly number[], b: readonly number[]): number[] {
    const inB = new Set(b);
    const child = a.filter((i) => inB.has(i) || this.rng.unit() < 0.5);
    for (const i of b) if (!a.includes(i) && this.rng.unit() < 0.5) child.push(i);
    return child;
  }
}
