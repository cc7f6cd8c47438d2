import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical';
import { Trade } from './clearing';
import { Order } from './order';

/** One price level of an aggregated curve: the energy offered at that price, and at that price or better. */
export interface CurvePoint {
  priceMicrosPerKwh: number;
  energyWh: number;
  cumulativeWh: number;
}

/**
 * The public, anonymised view of an interval's book: bids by price descending, asks ascending,
 * energy summed per price level. No order ids, participants or placement times.
 */
export function aggregateCurves(orders: readonly Pick<Order, 'side' | 'priceMicrosPerKwh' | 'energyWh'>[]): {
  bids: CurvePoint[];
  asks: CurvePoint[];
} {
  const curve = (side: 'buy' | 'sell') => {
    const levels = new Map<number, number>();
    for (const o of orders) if (o.side === side) levels.set(o.priceMicrosPerKwh, (levels.get(o.priceMicrosPerKwh) ?? 0) + o.energyWh);
    const prices = [...levels.keys()].sort((a, b) => (side === 'buy' ? b - a : a - b));
    let cumulativeWh = 0;
    return prices.map((priceMicrosPerKwh) => {
      cumulativeWh += levels.get(priceMicrosPerKwh)!;
      return { priceMicrosPerKwh, energyWh: levels.get(priceMicrosPerKwh)!, cumulativeWh };
    });
  };
  return { bids: curve('buy'), asks: curve('sell') };
}

/**
 * What each buy order keeps in escrow after clearing (the amount and grid fee of its trades, which
 * settlement pays out of escrow) and what goes back to the buyer: escrow − kept. Keyed by order id;
 * orders without trades get everything back.
 */
export function escrowAfterClearing(
  escrows: ReadonlyMap<string, number>,
  trades: readonly Trade[],
): Map<string, { keptMicros: number; refundMicros: number }> {
  const kept = new Map<string, number>();
  for (const t of trades) kept.set(t.buyOrderId, (kept.get(t.buyOrderId) ?? 0) + t.amountMicros + t.gridFeeMicros);
  const out = new Map<string, { keptMicros: number; refundMicros: number }>();
  for (const [orderId, escrow] of escrows) {
    const keptMicros = kept.get(orderId) ?? 0;
    if (keptMicros > escrow) throw new RangeError(`order ${orderId}: trades cost more than its escrow`);
    out.set(orderId, { keptMicros, refundMicros: escrow - keptMicros });
  }
  return out;
}

/** An order's id: the same for every retry of one clientOrderId of one participant, and for no other. */
export function orderIdOf(participantId: string, clientOrderId: string): string {
  return `o${createHash('sha256').update(`${participantId}\n${clientOrderId}`).digest('hex').slice(0, 32)}`;
}

/** The fields of a clearing record that a recomputation must reproduce exactly. */
export const RECOMPUTED_FIELDS = [
  'inputDigest',
  'volumeWh',
  'priceMicrosPerKwh',
  'lowerMicrosPerKwh',
  'upperMicrosPerKwh',
  'marginalBidMicrosPerKwh',
  'marginalAskMicrosPerKwh',
  'fills',
  'trades',
  // A zonal clearing's (absent from a uniform one on both sides).
  'networkDigest',
  'congested',
  'zones',
  'feeders',
  // An islanded clearing's mode and curtailment (absent from a connected one on both sides).
  'island',
  // The load shedding in force (absent when none on both sides; docs/islanding.md).
  'shedding',
] as const;

/**
 * The fields in which a recorded clearing differs from a recomputed one (empty: they match),
 * compared as canonical JSON: the ledger stores records with sorted keys.
 */
export function clearingDifferences(recomputed: Record<string, unknown>, recorded: Record<string, unknown>): string[] {
  return RECOMPUTED_FIELDS.filter((field) => canonicalJson(recomputed[field] ?? null) !== canonicalJson(recorded[field] ?? null));
}
