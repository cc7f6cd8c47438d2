/**
 * The radial network a zonal clearing works on (docs/market.md, Zonal clearing): zones hang off
 * their parent zone by one feeder each, up to the community's connection point (the root zone).
 * This file checks the network, answers each zone's net supply curve, and finds which feeders bind
 * at the welfare optimum. Pure and deterministic: zones in id order, integers for energy.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds, ID_PATTERN } from '../core/identity';
import { shareProRata } from '../core/prorata';
import { Order, PPM } from './order';

/** A zone and the feeder that connects it to its parent zone. */
export interface FeederZone {
  zoneId: string;
  /** The zone its feeder hangs off; null for the community's connection point (the root, no feeder). */
  parentZoneId: string | null;
  /** Most energy the feeder carries from the zone towards its parent in one interval (Wh). */
  exportLimitWh: number;
  /** Most energy the feeder carries from the parent into the zone in one interval (Wh). */
  importLimitWh: number;
  /** Share of the energy the feeder carries that it loses, in parts per million. */
  lossPpm: number;
}

/** A feeder's limit in Wh over an interval from its rating in W: rounded down, so the energy never exceeds the rating. */
export function feederLimitWh(limitW: number, intervalSeconds: number): number {
  return Number((BigInt(limitW) * BigInt(intervalSeconds)) / 3600n);
}

function invalidNetwork(reason: string, details: Record<string, string> = {}): GridLedgerError {
  return new GridLedgerError(ErrorCodes.CLEARING_BOOK_INVALID, reason, details);
}

/** The network as the clearing walks it: zones by id, children in id order, the root. */
export interface Tree {
  root: string;
  zones: Map<string, FeederZone>;
  children: Map<string, string[]>;
  /** Zones root first, each after its parent (a pre-order walk, children in id order). */
  preorder: string[];
}

/** Checks the network: ids, one root, known parents, no cycle, limits and losses in range. */
export function treeOf(network: readonly FeederZone[]): Tree {
  const zones = new Map<string, FeederZone>();
  for (const z of network) {
    if (typeof z.zoneId !== 'string' || !ID_PATTERN.test(z.zoneId))
      throw invalidNetwork('a zone id is invalid', { zoneId: String(z.zoneId) });
    if (zones.has(z.zoneId)) throw invalidNetwork('zone ids repeat', { zoneId: z.zoneId });
    for (const field of ['exportLimitWh', 'importLimitWh'] as const)
      if (!Number.isSafeInteger(z[field]) || z[field] < 0)
        throw invalidNetwork(`${field} must be a non-negative integer`, { zoneId: z.zoneId });
    if (!Number.isSafeInteger(z.lossPpm) || z.lossPpm < 0 || z.lossPpm >= PPM)
      throw invalidNetwork('lossPpm must be an integer in [0, 999999]', { zoneId: z.zoneId });
    zones.set(z.zoneId, z);
  }
  const roots = network.filter((z) => z.parentZoneId === null);
  if (roots.length !== 1) throw invalidNetwork('the network needs exactly one root zone (the connection point)');
  const children = new Map<string, string[]>();
  for (const id of zones.keys()) children.set(id, []);
  for (const z of network) {
    if (z.parentZoneId === null) continue;
    const siblings = children.get(z.parentZoneId);
    if (!siblings) throw invalidNetwork('a zone hangs off an unknown zone', { zoneId: z.zoneId, parentZoneId: z.parentZoneId });
    siblings.push(z.zoneId);
  }
  for (const list of children.values()) list.sort(compareIds);
  const preorder: string[] = [];
  const stack = [roots[0].zoneId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    preorder.push(id);
    const list = children.get(id)!;
    for (let k = list.length - 1; k >= 0; k--) stack.push(list[k]);
  }
  if (preorder.length !== zones.size) throw invalidNetwork('the zones do not form one tree under the root');
  return { root: roots[0].zoneId, zones, children, preorder };
}

/** One side of a zone's book: prices ascending, with the energy at or below each (cumulative). */
interface SideCurve {
  prices: Float64Array;
  cumulative: Float64Array;
}

function curveOf(entries: [number, number][]): SideCurve {
  entries.sort((a, b) => a[0] - b[0]);
  const prices = new Float64Array(entries.length);
  const cumulative = new Float64Array(entries.length);
  let sum = 0;
  entries.forEach(([p, q], k) => {
    sum += q;
    prices[k] = p;
    cumulative[k] = sum;
  });
  return { prices, cumulative };
}

/** Energy of the entries priced below `p` (or at or below it when `inclusive`). */
function energyBelow(c: SideCurve, p: number, inclusive: boolean): number {
  let lo = 0;
  let hi = c.prices.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c.prices[mid] < p || (inclusive && c.prices[mid] === p)) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : c.cumulative[lo - 1];
}

/**
 * Net supply curves: what each zone's subtree would send up its feeder at a price, its feeders
 * inside clamped to their limits. At a price some orders are indifferent, so the net supply is a
 * range: `low` counts the orders at the price as buying and not selling, `high` the other way.
 */
export class NetSupply {
  private readonly asks = new Map<string, SideCurve>();
  private readonly bids = new Map<string, SideCurve>();
  private readonly totalBids = new Map<string, number>();

  constructor(
    private readonly tree: Tree,
    orders: readonly Order[],
    zoneOfOrder: readonly string[],
  ) {
    const asks = new Map<string, [number, number][]>();
    const bids = new Map<string, [number, number][]>();
    for (const id of tree.zones.keys()) {
      asks.set(id, []);
      bids.set(id, []);
    }
    orders.forEach((o, i) => (o.side === 'sell' ? asks : bids).get(zoneOfOrder[i])!.push([o.priceMicrosPerKwh, o.energyWh]));
    for (const id of tree.zones.keys()) {
      this.asks.set(id, curveOf(asks.get(id)!));
      const b = curveOf(bids.get(id)!);
      this.bids.set(id, b);
      this.totalBids.set(id, b.cumulative.length > 0 ? b.cumulative[b.cumulative.length - 1] : 0);
    }
  }

  /** The zone's own orders' net supply at `p`: asks below it less bids at or above it (`high`: asks at or below, bids above). */
  local(zoneId: string, p: number, high: boolean): number {
    const bidsBelow = energyBelow(this.bids.get(zoneId)!, p, high);
    return energyBelow(this.asks.get(zoneId)!, p, high) - (this.totalBids.get(zoneId)! - bidsBelow);
  }

  /** The subtree's net supply at `p`, its children's feeders clamped to their limits. */
  subtree(zoneId: string, p: number, high: boolean): number {
    let net = this.local(zoneId, p, high);
    for (const c of this.tree.children.get(zoneId)!) net += this.sent(c, p, high);
    return net;
  }

  /** What the child's feeder carries up at `p`: its subtree's net supply within the feeder's limits. */
  sent(zoneId: string, p: number, high: boolean): number {
    const z = this.tree.zones.get(zoneId)!;
    return Math.min(z.exportLimitWh, Math.max(-z.importLimitWh, this.subtree(zoneId, p, high)));
  }
}

/**
 * The points at which curves change or stay flat: each distinct order price, a point between each
 * two neighbours, one below the lowest and one above the highest.
 */
export function pricePoints(orders: readonly Order[]): number[] {
  const prices = [...new Set(orders.map((o) => o.priceMicrosPerKwh))].sort((a, b) => a - b);
  if (prices.length === 0) return [0];
  const points = [prices[0] - 0.5];
  prices.forEach((p, k) => {
    points.push(p);
    points.push(k + 1 < prices.length ? (p + prices[k + 1]) / 2 : p + 0.5);
  });
  return points;
}

/** The lowest point at which the subtree's net supply (high) reaches `target`: there its low net supply is at most `target`. */
export function balancePoint(curves: NetSupply, points: readonly number[], zoneId: string, target: number): number {
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (curves.subtree(zoneId, points[mid], true) >= target) hi = mid;
    else lo = mid + 1;
  }
  return points[lo];
}

/** Which way a bound feeder is held at its limit. */
export type Binding = 'export' | 'import';

/** Where the walk down the tree put a zone: its price point, and the net energy its own orders send out of it. */
export interface ZonePoint {
  point: number;
  localWh: number;
}

/** The flows of the optimum: each feeder's energy sent up, whether it is held at its limit, and each zone's point. */
export interface FlowPlan {
  zones: Map<string, ZonePoint>;
  flows: Map<string, number>;
  bound: Map<string, Binding>;
}

/**
 * Walks down from the root at its balance point (where its net supply is zero). At a zone's point
 * its own orders and each child's feeder can send any amount within their ranges there (wider than
 * a point where orders are indifferent); the zone's target (zero at the root, its feeder's flow
 * below) is reached by giving each the low end of its range and sharing the rest pro rata to what
 * each could still send (own orders first, then children in id order). A child whose flow lies
 * within its own subtree's range at the point has the same price; one held at a feeder limit beyond
 * that range is bound, and its subtree is walked from its own balance point for that flow.
 */
export function planFlows(tree: Tree, curves: NetSupply, points: readonly number[]): FlowPlan {
  const plan: FlowPlan = { zones: new Map(), flows: new Map(), bound: new Map() };
  const walk = (zoneId: string, p: number, target: number): void => {
    const kids = tree.children.get(zoneId)!;
    const lows = [curves.local(zoneId, p, false), ...kids.map((c) => curves.sent(c, p, false))];
    const highs = [curves.local(zoneId, p, true), ...kids.map((c) => curves.sent(c, p, true))];
    const shares = shareProRata(
      target - lows.reduce((a, b) => a + b, 0),
      highs.map((h, k) => h - lows[k]),
    );
    plan.zones.set(zoneId, { point: p, localWh: lows[0] + shares[0] });
    kids.forEach((c, k) => {
      const flow = lows[k + 1] + shares[k + 1];
      plan.flows.set(c, flow);
      if (curves.subtree(c, p, false) <= flow && flow <= curves.subtree(c, p, true)) {
        walk(c, p, flow);
      } else {
        plan.bound.set(c, curves.subtree(c, p, false) > flow ? 'export' : 'import');
        walk(c, balancePoint(curves, points, c, flow), flow);
      }
    });
  };
  walk(tree.root, balancePoint(curves, points, tree.root, 0), 0);
  return plan;
}
