/**
 * The objective a buying agent maximises when it picks offers (docs/agents.md, *Objective*): the
 * specification's f(X) = C1·a × Σ(i=2..6) Ci·Xi over X = [a, s, e, t, q, p], each in [0, 1]:
 *  - a, surplus availability: the share of the buyer's demand the chosen offers cover;
 *  - s, trade surplus: what the buyer saves per kWh against the utility's retail tariff,
 *    (retail − price − grid fee) / (retail − feed-in), clipped to [0, 1], energy-weighted;
 *  - e, transfer efficiency: the share of the energy that reaches the buyer over the grid model's
 *    feeders (efficiency.ts), energy-weighted;
 *  - t, transaction duration: 1 − (predicted seconds of all the transactions, one per seller, one
 *    after the other) / the horizon, clipped to [0, 1]: more sellers take longer;
 *  - q, transaction quality: the probability that every seller delivers, the product over the
 *    sellers of each one's predicted delivered share: more sellers are likelier to fail;
 *  - p, market participation: the sellers' share of recent market intervals in which they offered,
 *    energy-weighted.
 * Money and energy are integers; the score is a float (not ledger state), computed in a fixed order.
 */
import { MAX_ORDER_ENERGY_WH, MAX_PRICE_MICROS_PER_KWH, PPM } from '../market/order';
import { Candidate } from './candidate';
import { agentInputInvalid, integerIn } from './invalid';

/** The per-user weights vector: C1 (availability) scales the sum of C2..C6 (the other five). */
export interface ObjectiveWeights {
  availability: number;
  surplus: number;
  efficiency: number;
  duration: number;
  quality: number;
  participation: number;
}

/**
 * Defaults: C1 = 1, and C2..C6 add up to 1, so f is in [0, 1]. Money first (s 0.35), then whether the
 * trade happens at all (q 0.3), then losses (e 0.15), speed (t 0.1) and the seller's regularity (p 0.1).
 */
export const DEFAULT_WEIGHTS: Readonly<ObjectiveWeights> = Object.freeze({
  availability: 1,
  surplus: 0.35,
  efficiency: 0.15,
  duration: 0.1,
  quality: 0.3,
  participation: 0.1,
});

export const WEIGHT_FIELDS = ['availability', 'surplus', 'efficiency', 'duration', 'quality', 'participation'] as const;

/** A weights vector: the six fields, each a finite number in [0, 1000], C1 and at least one of C2..C6 above 0. */
export function validateWeights(input: unknown): ObjectiveWeights {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw agentInputInvalid('weights', 'weights must be an object');
  const r = input as Record<string, unknown>;
  for (const k of Object.keys(r).sort())
    if (!(WEIGHT_FIELDS as readonly string[]).includes(k)) throw agentInputInvalid(`weights.${k}`, `${k} is not a weight`);
  for (const k of WEIGHT_FIELDS) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1000)
      throw agentInputInvalid(`weights.${k}`, `${k} must be a number in [0, 1000]`);
  }
  const w = r as unknown as ObjectiveWeights;
  if (w.availability === 0 || WEIGHT_FIELDS.slice(1).every((k) => w[k] === 0))
    throw agentInputInvalid('weights', 'availability and at least one other weight must be above 0');
  return { ...w };
}

/** What the objective needs of the buyer and its market. */
export interface ObjectiveTerms {
  /** Energy the buyer wants from peers in the interval (Wh, > 0): the denominator of a. */
  demandWh: number;
  feedInMicrosPerKwh: number;
  retailMicrosPerKwh: number;
  gridFeeMicrosPerKwh: number;
  /** The duration at which t reaches 0 (seconds, > 0). */
  durationHorizonSeconds: number;
}

/** Default horizon of t: a minute of requests (a trade on the ledger takes a few seconds). */
export const DEFAULT_DURATION_HORIZON_SECONDS = 60;

/** The terms checked: demand 1 Wh or more, 0 ≤ feed-in ≤ retail, a fee, a horizon of 1 s to a day. */
export function validateTerms(t: ObjectiveTerms): ObjectiveTerms {
  integerIn(t.demandWh, 'demandWh', 1, MAX_ORDER_ENERGY_WH);
  integerIn(t.retailMicrosPerKwh, 'retailMicrosPerKwh', 0, MAX_PRICE_MICROS_PER_KWH);
  integerIn(t.feedInMicrosPerKwh, 'feedInMicrosPerKwh', 0, t.retailMicrosPerKwh);
  integerIn(t.gridFeeMicrosPerKwh, 'gridFeeMicrosPerKwh', 0, MAX_PRICE_MICROS_PER_KWH);
  integerIn(t.durationHorizonSeconds, 'durationHorizonSeconds', 1, 86_400);
  return t;
}

/** The objective vector X, each component in [0, 1]. */
export interface ObjectiveVector {
  a: number;
  s: number;
  e: number;
  t: number;
  q: number;
  p: number;
}

/** A chosen offer and the energy taken from it. */
export interface Fill {
  candidate: Candidate;
  energyWh: number;
}

const clip = (x: number): number => Math.min(1, Math.max(0, x));

/** s of one price: the buyer's saving against retail per kWh, over the band's width (0 for an empty band). */
export function tradeSurplus(priceMicrosPerKwh: number, terms: ObjectiveTerms): number {
  const band = terms.retailMicrosPerKwh - terms.feedInMicrosPerKwh;
  if (band <= 0) return 0;
  return clip((terms.retailMicrosPerKwh - priceMicrosPerKwh - terms.gridFeeMicrosPerKwh) / band);
}

/** X of a set of fills (the definitions above); an empty set is all zeros. */
export function objectiveVector(fills: readonly Fill[], terms: ObjectiveTerms): ObjectiveVector {
  const total = fills.reduce((sum, f) => sum + f.energyWh, 0);
  if (total === 0) return { a: 0, s: 0, e: 0, t: 0, q: 0, p: 0 };
  const mean = (of: (c: Candidate) => number) => fills.reduce((sum, f) => sum + f.energyWh * of(f.candidate), 0) / total;
  // A seller with several chosen offers is one transaction: its slowest duration and lowest quality.
  const bySeller = new Map<string, { seconds: number; qualityPpm: number }>();
  for (const { candidate: c } of fills) {
    const s = bySeller.get(c.sellerId) ?? { seconds: 0, qualityPpm: PPM };
    bySeller.set(c.sellerId, { seconds: Math.max(s.seconds, c.durationSeconds), qualityPpm: Math.min(s.qualityPpm, c.qualityPpm) });
  }
  const sellers = [...bySeller.keys()].sort();
  const seconds = sellers.reduce((sum, id) => sum + bySeller.get(id)!.seconds, 0);
  const q = sellers.reduce((product, id) => product * (bySeller.get(id)!.qualityPpm / PPM), 1);
  return {
    a: clip(total / terms.demandWh),
    s: mean((c) => tradeSurplus(c.priceMicrosPerKwh, terms)),
    e: mean((c) => c.efficiencyPpm / PPM),
    t: clip(1 - seconds / terms.durationHorizonSeconds),
    q,
    p: mean((c) => c.participationPpm / PPM),
  };
}

/** f(X) = C1·a × (C2·s + C3·e + C4·t + C5·q + C6·p). */
export function objectiveOf(x: ObjectiveVector, w: ObjectiveWeights): number {
  return w.availability * x.a * (w.surplus * x.s + w.efficiency * x.e + w.duration * x.t + w.quality * x.q + w.participation * x.p);
}
