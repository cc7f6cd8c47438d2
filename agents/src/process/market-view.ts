/**
 * What a home agent makes of what it found (docs/agents.md, "The agent process"), pure:
 *
 * - the community's supply and demand for the interval, for the dynamic price: the surplus and
 *   deficit records of the DHT that passed the ledger's checks (every agent announces its balance),
 * - the offers it may buy from: each offer of an accepted surplus record with the ledger's terms
 *   (minimum, sources, zone) and the seller's predicted duration, quality and participation
 *   (defaults until the agent has a trade history to predict from),
 * - what is left for the interval auction once the bilateral trades are done.
 */
import type { AgentMandate, HomeInterval, TariffBand, VisibleOffer } from '@gridledger/core/agents';
import type { SurplusRecord } from '../dht/index.js';
import type { PlannedPosition } from './positions.js';

/** The ledger's terms of an offer the buyer needs beyond the DHT record (`GET /p2p/offers/{offerId}`). */
export interface OfferTerms {
  offerId: string;
  sellerId: string;
  minEnergyWh: number;
  sources: string[];
  zone: string | null;
}

/** Predictions of a seller with no trade history: a 5 s answer, 95 % delivered, offering half the time. */
export const DEFAULT_PREDICTIONS = Object.freeze({ durationSeconds: 5, qualityPpm: 950_000, participationPpm: 500_000 });

/** Σ of the surplus and of the deficit records (Wh): the supply and demand the SDR price follows. */
export function communityBalance(records: readonly SurplusRecord[]): { supplyWh: number; demandWh: number } {
  let supplyWh = 0;
  let demandWh = 0;
  for (const r of records) {
    if (r.balance === 'surplus') supplyWh += r.energyWh;
    else demandWh += r.energyWh;
  }
  return { supplyWh, demandWh };
}

/** The offers of the accepted surplus records, with the ledger's terms (an offer without terms is left out). */
export function visibleOffers(
  records: readonly SurplusRecord[],
  terms: ReadonlyMap<string, OfferTerms>,
  exclude: ReadonlySet<string> = new Set(),
): VisibleOffer[] {
  const out: VisibleOffer[] = [];
  for (const r of records) {
    if (r.balance !== 'surplus') continue;
    for (const o of r.offers) {
      const t = terms.get(o.offerId);
      if (t === undefined || exclude.has(o.offerId)) continue;
      out.push({
        offerId: o.offerId,
        sellerId: t.sellerId,
        energyWh: o.energyWh,
        minEnergyWh: Math.min(t.minEnergyWh, o.energyWh),
        priceMicrosPerKwh: o.priceMicrosPerKwh,
        zoneId: t.zone ?? r.zoneId,
        sources: t.sources,
        ...DEFAULT_PREDICTIONS,
      });
    }
  }
  return out;
}

/** What a home has done in the interval so far (Wh). */
export interface Tally {
  soldWh: number;
  boughtWh: number;
  offeredWh: number;
  requestedWh: number;
}

export const NO_TALLY: Tally = Object.freeze({ soldWh: 0, boughtWh: 0, offeredWh: 0, requestedWh: 0 });

/** decide's view of the home: its plan, its export capacity over the interval and its tally. */
export function homeInterval(
  participantId: string,
  zoneId: string,
  position: PlannedPosition,
  exportCapacityWh: number,
  tally: Tally,
): HomeInterval {
  return { participantId, zoneId, netWh: position.netWh, batteryWh: position.batteryWh, exportCapacityWh, ...tally };
}

export interface AuctionBid {
  side: 'buy' | 'sell';
  energyWh: number;
  priceMicrosPerKwh: number;
}

/**
 * The auction order for what the bilateral trades left (docs/market.md: the auction clears what is
 * left, the utility settles the rest at retail or feed-in): a deficit's remainder bought at the
 * mandate's maximum (at most retail), a surplus's remainder sold at the mandate's minimum (at
 * least feed-in, no order above retail). Undefined when nothing is left.
 */
export function auctionBid(
  position: PlannedPosition,
  tally: Tally,
  mandate: AgentMandate | undefined,
  band: TariffBand,
): AuctionBid | undefined {
  if (mandate === undefined || !mandate.automation) return undefined;
  if (position.netWh < 0) {
    const energyWh = -position.netWh - tally.boughtWh;
    if (energyWh <= 0) return undefined;
    const price = Math.min(mandate.maxBuyPriceMicrosPerKwh ?? band.retailMicrosPerKwh, band.retailMicrosPerKwh);
    return { side: 'buy', energyWh, priceMicrosPerKwh: Math.max(price, band.feedInMicrosPerKwh) };
  }
  const energyWh = position.netWh - tally.soldWh;
  const price = Math.max(mandate.minSellPriceMicrosPerKwh ?? band.feedInMicrosPerKwh, band.feedInMicrosPerKwh);
  if (energyWh <= 0 || price > band.retailMicrosPerKwh) return undefined;
  return { side: 'sell', energyWh, priceMicrosPerKwh: price };
}
