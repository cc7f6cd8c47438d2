/**
 * The clearing a market's parameters select (docs/market.md, Zonal clearing): the uniform auction
 * (clearAuction), or the zonal one (clearZonal) over the community's grid model in force at the
 * interval. The result is the uniform clearing's shape, with the method that ran and, for zonal,
 * the network digest, the zone prices and the feeder flows, so the chaincode stores, pages and
 * settles both alike and anyone recomputes either.
 */
import { compareIds } from '../core/identity';
import { clearAuction, ClearingResult } from './clearing';
import { ClearingMethod } from './params';
import { Order, PriceParams } from './order';
import { clearZonal, FeederFlow, ZonalTrade, ZonePrice } from './zonal';
import { FeederZone } from './zonal-network';

/** What the zonal clearing adds to a clearing record. */
export interface ZonalFigures {
  /** SHA-256 of the network (limits in Wh over the interval) and each participant's zone (networkDigest). */
  networkDigest: string;
  /** True when a feeder limit binds and the zones clear at their own prices; false: the uniform clearing, unchanged. */
  congested: boolean;
  zones: ZonePrice[];
  feeders: FeederFlow[];
}

export interface MarketClearing extends ClearingResult, Partial<ZonalFigures> {
  /** 'zonal' only when the market selects it and the community has a grid model in force at the interval. */
  clearingMethod: ClearingMethod;
  trades: (ClearingResult['trades'][number] | ZonalTrade)[];
}

/** The network of an interval and the zone each of its participants clears in. */
export interface ClearingNetwork {
  network: FeederZone[];
  zoneOf: Record<string, string>;
}

/**
 * Each participant's zone in the clearing: the zone recorded with its orders (its meters' site
 * zone) when the network has it; otherwise (no zone, or one the model in force does not have) the
 * connection point, the root zone, which no feeder limits.
 */
export function participantZones(
  recorded: ReadonlyMap<string, string | undefined>,
  network: readonly FeederZone[],
): Record<string, string> {
  const root = network.find((z) => z.parentZoneId === null)!.zoneId;
  const known = new Set(network.map((z) => z.zoneId));
  const out: Record<string, string> = {};
  for (const p of [...recorded.keys()].sort(compareIds)) {
    const zone = recorded.get(p);
    out[p] = zone !== undefined && known.has(zone) ? zone : root;
  }
  return out;
}

/**
 * Clears with the method `params` select: zonal needs `grid` (the community's network in force,
 * null when it has none: then the uniform clearing runs and says so). A zonal clearing without a
 * binding limit is the uniform one exactly (same fills, trades, price, bounds); with one, the
 * record's price is the connection point's area price, its bounds and marginal prices are null,
 * and each trade names its area and its feeder legs (ZonalTrade).
 */
export function clearMarket(
  orders: readonly Order[],
  params: PriceParams & { clearingMethod?: ClearingMethod },
  grid: ClearingNetwork | null,
): MarketClearing {
  if (params.clearingMethod !== 'zonal' || grid === null) return { ...clearAuction(orders, params), clearingMethod: 'uniform' };
  const zonal = clearZonal(orders, grid.zoneOf, grid.network, params);
  const figures: ZonalFigures = {
    networkDigest: zonal.networkDigest,
    congested: !zonal.uniform,
    zones: zonal.zones,
    feeders: zonal.feeders,
  };
  if (zonal.uniform) return { ...clearAuction(orders, params), clearingMethod: 'zonal', ...figures };
  const root = grid.network.find((z) => z.parentZoneId === null)!.zoneId;
  return {
    inputDigest: zonal.inputDigest,
    volumeWh: zonal.volumeWh,
    priceMicrosPerKwh: zonal.zones.find((z) => z.zoneId === root)!.priceMicrosPerKwh,
    marginalBidMicrosPerKwh: null,
    marginalAskMicrosPerKwh: null,
    lowerMicrosPerKwh: null,
    upperMicrosPerKwh: null,
    fills: zonal.fills,
    trades: zonal.trades,
    clearingMethod: 'zonal',
    ...figures,
  };
}

/** The price a trade of a clearing is at: its area's (a zonal trade) or the uniform price. */
export function tradePriceOf(
  clearing: { priceMicrosPerKwh: number | null; zones?: readonly ZonePrice[] },
  trade: { areaZoneId?: string },
): number | null {
  if (trade.areaZoneId === undefined || clearing.zones === undefined) return clearing.priceMicrosPerKwh;
  return clearing.zones.find((z) => z.zoneId === trade.areaZoneId)?.priceMicrosPerKwh ?? null;
}
