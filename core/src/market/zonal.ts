/**
 * Congestion-aware (zonal) clearing over a radial network (docs/market.md, Zonal clearing). When
 * the uniform clearing of the whole book keeps every feeder within its limits, it is the result,
 * unchanged. Otherwise the feeders held at their limits split the community into price areas; each
 * area clears as a uniform auction of its own orders plus the fixed flows over its bound feeders,
 * and each flow's counterparty is the grid operator (the feeder), who buys at the exporting area's
 * price and sells at the importing area's: the difference is the congestion rent. Losses are
 * charged by each feeder's loss factor on what it carries; they do not change the clearing.
 * Over 400 lines on purpose: the flows, fills, area prices and feeder legs are one computation whose
 * invariants (no limit exceeded, the LP optimum, money conserved) are property-tested together; the
 * network's curves and the flow plan are in zonal-network.ts.
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds } from '../core/identity';
import { clearAuction, Fill, priceInInterval, Trade } from './clearing';
import { shareProRata } from '../core/prorata';
import { costMicros, Order, PPM, PriceParams } from './order';
import { Binding, FeederZone, FlowPlan, NetSupply, planFlows, pricePoints, Tree, treeOf, ZonePoint } from './zonal-network';

/** A zone's price in the clearing: the uniform price of its area. */
export interface ZonePrice {
  zoneId: string;
  /** The top zone of its price area (the root's area when no feeder binds). */
  areaZoneId: string;
  /** Null when nothing trades in its area. */
  priceMicrosPerKwh: number | null;
}

/** What one feeder carries in the clearing. */
export interface FeederFlow {
  /** The zone the feeder connects to its parent. */
  zoneId: string;
  parentZoneId: string;
  /** Energy sent up towards the parent (negative: into the zone). */
  flowWh: number;
  /** Set when the feeder is held at its limit, which splits the prices. */
  binding: Binding | null;
  /** floor(|flow| × lossPpm / 10^6). */
  lossWh: number;
  /** The losses at the price of the zone the flow goes to. */
  lossMicros: number;
  /** Paid by the importing area's buyers over what the exporting area's sellers got for the flow. */
  congestionRentMicros: number;
}

/**
 * A trade inside one price area. A side is a bound feeder (the grid operator) when the trade carries
 * energy across it: the feeder buys in the exporting area and sells in the importing one; energy
 * passing through an area between two bound feeders is a trade between them.
 */
export interface ZonalTrade extends Trade {
  areaZoneId: string;
  /** The bound feeder (its zone) that buys, or null for a participant. */
  buyerFeederZoneId: string | null;
  /** The bound feeder (its zone) that sells, or null for a participant. */
  sellerFeederZoneId: string | null;
}

export interface ZonalClearingResult {
  /** The uniform clearing's digest of the parameters and orders (bookDigest). */
  inputDigest: string;
  /** SHA-256 (hex) of the network and the participants' zones (networkDigest). */
  networkDigest: string;
  /** True when no feeder binds: fills, prices and trades are clearAuction's. */
  uniform: boolean;
  volumeWh: number;
  /** One per zone, in id order. */
  zones: ZonePrice[];
  /** One per feeder (every zone but the root), in zone id order. */
  feeders: FeederFlow[];
  /** One per order, sorted by orderId. */
  fills: Fill[];
  trades: ZonalTrade[];
}

function invalidBook(reason: string, details: Record<string, string> = {}): GridLedgerError {
  return new GridLedgerError(ErrorCodes.CLEARING_BOOK_INVALID, reason, details);
}

/**
 * SHA-256 (hex) of a network's canonical text: the line `gridledger-network-v1`, then per zone in
 * id order its zoneId, parentZoneId (`-` for the root), exportLimitWh, importLimitWh and lossPpm,
 * then per participant in id order its id and zone; one item per line, each ending in "\n".
 */
export function networkDigest(network: readonly FeederZone[], zoneOf: Readonly<Record<string, string>>): string {
  const lines = ['gridledger-network-v1'];
  for (const z of [...network].sort((a, b) => compareIds(a.zoneId, b.zoneId)))
    lines.push(z.zoneId, z.parentZoneId ?? '-', String(z.exportLimitWh), String(z.importLimitWh), String(z.lossPpm));
  for (const p of Object.keys(zoneOf).sort(compareIds)) lines.push(p, zoneOf[p]);
  return createHash('sha256')
    .update(`${lines.join('\n')}\n`)
    .digest('hex');
}

/** Each zone's area: the top zone reached going up without crossing a bound feeder. */
function areasOf(tree: Tree, bound: ReadonlyMap<string, Binding>): Map<string, string> {
  const area = new Map<string, string>();
  for (const id of tree.preorder) {
    const parent = tree.zones.get(id)!.parentZoneId;
    area.set(id, parent === null || bound.has(id) ? id : area.get(parent)!);
  }
  return area;
}

/** Energy each feeder sends up, from the participants' fills: its subtree's sales less its purchases. */
function flowsOf(tree: Tree, fills: readonly Fill[], zoneOfParticipant: Readonly<Record<string, string>>): Map<string, number> {
  const net = new Map<string, number>();
  for (const id of tree.preorder) net.set(id, 0);
  for (const f of fills) {
    const zone = zoneOfParticipant[f.participantId];
    if (zone === undefined) continue; // clearZonal refuses such a book before: kept for a caller's own fills
    net.set(zone, net.get(zone)! + (f.side === 'sell' ? f.filledWh : -f.filledWh));
  }
  for (let k = tree.preorder.length - 1; k > 0; k--) {
    const id = tree.preorder[k];
    const parent = tree.zones.get(id)!.parentZoneId!;
    net.set(parent, net.get(parent)! + net.get(id)!);
  }
  return net;
}

/**
 * Congestion-aware clearing of one interval's orders. `zoneOf` names each participant's zone; the
 * network is a tree of feeders under the root zone. Pure: the same inputs give the same result on
 * every peer.
 */
export function clearZonal(
  orders: readonly Order[],
  zoneOf: Readonly<Record<string, string>>,
  network: readonly FeederZone[],
  params: PriceParams,
): ZonalClearingResult {
  const tree = treeOf(network);
  const zoneOfOrder = orders.map((o) => {
    const zone = zoneOf[o.participantId];
    if (zone === undefined || !tree.zones.has(zone))
      throw invalidBook('a participant has no zone of the network', { participantId: o.participantId });
    return zone;
  });
  const uniform = clearAuction(orders, params);
  const digests = { inputDigest: uniform.inputDigest, networkDigest: networkDigest(network, zoneOf) };
  const uniformFlows = flowsOf(tree, uniform.fills, zoneOf);
  if (tree.preorder.every((id) => id === tree.root || withinLimits(tree.zones.get(id)!, uniformFlows.get(id)!))) {
    const area = new Map(tree.preorder.map((id) => [id, tree.root]));
    const trades = uniform.trades.map((t) => ({ ...t, areaZoneId: tree.root, buyerFeederZoneId: null, sellerFeederZoneId: null }));
    const prices = new Map([[tree.root, uniform.priceMicrosPerKwh]]);
    return { ...digests, uniform: true, ...assemble(tree, area, prices, new Map(), uniformFlows, new Map(), uniform.fills, trades) };
  }

  const plan = planFlows(tree, new NetSupply(tree, orders, zoneOfOrder), pricePoints(orders));
  const area = areasOf(tree, plan.bound);
  const filled = fillsAt(orders, zoneOfOrder, plan.zones);
  const fills = fillsOf(orders, filled);
  const prices = areaPrices(tree, area, plan.bound, areaRanges(tree, area, plan, orders, zoneOfOrder, filled), params.kPpm);
  const { trades, rents } = pairAreas(tree, area, plan, orders, zoneOfOrder, filled, prices, params);
  return { ...digests, uniform: false, ...assemble(tree, area, prices, plan.bound, plan.flows, rents, fills, trades) };
}

function withinLimits(z: FeederZone, flowWh: number): boolean {
  return flowWh <= z.exportLimitWh && flowWh >= -z.importLimitWh;
}

/** An order and participant id per feeder (`feeder-<k>`, k its position in the walk), unlike any order's or participant's. */
function feederOrderIds(tree: Tree, orders: readonly Order[]): Map<string, string> {
  const taken = new Set<string>();
  for (const o of orders) {
    taken.add(o.orderId);
    taken.add(o.participantId);
  }
  const ids = new Map<string, string>();
  tree.preorder.forEach((zoneId, k) => {
    let id = `feeder-${k}`;
    while (taken.has(id)) id = `${id}x`;
    ids.set(zoneId, id);
  });
  return ids;
}

/**
 * Each order's filled Wh at its zone's point: strictly in the money whole, out of it none, the
 * indifferent ones sharing what the zone's target leaves.
 */
function fillsAt(orders: readonly Order[], zoneOfOrder: readonly string[], zones: ReadonlyMap<string, ZonePoint>): Float64Array {
  const filled = new Float64Array(orders.length);
  const net = new Map<string, number>();
  const ties = new Map<string, { sells: number[]; buys: number[] }>();
  orders.forEach((o, i) => {
    const zone = zoneOfOrder[i];
    const { point } = zones.get(zone)!;
    const sign = o.side === 'sell' ? 1 : -1;
    if (o.priceMicrosPerKwh === point) {
      if (!ties.has(zone)) ties.set(zone, { sells: [], buys: [] });
      ties.get(zone)![o.side === 'sell' ? 'sells' : 'buys'].push(i);
    } else if (sign * (point - o.priceMicrosPerKwh) > 0) {
      filled[i] = o.energyWh;
      net.set(zone, (net.get(zone) ?? 0) + sign * o.energyWh);
    }
  });
  const byId = (a: number, b: number) => compareIds(orders[a].orderId, orders[b].orderId);
  const share = (list: number[], total: number) => {
    list.sort(byId);
    shareProRata(
      total,
      list.map((i) => orders[i].energyWh),
    ).forEach((q, k) => (filled[list[k]] = q));
  };
  for (const [zone, { sells, buys }] of ties) {
    // s − b = what the zone's target asks of the indifferent orders; as much volume as that allows.
    const wanted = zones.get(zone)!.localWh - (net.get(zone) ?? 0);
    const sellable = sells.reduce((a, i) => a + orders[i].energyWh, 0);
    const buyable = buys.reduce((a, i) => a + orders[i].energyWh, 0);
    const sold = Math.min(sellable, buyable + wanted);
    share(sells, sold);
    share(buys, sold - wanted);
  }
  return filled;
}

function fillsOf(orders: readonly Order[], filled: Float64Array): Fill[] {
  const fills = orders.map((o, i) => ({
    orderId: o.orderId,
    participantId: o.participantId,
    side: o.side,
    energyWh: o.energyWh,
    filledWh: filled[i],
  }));
  return fills.sort((a, b) => compareIds(a.orderId, b.orderId));
}

type PriceRange = { lo: number; hi: number } | null;

/**
 * Each area's clearing interval as the uniform clearing defines it (clearingInterval), from its
 * participants' fills: lower = max(highest filled ask, highest bid with energy unfilled), upper =
 * min(lowest filled bid, lowest ask with energy unfilled); null when nothing trades in it: none of
 * its orders, and no flow over a bound feeder into or out of it. An area that energy only passes
 * through (in over one bound feeder, out over another) trades too: its price is set by its unfilled
 * orders and its neighbours (areaPrices), so that each feeder's leg is paid at a price.
 */
function areaRanges(
  tree: Tree,
  area: ReadonlyMap<string, string>,
  plan: FlowPlan,
  orders: readonly Order[],
  zoneOfOrder: readonly string[],
  filled: Float64Array,
): Map<string, PriceRange> {
  const acc = new Map<string, { lo: number; hi: number; trades: boolean }>();
  for (const id of tree.preorder) if (area.get(id) === id) acc.set(id, { lo: -Infinity, hi: Infinity, trades: false });
  for (const zoneId of plan.bound.keys())
    if (plan.flows.get(zoneId) !== 0) {
      acc.get(zoneId)!.trades = true;
      acc.get(area.get(tree.zones.get(zoneId)!.parentZoneId!)!)!.trades = true;
    }
  orders.forEach((o, i) => {
    const a = acc.get(area.get(zoneOfOrder[i])!)!;
    const p = o.priceMicrosPerKwh;
    if (filled[i] > 0) {
      a.trades = true;
      if (o.side === 'sell') a.lo = Math.max(a.lo, p);
      else a.hi = Math.min(a.hi, p);
    }
    if (filled[i] < o.energyWh) {
      if (o.side === 'buy') a.lo = Math.max(a.lo, p);
      else a.hi = Math.min(a.hi, p);
    }
  });
  return new Map([...acc].map(([top, a]) => [top, a.trades ? { lo: a.lo, hi: a.hi } : null]));
}

/**
 * Each area's price, inside its own clearing interval and consistent across bound feeders: an
 * area that exports at its feeder's limit is priced at most its parent area, one that imports at
 * least. Bottom-up each area's interval is narrowed to what its children allow; top-down each
 * price is lower + k × (upper − lower) of what is left, as in the uniform clearing (an interval
 * open on one side gives its closed end).
 */
function areaPrices(
  tree: Tree,
  area: ReadonlyMap<string, string>,
  bound: ReadonlyMap<string, Binding>,
  range: ReadonlyMap<string, PriceRange>,
  kPpm: number,
): Map<string, number | null> {
  const tops = tree.preorder.filter((id) => area.get(id) === id);
  for (let k = tops.length - 1; k > 0; k--) {
    const child = range.get(tops[k]);
    const parent = range.get(area.get(tree.zones.get(tops[k])!.parentZoneId!)!);
    if (!child || !parent) continue;
    if (bound.get(tops[k]) === 'export') parent.lo = Math.max(parent.lo, child.lo);
    else parent.hi = Math.min(parent.hi, child.hi);
  }
  const prices = new Map<string, number | null>();
  for (const top of tops) {
    const r = range.get(top);
    const parentZone = tree.zones.get(top)!.parentZoneId;
    const parentPrice = parentZone === null ? null : prices.get(area.get(parentZone)!)!;
    if (r && parentPrice !== null) {
      if (bound.get(top) === 'export') r.hi = Math.min(r.hi, parentPrice);
      else r.lo = Math.max(r.lo, parentPrice);
    }
    if (r && r.lo > r.hi) throw invalidBook('the areas admit no consistent prices', { zoneId: top });
    let price: number | null = null;
    if (r) price = Number.isFinite(r.lo) && Number.isFinite(r.hi) ? priceInInterval(r.lo, r.hi, kPpm) : Number.isFinite(r.lo) ? r.lo : r.hi;
    prices.set(top, price);
  }
  return prices;
}

/** One side of an area's filled orders, in the order pairing takes them. */
interface Leg {
  orderId: string;
  participantId: string;
  energyWh: number;
  feederZoneId: string | null;
}

/**
 * The trades of each area at its price: its filled buys (bound feeders first, then by price, best
 * first, placement time and order id) paired with its filled sells in the same way. A bound feeder
 * sells in the area its flow enters and buys in the area it leaves.
 */
function pairAreas(
  tree: Tree,
  area: ReadonlyMap<string, string>,
  plan: FlowPlan,
  orders: readonly Order[],
  zoneOfOrder: readonly string[],
  filled: Float64Array,
  prices: ReadonlyMap<string, number | null>,
  params: PriceParams,
): { trades: ZonalTrade[]; rents: Map<string, number> } {
  const feederIds = feederOrderIds(tree, orders);
  const legs = new Map<string, { buys: Leg[]; sells: Leg[] }>();
  for (const id of tree.preorder) if (area.get(id) === id) legs.set(id, { buys: [], sells: [] });
  for (const [zoneId, binding] of [...plan.bound].sort((a, b) => compareIds(a[0], b[0]))) {
    const energyWh = Math.abs(plan.flows.get(zoneId)!);
    if (energyWh === 0) continue;
    const id = feederIds.get(zoneId)!;
    const leg = { orderId: id, participantId: id, energyWh, feederZoneId: zoneId };
    const from = binding === 'export' ? zoneId : area.get(tree.zones.get(zoneId)!.parentZoneId!)!;
    const to = binding === 'export' ? area.get(tree.zones.get(zoneId)!.parentZoneId!)! : zoneId;
    legs.get(from)!.buys.push(leg);
    legs.get(to)!.sells.push(leg);
  }
  const ranked = orders
    .map((_, i) => i)
    .filter((i) => filled[i] > 0)
    .sort((a, b) => {
      const x = orders[a];
      const y = orders[b];
      const dp = x.side === 'buy' ? y.priceMicrosPerKwh - x.priceMicrosPerKwh : x.priceMicrosPerKwh - y.priceMicrosPerKwh;
      return dp || (x.placedAt < y.placedAt ? -1 : x.placedAt > y.placedAt ? 1 : compareIds(x.orderId, y.orderId));
    });
  for (const i of ranked) {
    const o = orders[i];
    const l = legs.get(area.get(zoneOfOrder[i])!)!;
    (o.side === 'buy' ? l.buys : l.sells).push({
      orderId: o.orderId,
      participantId: o.participantId,
      energyWh: filled[i],
      feederZoneId: null,
    });
  }
  const trades: ZonalTrade[] = [];
  const rents = new Map<string, number>();
  const addRent = (zoneId: string | null, micros: number) => zoneId !== null && rents.set(zoneId, (rents.get(zoneId) ?? 0) + micros);
  for (const [top, { buys, sells }] of legs) {
    const price = prices.get(top)!;
    let s = 0;
    let sellLeft = sells.length > 0 ? sells[0].energyWh : 0;
    for (const buy of buys) {
      let buyLeft = buy.energyWh;
      while (buyLeft > 0) {
        const sell = sells[s];
        const energyWh = Math.min(buyLeft, sellLeft);
        const amountMicros = costMicros(energyWh, price!);
        trades.push({
          buyOrderId: buy.orderId,
          sellOrderId: sell.orderId,
          buyerId: buy.participantId,
          sellerId: sell.participantId,
          energyWh,
          priceMicrosPerKwh: price!,
          amountMicros,
          // The grid fee is paid once, by the participant who buys the energy.
          gridFeeMicros: buy.feederZoneId === null ? costMicros(energyWh, params.gridFeeMicrosPerKwh) : 0,
          areaZoneId: top,
          buyerFeederZoneId: buy.feederZoneId,
          sellerFeederZoneId: sell.feederZoneId,
        });
        addRent(sell.feederZoneId, amountMicros);
        addRent(buy.feederZoneId, -amountMicros);
        buyLeft -= energyWh;
        sellLeft -= energyWh;
        if (sellLeft === 0 && ++s < sells.length) sellLeft = sells[s].energyWh;
      }
    }
  }
  return { trades, rents };
}

/** The result's zones, feeders, volume, fills and trades in their documented order. */
function assemble(
  tree: Tree,
  area: ReadonlyMap<string, string>,
  prices: ReadonlyMap<string, number | null>,
  bound: ReadonlyMap<string, Binding>,
  flows: ReadonlyMap<string, number>,
  rents: ReadonlyMap<string, number>,
  fills: Fill[],
  trades: ZonalTrade[],
): Pick<ZonalClearingResult, 'volumeWh' | 'zones' | 'feeders' | 'fills' | 'trades'> {
  const ids = [...tree.preorder].sort(compareIds);
  const zones = ids.map((zoneId) => ({ zoneId, areaZoneId: area.get(zoneId)!, priceMicrosPerKwh: prices.get(area.get(zoneId)!) ?? null }));
  const priceOf = (zoneId: string) => prices.get(area.get(zoneId)!) ?? null;
  const feeders = ids
    .filter((id) => id !== tree.root)
    .map((zoneId): FeederFlow => {
      const z = tree.zones.get(zoneId)!;
      const flowWh = flows.get(zoneId)!;
      const lossWh = Number((BigInt(Math.abs(flowWh)) * BigInt(z.lossPpm)) / BigInt(PPM));
      const receiving = priceOf(flowWh > 0 ? z.parentZoneId! : zoneId);
      return {
        zoneId,
        parentZoneId: z.parentZoneId!,
        flowWh,
        binding: bound.get(zoneId) ?? null,
        lossWh,
        lossMicros: receiving === null ? 0 : costMicros(lossWh, receiving),
        congestionRentMicros: rents.get(zoneId) ?? 0,
      };
    });
  let volumeWh = 0;
  for (const f of fills) if (f.side === 'buy') volumeWh += f.filledWh;
  return { volumeWh, zones, feeders, fills, trades };
}
