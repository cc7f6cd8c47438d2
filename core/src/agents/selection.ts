/**
 * Trade selection (FR-05, FR-12; docs/agents.md, *Selection*): the offers a buyer with a deficit
 * requests, and how much of each, to maximise the objective (objective.ts). Several offers may be
 * needed; the objective itself prefers fewer sellers (t adds their durations, q multiplies their
 * qualities), and equal scores go to fewer sellers. Small problems are solved exactly (exact.ts),
 * larger ones by the genetic algorithm (genetic.ts). Feasible by construction: no offer gives more
 * than its open energy or less than its minimum, the total stays within the demand (the buyer's
 * deficit within its mandate's energy limit) and no price is above the buyer's maximum.
 */
import { validateCandidates } from './candidate';
import { exactSelection } from './exact';
import { GeneticOptions, geneticSelection } from './genetic';
import { agentInputInvalid, integerIn } from './invalid';
import {
  DEFAULT_DURATION_HORIZON_SECONDS,
  DEFAULT_WEIGHTS,
  ObjectiveVector,
  objectiveOf,
  objectiveVector,
  ObjectiveWeights,
  validateTerms,
  validateWeights,
} from './objective';
import { fillsOf, problemOf } from './problem';
import { MAX_PRICE_MICROS_PER_KWH } from '../market/order';

export interface SelectionRequest {
  /** Energy wanted from peers (Wh). */
  demandWh: number;
  /** The highest price the buyer pays (its mandate's maximum). */
  maxPriceMicrosPerKwh: number;
  feedInMicrosPerKwh: number;
  retailMicrosPerKwh: number;
  gridFeeMicrosPerKwh: number;
  durationHorizonSeconds?: number;
  weights?: ObjectiveWeights;
}

export interface SelectionOptions extends GeneticOptions {
  /** Problems with at most this many eligible offers are solved exactly. */
  exactUpTo: number;
}

/** One request to send: the offer, its seller, the energy to take and the offer's price. */
export interface SelectedFill {
  offerId: string;
  sellerId: string;
  energyWh: number;
  priceMicrosPerKwh: number;
}

export interface Selection {
  /** In the order to request them: the offer worth most per Wh first. */
  fills: SelectedFill[];
  coveredWh: number;
  sellers: number;
  vector: ObjectiveVector;
  score: number;
  method: 'none' | 'exact' | 'genetic';
  generations: number;
}

export const DEFAULT_EXACT_UP_TO = 12;

/** The best fills for the request among the offers (validated: AGENT_INPUT_INVALID with details.field). */
export function selectOffers(request: SelectionRequest, offers: unknown, options: Partial<SelectionOptions> = {}): Selection {
  const terms = validateTerms({
    demandWh: request.demandWh,
    feedInMicrosPerKwh: request.feedInMicrosPerKwh,
    retailMicrosPerKwh: request.retailMicrosPerKwh,
    gridFeeMicrosPerKwh: request.gridFeeMicrosPerKwh,
    durationHorizonSeconds: request.durationHorizonSeconds ?? DEFAULT_DURATION_HORIZON_SECONDS,
  });
  const maxPrice = integerIn(request.maxPriceMicrosPerKwh, 'maxPriceMicrosPerKwh', 0, MAX_PRICE_MICROS_PER_KWH);
  const weights = validateWeights(request.weights ?? DEFAULT_WEIGHTS);
  const exactUpTo = options.exactUpTo ?? DEFAULT_EXACT_UP_TO;
  if (!Number.isSafeInteger(exactUpTo) || exactUpTo < 0) throw agentInputInvalid('exactUpTo', 'exactUpTo must be a non-negative integer');
  const problem = problemOf(validateCandidates(offers), terms, weights, maxPrice);
  const n = problem.candidates.length;
  const method = n === 0 ? 'none' : n <= exactUpTo ? 'exact' : 'genetic';
  const result = method === 'genetic' ? geneticSelection(problem, options) : { ...exactSelection(problem), generations: 0 };
  const fills = fillsOf(problem, result.members);
  const vector = objectiveVector(fills, terms);
  return {
    fills: fills.map(({ candidate: c, energyWh }) => ({
      offerId: c.offerId,
      sellerId: c.sellerId,
      energyWh,
      priceMicrosPerKwh: c.priceMicrosPerKwh,
    })),
    coveredWh: fills.reduce((sum, f) => sum + f.energyWh, 0),
    sellers: new Set(fills.map((f) => f.candidate.sellerId)).size,
    vector,
    score: objectiveOf(vector, weights),
    method,
    generations: result.generations,
  };
}
