/**
 * Emergency load shedding, pure (docs/islanding.md, "Load shedding"): the utility orders N W shed
 * in a zone (and every zone below it) for a window of market intervals. The clearing of each
 * interval of the window records whom it sheds, with `curtail` (the island's order: critical loads
 * last); the settlement takes the shed energy a household bought and could not use back at the
 * price it paid. Integers only; ties by id.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { compareIds, ID_PATTERN } from '../core/identity';
import { parseInstant } from '../core/units';
import { costMicros, Order, safeMicros } from '../market/order';
import { netBalances, Posting, SettlementResult } from '../market/settlement';
import { feederLimitWh } from '../market/zonal-network';
import { Curtailment, curtail } from './island';
import { DEFAULT_LOAD_PRIORITY, LoadPriorities, validateLoadPriorities } from './island-interval';

/** At most this many market intervals in one shedding order's window. */
export const MAX_SHEDDING_INTERVALS = 96;
/** The longest reason a shedding order may give. */
export const MAX_SHEDDING_REASON = 200;
/** At most 1 TW shed (the grid model's largest rating). */
export const MAX_SHED_W = 1_000_000_000_000;

/** A shedding order as the utility asks for it (POST /communities/{c}/load-sheddings). */
export interface SheddingRequest {
  /** The zone whose feeder is relieved (it and every zone below it); null: the whole community. */
  zoneId: string | null;
  /** Epoch seconds: the first interval of the window, and the end of the window (exclusive). */
  from: number;
  to: number;
  shedW: number;
  reason: string;
  /** The loads that are not `standard`; absent: those of the island record (the utility's register). */
  loadPriorities?: LoadPriorities;
}

const FIELDS = ['zoneId', 'from', 'to', 'shedW', 'reason', 'loadPriorities'];

const invalid = (field: string, reason: string) => new GridLedgerError(ErrorCodes.SHEDDING_INPUT_INVALID, reason, { field });

/**
 * A shedding order of the documented shape, or SHEDDING_INPUT_INVALID naming the field: a zone id
 * or null, a window [from, to) on the market's interval grid of 1 to 96 intervals, a positive
 * whole number of W up to 1 TW that sheds at least 1 Wh an interval, a reason of 1 to 200
 * characters without control characters, optionally the loads' priorities.
 */
export function validateShedding(input: Record<string, unknown>, intervalSeconds: number): SheddingRequest {
  const extra = Object.keys(input).find((k) => !FIELDS.includes(k));
  if (extra !== undefined) throw invalid(extra, `${extra} is not a field of a shedding order`);
  const zoneId = input.zoneId ?? null;
  if (zoneId !== null && (typeof zoneId !== 'string' || !ID_PATTERN.test(zoneId)))
    throw invalid('zoneId', 'zoneId must be a zone id or null');
  const onGrid = (field: 'from' | 'to'): number => {
    const at = typeof input[field] === 'string' ? parseInstant(input[field]) : undefined;
    if (at === undefined || at % intervalSeconds !== 0)
      throw invalid(field, `${field} must be a UTC instant on the market's ${intervalSeconds} s interval grid`);
    return at;
  };
  const from = onGrid('from');
  const to = onGrid('to');
  if (to <= from || (to - from) / intervalSeconds > MAX_SHEDDING_INTERVALS)
    throw invalid('to', `the window must hold 1 to ${MAX_SHEDDING_INTERVALS} intervals`);
  const shedW = input.shedW;
  if (typeof shedW !== 'number' || !Number.isSafeInteger(shedW) || shedW <= 0 || shedW > MAX_SHED_W)
    throw invalid('shedW', `shedW must be a whole number of W in [1, ${MAX_SHED_W}]`);
  if (feederLimitWh(shedW, intervalSeconds) === 0) throw invalid('shedW', 'shedW sheds less than 1 Wh an interval');
  const reason = input.reason;
  // eslint-disable-next-line no-control-regex
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > MAX_SHEDDING_REASON || /[\u0000-\u001f\u007f]/.test(reason))
    throw invalid('reason', `reason must be 1 to ${MAX_SHEDDING_REASON} characters without control characters`);
  const out: SheddingRequest = { zoneId, from, to, shedW, reason };
  if (input.loadPriorities !== undefined) {
    try {
      out.loadPriorities = validateLoadPriorities(input.loadPriorities);
    } catch (e) {
      throw invalid('loadPriorities', (e as Error).message);
    }
  }
  return out;
}

/** A shedding order as one interval's clearing takes it: its number, zone, Wh to shed and the priorities. */
export interface SheddingInForce {
  sheddingId: number;
  zoneId: string | null;
  shedWh: number;
  loadPriorities: LoadPriorities;
}

/** What the clearing reads to shed: the orders in force, each buyer's zone (null: none) and the model's tree. */
export interface SheddingBook {
  orders: SheddingInForce[];
  zoneOf: Record<string, string | null>;
  zones: { zoneId: string; parentZoneId: string | null }[];
}

/** A buyer's shed over all orders of the interval. */
export interface Shed extends Pick<Curtailment, 'loadId' | 'priority' | 'demandWh'> {
  shedWh: number;
}

/** What a clearing records of the shedding in force: per order the Wh asked and shed, per buyer its shed. */
export interface SheddingClearing {
  orders: { sheddingId: number; zoneId: string | null; shedWh: number; curtailedWh: number }[];
  shedWh: number;
  /** Every buyer an order reached, by participant id (shed 0 when the cut did not reach its class). */
  sheds: Shed[];
}

/** The zone and every zone below it in the tree (just the zone when the tree does not hold it). */
export function subtreeOf(zoneId: string, zones: SheddingBook['zones']): Set<string> {
  const inside = new Set([zoneId]);
  for (let grew = true; grew;) {
    grew = false;
    for (const z of zones)
      if (z.parentZoneId !== null && inside.has(z.parentZoneId) && !inside.has(z.zoneId)) {
        inside.add(z.zoneId);
        grew = true;
      }
  }
  return inside;
}

/**
 * The shedding of one interval from its book: each buyer is a load with its buy orders' energy as
 * demand; the orders apply one after the other by number, each to the buyers of its zone (and the
 * zones below it; every buyer for a null zone) with what the orders before left them, through
 * `curtail` with the order's priorities (`standard` unless named): lowest class first.
 */
export function sheddingClearing(
  orders: readonly Pick<Order, 'participantId' | 'side' | 'energyWh'>[],
  book: SheddingBook,
): SheddingClearing {
  const demand = new Map<string, number>();
  for (const o of orders) if (o.side === 'buy') demand.set(o.participantId, (demand.get(o.participantId) ?? 0) + o.energyWh);
  const left = new Map(demand);
  const shed = new Map<string, number>();
  const priority = new Map<string, Shed['priority']>();
  const done: SheddingClearing['orders'] = [];
  for (const order of [...book.orders].sort((a, b) => a.sheddingId - b.sheddingId)) {
    const zones = order.zoneId === null ? undefined : subtreeOf(order.zoneId, book.zones);
    const reached = [...left.keys()].filter((id) => zones === undefined || zones.has(book.zoneOf[id] ?? ''));
    const loads = reached.map((loadId) => ({
      loadId,
      priority: order.loadPriorities[loadId] ?? DEFAULT_LOAD_PRIORITY,
      demandWh: left.get(loadId)!,
    }));
    const cut = curtail(loads, order.shedWh);
    for (const c of cut) {
      left.set(c.loadId, c.servedWh);
      shed.set(c.loadId, (shed.get(c.loadId) ?? 0) + c.curtailedWh);
      priority.set(c.loadId, c.priority);
    }
    const { sheddingId, zoneId, shedWh } = order;
    done.push({ sheddingId, zoneId, shedWh, curtailedWh: cut.reduce((s, c) => s + c.curtailedWh, 0) });
  }
  const sheds = [...shed.keys()]
    .sort(compareIds)
    .map((loadId) => ({ loadId, priority: priority.get(loadId)!, demandWh: demand.get(loadId)!, shedWh: shed.get(loadId)! }));
  return {
    orders: done,
    shedWh: sheds.reduce((s, x) => s + x.shedWh, 0),
    sheds,
  };
}

/**
 * A connected interval's settlement with the shed households held harmless: of a shed buyer's
 * deviation D > 0 (it used less than it bought), up to its shed Wh is taken back by the utility,
 * which ordered the shed, at the price the buyer paid on average for its trades (its trade
 * postings' amount over its traded Wh, rounded down) instead of feed-in: a `shed:<participant>`
 * posting (reason `shed-taken`); the rest of D stays the `deviation:` posting at feed-in. The
 * balances are summed again, so every posting still balances to the micro-unit.
 */
export function settleShedDeviations(
  result: SettlementResult,
  sheds: readonly Pick<Shed, 'loadId' | 'shedWh'>[],
  params: { utilityId: string; feedInMicrosPerKwh: number },
): SettlementResult {
  const shedOf = new Map(sheds.map((s) => [s.loadId, s.shedWh]));
  const buyers = new Map(result.participants.filter((p) => p.side === 'buy' && p.tradedWh > 0).map((p) => [p.participantId, p]));
  // What each shed buyer paid for its trades (one pass over the postings).
  const paid = new Map<string, bigint>();
  for (const t of result.postings)
    if (t.reason === 'trade' && shedOf.has(t.from)) paid.set(t.from, (paid.get(t.from) ?? 0n) + BigInt(t.amountMicros));
  const postings: Posting[] = [];
  for (const p of result.postings) {
    const buyer = p.reason === 'deviation-taken' ? buyers.get(p.to) : undefined;
    const shedWh = buyer === undefined ? 0 : Math.min(shedOf.get(buyer.participantId) ?? 0, p.energyWh);
    if (buyer === undefined || shedWh === 0) {
      postings.push(p);
      continue;
    }
    const amountMicros = safeMicros(
      ((paid.get(buyer.participantId) ?? 0n) * BigInt(shedWh)) / BigInt(buyer.tradedWh),
      `the shed posting of ${buyer.participantId}`,
    );
    const rest = p.energyWh - shedWh;
    if (amountMicros > 0) postings.push({ ...p, postingId: `shed:${p.to}`, amountMicros, energyWh: shedWh, reason: 'shed-taken' });
    const restMicros = costMicros(rest, params.feedInMicrosPerKwh, `the deviation-taken posting of ${p.to}`);
    if (restMicros > 0) postings.push({ ...p, amountMicros: restMicros, energyWh: rest });
  }
  const balance = netBalances(postings);
  const participants = result.participants.map((p) => ({
    ...p,
    netMicros: safeMicros(balance.get(p.participantId) ?? 0n, `the balance change of ${p.participantId}`),
  }));
  return { ...result, postings, participants };
}
