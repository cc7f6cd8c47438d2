/**
 * Owner mandates (docs/p2p.md, *Mandates*): the limits a participant signs for its trading agent,
 * stored on the ledger and checked by the chaincode at every offer, request and acceptance, so an
 * agent that is faulty or hostile cannot trade beyond them. The same `checkMandate` is what an
 * agent runs before it acts: the chaincode refuses exactly what the agent should not have tried.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ASSET_SOURCES, AssetSource } from '../metering/assets';
import { MAX_ORDER_ENERGY_WH, MAX_PRICE_MICROS_PER_KWH } from '../market/order';
import { AGENT_ID_RULE, isAgentId } from './agent-id';

/** Where a buyer's mandate lets it buy from: sellers of its own zone, or anyone in the community. */
export const MANDATE_LOCALITIES = ['zone', 'community'] as const;
export type MandateLocality = (typeof MANDATE_LOCALITIES)[number];

export interface Mandate {
  /** The agent sells at no lower price (µ/kWh); null: no limit beyond the market's band. */
  minSellPriceMicrosPerKwh: number | null;
  /** The agent buys at no higher price (µ/kWh); null: no limit beyond the market's band. */
  maxBuyPriceMicrosPerKwh: number | null;
  /** Peer-to-peer energy per market interval and side, in Wh; null: no limit. */
  maxEnergyWhPerInterval: number | null;
  /** Wh held back from what the participant sells per interval (its battery's reserve). */
  batteryReserveWh: number;
  /** A buyer takes offers of sellers with at least one asset of these sources; empty: any source. */
  preferredSources: AssetSource[];
  locality: MandateLocality;
  /** Whether the participant's agent identity (gl.agent) may trade at all. */
  automation: boolean;
  /** The peer id of the agent node that speaks for the owner's meters (agent-id.ts); absent: none is bound. */
  agentId?: string;
}

export const MANDATE_FIELDS = [
  'minSellPriceMicrosPerKwh',
  'maxBuyPriceMicrosPerKwh',
  'maxEnergyWhPerInterval',
  'batteryReserveWh',
  'preferredSources',
  'locality',
  'automation',
] as const;

/** Fields a mandate may leave out. */
export const MANDATE_OPTIONAL_FIELDS = ['agentId'] as const;

/** A mandate that limits nothing beyond the market's rules, with automation on: the agent trades as its owner would. */
export const UNLIMITED_MANDATE: Readonly<Mandate> = Object.freeze({
  minSellPriceMicrosPerKwh: null,
  maxBuyPriceMicrosPerKwh: null,
  maxEnergyWhPerInterval: null,
  batteryReserveWh: 0,
  preferredSources: [],
  locality: 'community',
  automation: true,
});

function invalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.MANDATE_INVALID, message, { field });
}

function limit(r: Record<string, unknown>, field: string, max: number, nullable: boolean): number | null {
  const v = r[field];
  if (v === null && nullable) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > max)
    throw invalid(field, `${field} must be an integer in [0, ${max}]${nullable ? ' or null' : ''}`);
  return v;
}

/** A mandate as its owner sends it: every field present, unknown fields refused (MANDATE_INVALID with details.field). */
export function validateMandate(input: unknown): Mandate {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('', 'a mandate must be a JSON object');
  const r = input as Record<string, unknown>;
  const known: readonly string[] = [...MANDATE_FIELDS, ...MANDATE_OPTIONAL_FIELDS];
  for (const k of Object.keys(r).sort()) if (!known.includes(k)) throw invalid(k, `${k} is not a mandate field`);
  for (const k of MANDATE_FIELDS) if (!(k in r)) throw invalid(k, `${k} is required`);
  const sources = r.preferredSources;
  if (
    !Array.isArray(sources) ||
    sources.some((s) => !(ASSET_SOURCES as readonly unknown[]).includes(s)) ||
    new Set(sources).size !== sources.length
  )
    throw invalid('preferredSources', `preferredSources must be distinct values of ${ASSET_SOURCES.join(', ')}`);
  if (!(MANDATE_LOCALITIES as readonly unknown[]).includes(r.locality))
    throw invalid('locality', `locality must be one of ${MANDATE_LOCALITIES.join(', ')}`);
  if (typeof r.automation !== 'boolean') throw invalid('automation', 'automation must be true or false');
  if (r.agentId !== undefined && !isAgentId(r.agentId)) throw invalid('agentId', `agentId must be ${AGENT_ID_RULE}`);
  return {
    minSellPriceMicrosPerKwh: limit(r, 'minSellPriceMicrosPerKwh', MAX_PRICE_MICROS_PER_KWH, true),
    maxBuyPriceMicrosPerKwh: limit(r, 'maxBuyPriceMicrosPerKwh', MAX_PRICE_MICROS_PER_KWH, true),
    maxEnergyWhPerInterval: limit(r, 'maxEnergyWhPerInterval', MAX_ORDER_ENERGY_WH, true),
    batteryReserveWh: limit(r, 'batteryReserveWh', MAX_ORDER_ENERGY_WH, false)!,
    preferredSources: [...(sources as AssetSource[])].sort(),
    locality: r.locality as MandateLocality,
    automation: r.automation,
    ...(r.agentId !== undefined ? { agentId: r.agentId as string } : {}),
  };
}

/** One side of a peer-to-peer trade, as the mandate of that side's participant sees it. */
export interface MandateTrade {
  side: 'sell' | 'buy';
  /** Whether the trade is signed by the participant's agent identity (gl.agent), not by the owner's. */
  byAgent: boolean;
  priceMicrosPerKwh: number;
  energyWh: number;
  /** P2P energy this participant already traded on this side in the interval (accepted before, or earlier in the same batch). */
  tradedWh: number;
  /** Sell side: the seller's export capacity over the interval, in Wh. */
  capacityWh?: number;
  /** Buy side: the seller's asset sources and zone, and the buyer's zone. */
  sellerSources?: readonly string[];
  sellerZone?: string;
  buyerZone?: string;
}

function refused(code: (typeof ErrorCodes)[keyof typeof ErrorCodes], message: string, details: Record<string, string | number>) {
  return new GridLedgerError(code, message, details);
}

/**
 * The first rule of the mandate the trade breaks, as the error the chaincode throws, or null. No
 * mandate: the owner trades freely, an agent not at all (automation is off until the owner says so).
 * Rules, in this order, each with its code: automation (agent only), price, energy per interval,
 * battery reserve (sell), sources and locality (buy).
 */
export function checkMandate(mandate: Mandate | undefined, t: MandateTrade): GridLedgerError | null {
  if (t.byAgent && mandate?.automation !== true)
    return refused(ErrorCodes.MANDATE_AUTOMATION_OFF, "the owner's mandate does not let the agent trade", {});
  if (mandate === undefined) return null;
  const total = t.tradedWh + t.energyWh;
  if (t.side === 'sell' && mandate.minSellPriceMicrosPerKwh !== null && t.priceMicrosPerKwh < mandate.minSellPriceMicrosPerKwh)
    return refused(ErrorCodes.MANDATE_PRICE_BELOW_MINIMUM, `the mandate sells at ${mandate.minSellPriceMicrosPerKwh} µ/kWh or more`, {
      minSellPriceMicrosPerKwh: mandate.minSellPriceMicrosPerKwh,
    });
  if (t.side === 'buy' && mandate.maxBuyPriceMicrosPerKwh !== null && t.priceMicrosPerKwh > mandate.maxBuyPriceMicrosPerKwh)
    return refused(ErrorCodes.MANDATE_PRICE_ABOVE_MAXIMUM, `the mandate buys at ${mandate.maxBuyPriceMicrosPerKwh} µ/kWh or less`, {
      maxBuyPriceMicrosPerKwh: mandate.maxBuyPriceMicrosPerKwh,
    });
  if (mandate.maxEnergyWhPerInterval !== null && total > mandate.maxEnergyWhPerInterval)
    return refused(ErrorCodes.MANDATE_ENERGY_EXCEEDED, `the mandate trades at most ${mandate.maxEnergyWhPerInterval} Wh per interval`, {
      maxEnergyWhPerInterval: mandate.maxEnergyWhPerInterval,
      tradedWh: t.tradedWh,
    });
  if (t.side === 'sell' && t.capacityWh !== undefined && total > t.capacityWh - mandate.batteryReserveWh)
    return refused(ErrorCodes.MANDATE_RESERVE_BREACHED, `the mandate keeps ${mandate.batteryReserveWh} Wh of the interval's capacity`, {
      batteryReserveWh: mandate.batteryReserveWh,
      capacityWh: t.capacityWh,
    });
  if (t.side === 'buy' && mandate.preferredSources.length > 0 && !mandate.preferredSources.some((s) => t.sellerSources?.includes(s)))
    return refused(ErrorCodes.MANDATE_SOURCE_REFUSED, `the mandate buys only from ${mandate.preferredSources.join(', ')}`, {
      preferredSources: mandate.preferredSources.join(','),
    });
  if (t.side === 'buy' && mandate.locality === 'zone' && (t.sellerZone === undefined || t.sellerZone !== t.buyerZone))
    return refused(ErrorCodes.MANDATE_LOCALITY_REFUSED, "the mandate buys only from sellers of the buyer's zone", {
      sellerZone: t.sellerZone ?? '',
    });
  return null;
}

/** checkMandate, throwing the refusal. */
export function requireMandate(mandate: Mandate | undefined, t: MandateTrade): void {
  const refusal = checkMandate(mandate, t);
  if (refusal !== null) throw refusal;
}
