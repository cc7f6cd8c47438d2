/**
 * The genetic algorithm the specification proposes for trade selection (docs/agents.md, *Selection*).
 * A chromosome is a set of eligible offers; its fitness is the objective with the exact energies of
 * problem.ts (infeasible sets are repaired, never scored). The first generation is seeded with
 * greedy sets; each generation keeps the best two (elitism), breeds the rest from binary tournaments
 * by uniform crossover and mutates them (search.ts). The best set found is then improved by a local
 * search (local-search.ts) until no neighbour beats it.
 *
 * Same seed and same budget give the same result: the PRNG is seeded (random.ts), ties are broken
 * by `beats`. The time budget is a safety cap: a run it cuts short depends on the machine's speed.
 */
import { agentInputInvalid } from './invalid';
import { improve } from './local-search';
import { beats, Problem, Scored } from './problem';
import { seededRng } from './random';
import { Search } from './search';

export interface GeneticOptions {
  seed: number;
  populationSize: number;
  maxGenerations: number;
  /** Stop after this many generations without a better set. */
  stallGenerations: number;
  /** Stop once this much time has passed since the start (ms); the local search still runs. */
  timeBudgetMs: number;
  /** Chance that a child is mutated (then once more at 0.3 after each mutation). */
  mutationRate: number;
  /** Offers by solo score that the local search tries to add or swap in. */
  neighbourhood: number;
}

export const DEFAULT_GENETIC_OPTIONS: Readonly<GeneticOptions> = Object.freeze({
  seed: 1,
  populationSize: 60,
  maxGenerations: 300,
  stallGenerations: 50,
  timeBudgetMs: 500,
  mutationRate: 0.8,
  neighbourhood: 200,
});

export interface GeneticResult extends Scored {
  generations: number;
  evaluations: number;
  stoppedBy: 'generations' | 'stall' | 'time';
}

const ELITE = 2;
const TOURNAMENT = 2;
/** Sellers (by their best offer) whose sets seed the first generation. */
const SEED_SELLERS = 60;

function validOptions(o: GeneticOptions): void {
  const ok = (v: number, min: number) => Number.isSafeInteger(v) && v >= min;
  if (!ok(o.populationSize, ELITE + 1) || !ok(o.maxGenerations, 0) || !ok(o.stallGenerations, 1) || !ok(o.neighbourhood, 0))
    throw agentInputInvalid('genetic', 'population, generations, stall and neighbourhood must be integers (population above 2)');
  if (!(o.timeBudgetMs > 0) || !(o.mutationRate >= 0 && o.mutationRate <= 1))
    throw agentInputInvalid('genetic', 'timeBudgetMs must be above 0 and mutationRate in [0, 1]');
}

/** The GA's best set (score -Infinity when no offer is eligible). `now` is the clock of the time budget. */
export function geneticSelection(problem: Problem, options: Partial<GeneticOptions> = {}, now = () => performance.now()): GeneticResult {
  const o = { ...DEFAULT_GENETIC_OPTIONS, ...options };
  validOptions(o);
  const started = now();
  const n = problem.candidates.length;
  if (n === 0) return { members: [], score: -Infinity, sellers: 0, generations: 0, evaluations: 0, stoppedBy: 'generations' };
  const search = new Search(problem, seededRng(o.seed));
  const byFitness = (a: Scored, b: Scored) => (beats(a, b) ? -1 : beats(b, a) ? 1 : 0);
  // Seeds: greedy by score alone and by value per Wh, the three best offers alone, and the best half
  // of the sets each of the SEED_SELLERS best sellers fills (then completed from the best offers).
  const fromSellers = search.sellerRank.slice(0, SEED_SELLERS).map((s) => search.score(search.repair(search.fromSeller(s))));
  const seeds = [search.greedy(search.rank), search.greedy(search.rank.map((_, i) => i)), ...search.rank.slice(0, 3).map((i) => [i])];
  let population = seeds.map((m) => search.score(search.repair(m)));
  const present = new Set(population.map((x) => x.members.join(',')));
  for (const x of fromSellers
    .sort(byFitness)
    .filter((x) => !present.has(x.members.join(',')))
    .slice(0, o.populationSize >> 1))
    population.push(x);
  population = population.slice(0, o.populationSize);
  while (population.length < o.populationSize) {
    const size = search.rng.int(1, Math.min(6, n));
    population.push(search.score(search.repair(Array.from({ length: size }, () => search.pick()))));
  }
  population.sort(byFitness);
  let best = population[0];
  let generations = 0;
  let stall = 0;
  let stoppedBy: GeneticResult['stoppedBy'] = 'generations';
  const tournament = (): Scored => {
    let winner = population[search.rng.int(0, population.length - 1)];
    for (let k = 1; k < TOURNAMENT; k++) {
      const other = population[search.rng.int(0, population.length - 1)];
      if (beats(other, winner)) winner = other;
    }
    return winner;
  };
  while (generations < o.maxGenerations) {
    if (stall >= o.stallGenerations) {
      stoppedBy = 'stall';
      break;
    }
    if (now() - started > o.timeBudgetMs) {
      stoppedBy = 'time';
      break;
    }
    const next = population.slice(0, ELITE);
    const present = new Set(next.map((x) => x.members.join(',')));
    while (next.length < o.populationSize) {
      let child = search.crossover(tournament().members, tournament().members);
      if (child.length === 0 || search.rng.unit() < o.mutationRate) child = search.mutate(child);
      // A copy of a set already in the generation is mutated again (a few times): it keeps the population diverse.
      let members = search.repair(child);
      for (let k = 0; k < 3 && (members.length === 0 || present.has(members.join(','))); k++)
        members = search.repair(search.mutate(members));
      if (members.length === 0) continue;
      present.add(members.join(','));
      next.push(search.score(members));
    }
    population = next.sort(byFitness);
    generations += 1;
    if (beats(population[0], best)) {
      best = population[0];
      stall = 0;
    } else stall += 1;
  }
  best = improve(search, best, Math.min(n, o.neighbourhood));
  return { ...best, generations, evaluations: search.memo.size, stoppedBy };
}
