/**
 * A home's agent for one interval (docs/agents.md, *Decisions*), pure: from the home's forecast
 * position, its owner's mandate, the community's supply and demand and the offers it can see, the
 * actions to take. With a surplus: offer what the mandate lets it sell at the dynamic price
 * (pricing.ts), never below the mandate's minimum. With a deficit: request the selected offers
 * (selection.ts) among those the mandate allows, in ranked order. What peers cannot serve is left
 * to the utility (retail for a deficit, feed-in for a surplus). No mandate, or automation off: no
 * action at all. A request refused or gone: decide again without that offer (the next best).
 */
import { ID_PATTERN } from '../core/identity';
import { GridZone } from '../grid/model';
import { MAX_ORDER_ENERGY_WH } from '../market/order';
import { Candidate } from './candidate';
import { transferEfficiencyPpm } from './efficiency';
import { GeneticOptions } from './genetic';
import { agentInputInvalid, integerIn } from './invalid';
import { AgentMandate } from './mandate';
import { ObjectiveWeights } from './objective';
import { SdrPrices, sdrPrices, TariffBand } from './pricing';
import { Selection, selectOffers } from './selection';

/** The home's position for the interval, as forecast, and what it has traded there so far (Wh). */
export interface HomeInterval {
  participantId: string;
  zoneId: string;
  /** Forecast net position before peer-to-peer trades: above 0 a surplus to export, below 0 a deficit. */
  netWh: number;
  /** Energy in the home's battery that it could sell beyond its plan. */
  batteryWh: number;
  /** What the home's meters can export over the interval. */
  exportCapacityWh: number;
  /** Peer-to-peer energy accepted on each side in the interval, and in open offers and requests. */
  soldWh: number;
  boughtWh: number;
  offeredWh: number;
  requestedWh: number;
}

/** An offer the agent sees (DHT record checked against the ledger) with its predictions. */
export interface VisibleOffer extends Omit<Candidate, 'efficiencyPpm'> {
  zoneId: string;
  /** The seller's asset sources. */
  sources: readonly string[];
}

export interface AgentSettings {
  /** The community's grid model ([] when it has none): transfer efficiency. */
  zones: readonly GridZone[];
  weights?: ObjectiveWeights;
  durationHorizonSeconds?: number;
  /** Least energy a request may take from the agent's offers (Wh). */
  minOfferWh?: number;
  genetic?: Partial<GeneticOptions>;
}

export const DEFAULT_MIN_OFFER_WH = 100;

export type AgentAction =
  | { kind: 'offer'; energyWh: number; minEnergyWh: number; priceMicrosPerKwh: number }
  | { kind: 'request'; rank: number; offerId: string; sellerId: string; energyWh: number; priceMicrosPerKwh: number }
  /** What is left to the utility: bought at retail, or sold at feed-in. */
  | { kind: 'utility'; side: 'buy' | 'sell'; energyWh: number; priceMicrosPerKwh: number };

export interface Decision {
  reason: 'automation-off' | 'balanced' | 'surplus' | 'deficit';
  actions: AgentAction[];
  prices?: SdrPrices;
  selection?: Selection;
}

const FIELDS = ['netWh', 'batteryWh', 'exportCapacityWh', 'soldWh', 'boughtWh', 'offeredWh', 'requestedWh'] as const;

function checkHome(home: HomeInterval): void {
  if (!ID_PATTERN.test(home.participantId)) throw agentInputInvalid('participantId', 'participantId is not an id');
  if (typeof home.zoneId !== 'string') throw agentInputInvalid('zoneId', 'zoneId must be a string');
  for (const f of FIELDS) integerIn(home[f], f, f === 'netWh' ? -MAX_ORDER_ENERGY_WH : 0, MAX_ORDER_ENERGY_WH);
}

const unlimited = (limit: number | null): number => limit ?? Number.MAX_SAFE_INTEGER;

function sell(home: HomeInterval, m: AgentMandate, band: TariffBand, prices: SdrPrices, minOfferWh: number): AgentAction[] {
  const used = home.soldWh + home.offeredWh;
  const stock = Math.max(0, home.netWh) + Math.max(0, home.batteryWh - m.batteryReserveWh);
  const sellable = Math.min(stock, home.exportCapacityWh - m.batteryReserveWh, unlimited(m.maxEnergyWhPerInterval)) - used;
  const price = Math.max(prices.sellMicrosPerKwh, m.minSellPriceMicrosPerKwh ?? 0);
  const offered = sellable > 0 && price <= band.retailMicrosPerKwh ? sellable : 0;
  const actions: AgentAction[] = [];
  if (offered > 0) actions.push({ kind: 'offer', energyWh: offered, minEnergyWh: Math.min(offered, minOfferWh), priceMicrosPerKwh: price });
  const toUtility = Math.max(0, home.netWh - used - offered);
  if (toUtility > 0) actions.push({ kind: 'utility', side: 'sell', energyWh: toUtility, priceMicrosPerKwh: band.feedInMicrosPerKwh });
  return actions;
}

/** The offers the mandate lets the home buy from, as candidates. */
function allowed(home: HomeInterval, m: AgentMandate, offers: readonly VisibleOffer[], zones: readonly GridZone[]): Candidate[] {
  offers.forEach((o, k) => {
    if (typeof o.zoneId !== 'string' || !Array.isArray(o.sources))
      throw agentInputInvalid(`offers[${k}]`, "an offer needs a zoneId and the seller's sources");
  });
  return offers
    .filter((o) => o.sellerId !== home.participantId)
    .filter((o) => m.preferredSources.length === 0 || m.preferredSources.some((s) => o.sources.includes(s)))
    .filter((o) => m.locality === 'community' || o.zoneId === home.zoneId)
    .map(({ zoneId, sources: _sources, ...o }) => ({ ...o, efficiencyPpm: transferEfficiencyPpm(zones, zoneId, home.zoneId) }));
}

/** The actions of the home's agent for the interval. */
export function decide(
  home: HomeInterval,
  mandate: AgentMandate | undefined,
  band: TariffBand,
  community: { supplyWh: number; demandWh: number },
  offers: readonly VisibleOffer[],
  settings: AgentSettings,
): Decision {
  checkHome(home);
  if (mandate === undefined || !mandate.automation) return { reason: 'automation-off', actions: [] };
  const prices = sdrPrices(community.supplyWh, community.demandWh, band);
  const minOfferWh = integerIn(settings.minOfferWh ?? DEFAULT_MIN_OFFER_WH, 'minOfferWh', 1, MAX_ORDER_ENERGY_WH);
  if (home.netWh >= 0) {
    const actions = sell(home, mandate, band, prices, minOfferWh);
    return { reason: actions.length === 0 ? 'balanced' : 'surplus', actions, prices };
  }
  const deficit = Math.max(0, -home.netWh - home.boughtWh - home.requestedWh);
  const demandWh = Math.min(deficit, Math.max(0, unlimited(mandate.maxEnergyWhPerInterval) - home.boughtWh - home.requestedWh));
  const maxPrice = Math.min(unlimited(mandate.maxBuyPriceMicrosPerKwh), Math.max(0, band.retailMicrosPerKwh - band.gridFeeMicrosPerKwh));
  const utility = (energyWh: number): AgentAction[] =>
    energyWh > 0 ? [{ kind: 'utility', side: 'buy', energyWh, priceMicrosPerKwh: band.retailMicrosPerKwh }] : [];
  if (deficit === 0) return { reason: 'balanced', actions: [], prices };
  if (demandWh === 0) return { reason: 'deficit', actions: utility(deficit), prices };
  const selection = selectOffers(
    {
      demandWh,
      maxPriceMicrosPerKwh: maxPrice,
      ...band,
      durationHorizonSeconds: settings.durationHorizonSeconds,
      weights: settings.weights,
    },
    allowed(home, mandate, offers, settings.zones),
    settings.genetic,
  );
  const requests: AgentAction[] = selection.fills.map((f, rank) => ({ kind: 'request', rank, ...f }));
  return { reason: 'deficit', actions: [...requests, ...utility(deficit - selection.coveredWh)], prices, selection };
}
