/**
 * An offer as a buying agent's selection sees it (docs/agents.md, *Selection*): the offer's open
 * energy, minimum and price, and what the agent knows or predicted of its seller. Checked here once,
 * so the solvers work on safe integers and shares in ppm.
 */
import { ID_PATTERN, ID_RULE } from '../core/identity';
import { MAX_ORDER_ENERGY_WH, MAX_PRICE_MICROS_PER_KWH, PPM } from '../market/order';
import { agentInputInvalid, integerIn } from './invalid';

/** One offer as the selection sees it, with the predictions the agent made for its seller. */
export interface Candidate {
  offerId: string;
  sellerId: string;
  /** Open energy of the offer (Wh). */
  energyWh: number;
  /** Least energy a request may take (Wh), 1 to energyWh. */
  minEnergyWh: number;
  priceMicrosPerKwh: number;
  /** e × 10^6 from the seller's zone to the buyer's (efficiency.ts). */
  efficiencyPpm: number;
  /** Predicted t: seconds from the request to the accepted trade (predict.ts). */
  durationSeconds: number;
  /** Predicted q × 10^6: the share of the agreed energy the seller delivers (predict.ts). */
  qualityPpm: number;
  /** p × 10^6: the seller's share of recent market intervals in which it offered. */
  participationPpm: number;
}

/** Longest predicted duration taken (a day). */
export const MAX_DURATION_SECONDS = 86_400;

function candidateOf(input: unknown, k: number): Candidate {
  const at = `offers[${k}]`;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw agentInputInvalid(at, `${at} must be an object`);
  const r = input as Record<string, unknown>;
  for (const f of ['offerId', 'sellerId'] as const)
    if (typeof r[f] !== 'string' || !ID_PATTERN.test(r[f])) throw agentInputInvalid(`${at}.${f}`, `${f} must be ${ID_RULE}`);
  const energyWh = integerIn(r.energyWh, `${at}.energyWh`, 1, MAX_ORDER_ENERGY_WH);
  const ppm = (f: 'efficiencyPpm' | 'qualityPpm' | 'participationPpm') => integerIn(r[f], `${at}.${f}`, 0, PPM);
  const duration = r.durationSeconds;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0 || duration > MAX_DURATION_SECONDS)
    throw agentInputInvalid(`${at}.durationSeconds`, `durationSeconds must be a number in [0, ${MAX_DURATION_SECONDS}]`);
  return {
    offerId: r.offerId as string,
    sellerId: r.sellerId as string,
    energyWh,
    minEnergyWh: integerIn(r.minEnergyWh, `${at}.minEnergyWh`, 1, energyWh),
    priceMicrosPerKwh: integerIn(r.priceMicrosPerKwh, `${at}.priceMicrosPerKwh`, 0, MAX_PRICE_MICROS_PER_KWH),
    efficiencyPpm: ppm('efficiencyPpm'),
    durationSeconds: duration,
    qualityPpm: ppm('qualityPpm'),
    participationPpm: ppm('participationPpm'),
  };
}

/** The offers checked (AGENT_INPUT_INVALID with details.field otherwise), each offer id once. */
export function validateCandidates(input: unknown): Candidate[] {
  if (!Array.isArray(input)) throw agentInputInvalid('offers', 'offers must be an array');
  const offers = input.map(candidateOf);
  const ids = new Set<string>();
  for (const [k, o] of offers.entries()) {
    if (ids.has(o.offerId)) throw agentInputInvalid(`offers[${k}].offerId`, `offer ${o.offerId} appears twice`);
    ids.add(o.offerId);
  }
  return offers;
}
