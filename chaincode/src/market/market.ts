import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  aggregateCurves,
  canonicalJson,
  clearAuction,
  clearingPage,
  ClearingResult,
  compareIds,
  effectiveFrom,
  ErrorCodes,
  escrowMicros,
  Fill,
  formatInstant,
  GridLedgerError,
  intervalPhase,
  isSelfActing,
  MarketParams,
  mergeMarketParams,
  MeteredPosition,
  Order,
  orderIdOf,
  ParticipantSettlement,
  parseInstant,
  parseIntervalStart,
  Posting,
  safeMicros,
  settleCorrection,
  settleInterval,
  settlementPage,
  SettlementPage,
  SettlementPageSizes,
  SETTLEMENT_PAGE_SIZES,
  settlementPlan,
  tradeSettlementPage,
  shareProRata,
  Side,
  TokenTransfer,
  Trade,
  validateOrder,
} from '@gridledger/core';
import { actorOf, Caller, getRecord, parseObjectArgument, putRecord, requireRole, respond, setEvent, txInstant, txSeconds } from '../ledger';
import { checkId, isGridLedgerError, seqKeyPart } from '../ledger';
import { checkFields, pageSizeOf, requireSelfOrRoles } from './credits';
import { heldTokensWh, transferEnergyTokens as moveTokens } from '../energy/tokens';
import { deliveryOf, meteredMeters, meteringIntervalsOf } from './delivery';
import { AccountOverlay, MarketKeys, marketLimits, mkey, orderKey, pageKey, readAll, readBook, readPage, UTILITY_ACCOUNT } from './store';

export interface OrderRecord extends Order {
  clientOrderId: string;
  communityId: string;
  intervalStart: string;
  status: 'open' | 'cancelled';
  /** What a buy order holds in escrow (0 for a sell order). */
  escrowMicros: number;
  txId: string;
}

/** settling: the first settlement page is done, more follow (see settleInterval). */
/** clearing: the compact clearing record and its first page are written, more pages follow (see clearInterval). */
export type IntervalStatus = 'closed' | 'clearing' | 'cleared' | 'settling' | 'settled';

export interface IntervalRecord {
  communityId: string;
  intervalStart: string;
  status: IntervalStatus;
  /** The parameters in force for the interval, fixed when it closed. */
  params: MarketParams;
  closedAt: string;
  closedBy: string;
  clearedAt?: string;
  /** Clearing in pages (one page of fills and trades per transaction): how many there are and how many are done. */
  clearing?: { pageCount: number; pagesDone: number };
  /**
   * Settlement in pages: how many there are and how many are done (the next page's number); the
   * first tradePages are trade pages of `sizes.trades` trades each (see the core's settlementPlan).
   */
  settlement?: { pageCount: number; pagesDone: number; tradePages: number; sizes: SettlementPageSizes };
  settledAt?: string;
}

/** The compact clearing record; its fills and trades are stored in pages (see store.ts). */
export interface ClearingRecord extends Omit<ClearingResult, 'fills' | 'trades'> {
  communityId: string;
  intervalStart: string;
  params: MarketParams;
  orderCount: number;
  fillCount: number;
  tradeCount: number;
  /** Fills and trades per page (one page of each per clearing transaction), fixed by the first page. */
  pageItems: number;
  /** Number of page keys of fills and of trades (pageItems each). */
  fillPages: number;
  tradePages: number;
  clearedAt: string;
  txId: string;
}

interface BookEntry {
  side: Side;
  openOrders: number;
  sellWh: number;
  /** The participant's sell capacity in the interval, from its active meters at its first order. */
  capacityWh?: number;
}

interface SettledRecord extends ParticipantSettlement {
  communityId: string;
  intervalStart: string;
  correctedAt?: string;
}

const OPERATOR_ROLES = ['operator'] as const;

export function requireOperator(ctx: Context, action: string): Caller {
  const caller = requireRole(ctx, OPERATOR_ROLES, action);
  if (caller.mspId !== 'CommunityMSP') throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} is for an operator of CommunityMSP`, { mspId: caller.mspId });
  return caller;
}

export function requireTrader(ctx: Context, action: string): Caller & { participantId: string } {
  const caller = requireRole(ctx, ['prosumer', 'consumer'], action);
  if (caller.participantId === undefined) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} needs an identity with gl.id`);
  return caller as Caller & { participantId: string };
}

function conflict(message: string, details: Record<string, string>): GridLedgerError {
  return new GridLedgerError(ErrorCodes.INTERVAL_STATE_CONFLICT, message, details);
}

export function instantOf(text: unknown, field: string): number {
  const seconds = typeof text === 'string' ? parseInstant(text) : undefined;
  if (seconds === undefined) throw new GridLedgerError(ErrorCodes.INTERVAL_INVALID, `${field} must be a UTC instant like 2026-11-21T10:15:00Z`, { [field]: String(text) });
  return seconds;
}

/** One change of a community's parameters: in force from `from` until the next entry's `from`. */
interface ParamsEntry {
  from: string;
  params: MarketParams;
  /** The entry this one follows (null for the community's first parameters). */
  previousFrom: string | null;
  /** How many changes the community's parameters have had, this one included. */
  changes?: number;
}

/** The community's latest parameters entry (one point read), or undefined. */
async function latestParams(ctx: Context, communityId: string): Promise<ParamsEntry | undefined> {
  return getRecord<ParamsEntry>(ctx, mkey(ctx, MarketKeys.paramsLatest, communityId));
}

/**
 * The parameters in force for an interval starting at `startSeconds`, or MARKET_NOT_FOUND: the
 * latest entry (one point read, written only by setParams), and only when that one takes effect
 * later, the entries before it, one point read each. Orders never read the whole history.
 */
export async function paramsFor(ctx: Context, communityId: string, startSeconds: number): Promise<MarketParams> {
  let entry = await latestParams(ctx, communityId);
  while (entry !== undefined && parseInstant(entry.from)! > startSeconds) {
    entry = entry.previousFrom === null ? undefined : await getRecord<ParamsEntry>(ctx, mkey(ctx, MarketKeys.params, communityId, entry.previousFrom));
  }
  if (entry === undefined) throw new GridLedgerError(ErrorCodes.MARKET_NOT_FOUND, `community ${communityId} has no market parameters`, { communityId });
  return entry.params;
}

export async function loadInterval(ctx: Context, communityId: string, intervalStart: string): Promise<IntervalRecord | undefined> {
  return getRecord<IntervalRecord>(ctx, mkey(ctx, MarketKeys.interval, communityId, intervalStart));
}

/** Stores the interval's new state and moves it in the index of intervals waiting for a step. */
async function storeInterval(ctx: Context, record: IntervalRecord, previous: IntervalStatus | undefined): Promise<void> {
  await putRecord(ctx, mkey(ctx, MarketKeys.interval, record.communityId, record.intervalStart), record);
  if (previous !== undefined) await ctx.stub.deleteState(mkey(ctx, MarketKeys.intervalDue, record.communityId, previous, record.intervalStart));
  if (record.status !== 'settled') {
    await putRecord(ctx, mkey(ctx, MarketKeys.intervalDue, record.communityId, record.status, record.intervalStart), { intervalStart: record.intervalStart });
  }
}

/** The participant's sell capacity in the community: its active meters' export capacity over one interval, in Wh. */
async function sellCapacityWh(ctx: Context, participantId: string, communityId: string, intervalSeconds: number): Promise<{ meters: number; capacityWh: number }> {
  const meters = await meteredMeters(ctx, participantId, communityId);
  const watts = meters.reduce((s, m) => s + BigInt(m.exportCapacityW), 0n);
  return { meters: meters.length, capacityWh: Number((watts * BigInt(intervalSeconds)) / 3600n) };
}

/** Fails with INTERVAL_NOT_OPEN or INTERVAL_CLOSED unless orders may be placed or cancelled now. */
async function requireOpen(ctx: Context, params: MarketParams, communityId: string, intervalStart: string, startSeconds: number): Promise<void> {
  const phase = intervalPhase(params, startSeconds, txSeconds(ctx));
  if (phase === 'not-open') {
    throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_OPEN, `orders for ${intervalStart} are accepted from ${params.openingHorizonSeconds} s before it`, { intervalStart });
  }
  if (phase === 'gate-closed' || (await loadInterval(ctx, communityId, intervalStart)) !== undefined) {
    throw new GridLedgerError(ErrorCodes.INTERVAL_CLOSED, `the gate of ${intervalStart} has closed`, { intervalStart, communityId });
  }
}

/** A trade's energy tokens as settlement moved them. */
export interface SettledTokenTransfer extends TokenTransfer {
  /** Tokens moved from seller to buyer: at most energyWh (the seller's delivered share of the trade). */
  movedWh: number;
  /** energyWh − movedWh: delivered by the position but not backed by tokens the seller held (an estimated position mints none). */
  undeliveredWh: number;
}

/**
 * Energy tokens at settlement: for each trade (clearing order), the seller's delivered share
 * (settleInterval's tokenTransfers: min(delivered, sold) pro rata) moves from the seller's lots of
 * the metering intervals inside the market interval, earliest interval first, to the buyer. A
 * seller may hold fewer tokens than that (an estimated position mints none): what it holds moves,
 * the rest is recorded as undeliveredWh; no balance goes negative.
 */
async function transferEnergyTokens(ctx: Context, communityId: string, intervalStart: string, meteringIntervals: readonly string[], transfers: readonly TokenTransfer[]): Promise<SettledTokenTransfer[]> {
  const out: SettledTokenTransfer[] = [];
  for (const t of transfers) {
    const movedWh = await moveHeldTokens(ctx, t.sellerId, t.buyerId, meteringIntervals, t.energyWh, `${communityId}/${intervalStart}/trade:${t.buyOrderId}:${t.sellOrderId}`);
    out.push({ ...t, movedWh, undeliveredWh: t.energyWh - movedWh });
  }
  return out;
}

/**
 * Tokens a corrected seller owes its buyers: its verified delivery min(max(net, 0), sold) shared
 * over its trades as at settlement, less what settlement moved for each trade; what it holds now
 * (metering minted the verified surplus with the correction) moves, the rest stays undelivered.
 */
async function correctionTokens(ctx: Context, interval: IntervalRecord, meteringIntervals: readonly string[], sellerId: string, netWh: number, tradedWh: number): Promise<SettledTokenTransfer[]> {
  const { communityId, intervalStart } = interval;
  const clearing = await loadClearing(ctx, communityId, intervalStart);
  // The interval is settled: its settlement pages can no longer change.
  const pages = await readAll<{ tokenTransfers: SettledTokenTransfer[] }>(ctx, MarketKeys.settlePage, [communityId, intervalStart]);
  const moved = new Map(pages.flatMap((p) => p.value.tokenTransfers).map((t) => [`${t.buyOrderId}:${t.sellOrderId}`, t.movedWh]));
  const trades = clearing.trades.filter((t) => t.sellerId === sellerId);
  const shares = shareProRata(Math.min(Math.max(netWh, 0), tradedWh), trades.map((t) => t.energyWh));
  const out: SettledTokenTransfer[] = [];
  for (const [k, t] of trades.entries()) {
    const energyWh = shares[k] - (moved.get(`${t.buyOrderId}:${t.sellOrderId}`) ?? 0);
    if (energyWh <= 0) continue;
    const movedWh = await moveHeldTokens(ctx, sellerId, t.buyerId, meteringIntervals, energyWh, `${communityId}/${intervalStart}/correction:${t.buyOrderId}:${t.sellOrderId}`);
    out.push({ sellOrderId: t.sellOrderId, buyOrderId: t.buyOrderId, sellerId, buyerId: t.buyerId, energyWh, movedWh, undeliveredWh: energyWh - movedWh });
  }
  return out;
}

/** Moves up to `energyWh` of the seller's tokens of the metering intervals (earliest first) to the buyer; returns the Wh moved (at most what it held). */
export async function moveHeldTokens(ctx: Context, sellerId: string, buyerId: string, meteringIntervals: readonly string[], energyWh: number, reason: string): Promise<number> {
  let movedWh = 0;
  for (const start of meteringIntervals) {
    const take = Math.min(energyWh - movedWh, await heldTokensWh(ctx, sellerId, start));
    if (take > 0) {
      await moveTokens(ctx, sellerId, buyerId, start, take, reason);
      movedWh += take;
    }
  }
  return movedWh;
}

/**
 * Applies settlement postings: each is stored under a key of its own; the money moves once per
 * participant and reason (trade and grid fee out of the buyer's escrow), with one statement line
 * each, and the utility's side of all of them is one entry under `utilityEntryId`. So a page of
 * 1,000 postings writes 1,000 posting keys and a few keys per participant, not five keys per posting.
 */
export async function applyPostings(ctx: Context, accounts: AccountOverlay, communityId: string, intervalStart: string, postings: readonly Posting[], utilityEntryId: string): Promise<void> {
  const moves = new Map<string, { participantId: string; reason: string; fromEscrow: boolean; micros: bigint }>();
  const move = (participantId: string, reason: string, fromEscrow: boolean, micros: number) => {
    const key = `${participantId}\u0000${reason}\u0000${fromEscrow}`;
    const m = moves.get(key) ?? { participantId, reason, fromEscrow, micros: 0n };
    m.micros += BigInt(micros);
    moves.set(key, m);
  };
  let utility = 0n;
  for (const p of postings) {
    if (p.from === UTILITY_ACCOUNT) utility -= BigInt(p.amountMicros);
    else move(p.from, p.reason, p.reason === 'trade' || p.reason === 'grid-fee', -p.amountMicros);
    if (p.to === UTILITY_ACCOUNT) utility += BigInt(p.amountMicros);
    else move(p.to, p.reason, false, p.amountMicros);
    await putRecord(ctx, mkey(ctx, MarketKeys.posting, communityId, intervalStart, p.postingId), p);
  }
  const ref = `${communityId}/${intervalStart}`;
  for (const m of moves.values()) {
    const micros = safeMicros(m.micros, `the ${m.reason} postings of ${m.participantId}`);
    if (m.fromEscrow) await accounts.change(m.participantId, m.reason, ref, 0, micros);
    else await accounts.change(m.participantId, m.reason, ref, micros);
  }
  if (postings.some((p) => p.from === UTILITY_ACCOUNT || p.to === UTILITY_ACCOUNT)) {
    await putRecord(ctx, mkey(ctx, MarketKeys.utility, communityId, intervalStart, utilityEntryId), { amountMicros: safeMicros(utility, 'the utility entry'), ref: `${ref}/${utilityEntryId}` });
  }
}

/** Trades [from, to) of a clearing, read from only the page keys that hold them. */
async function loadTrades(ctx: Context, record: ClearingRecord, from: number, to: number): Promise<Trade[]> {
  const out: Trade[] = [];
  const last = Math.min(to, record.tradeCount);
  for (let page = Math.floor(from / record.pageItems); page * record.pageItems < last; page++) {
    const items = (await getRecord<Trade[]>(ctx, mkey(ctx, MarketKeys.clearingPage, record.communityId, record.intervalStart, 'trades', pageKey(page))))!;
    const base = page * record.pageItems;
    out.push(...items.slice(Math.max(0, from - base), last - base));
  }
  return out;
}

/** The open orders of a closed interval (a range that can no longer change), in the 16 buckets of order ids. */
async function openBook(ctx: Context, communityId: string, intervalStart: string): Promise<OrderRecord[]> {
  return (await readBook<OrderRecord>(ctx, communityId, intervalStart)).filter((o) => o.status === 'open');
}

/** The clearing record of an interval with its fills and trades read back from their pages, or INTERVAL_NOT_FOUND. */
export async function loadClearing(ctx: Context, communityId: string, intervalStart: string): Promise<ClearingRecord & Pick<ClearingResult, 'fills' | 'trades'>> {
  const record = await getRecord<ClearingRecord>(ctx, mkey(ctx, MarketKeys.clearing, communityId, intervalStart));
  if (record === undefined) throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${intervalStart} has not been cleared`, { intervalStart });
  const pages = async <T>(kind: 'fills' | 'trades', count: number): Promise<T[]> => {
    const out: T[] = [];
    for (let page = 0; page < count; page++) {
      const items = await getRecord<T[]>(ctx, mkey(ctx, MarketKeys.clearingPage, communityId, intervalStart, kind, pageKey(page)));
      if (items === undefined) throw conflict(`the clearing of ${intervalStart} is still being written (page ${page})`, { status: 'clearing', step: 'read' });
      out.push(...items);
    }
    return out;
  };
  return { ...record, fills: await pages<Fill>('fills', record.fillPages), trades: await pages<Trade>('trades', record.tradePages) };
}

/**
 * Each trading participant's metered position (deliveryOf): verified, or estimated once the late
 * window has closed; SETTLEMENT_METERING_INCOMPLETE while a reading is missing before that.
 */
async function meteredPositions(ctx: Context, communityId: string, clearing: Pick<ClearingResult, 'fills'>, startSeconds: number, meteringIntervals: readonly string[]): Promise<MeteredPosition[]> {
  const traders = new Set(clearing.fills.map((f) => f.participantId));
  const metered: MeteredPosition[] = [];
  const pending: string[] = [];
  for (const participantId of [...traders].sort(compareIds)) {
    const delivery = await deliveryOf(ctx, communityId, participantId, startSeconds, meteringIntervals);
    if (delivery.kind === 'settled') metered.push({ participantId, netWh: delivery.netWh, estimated: delivery.estimated });
    else pending.push(participantId);
  }
  if (pending.length > 0) {
    throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'a metering window of the interval is not closed, or a contract of these participants not settled', { participantIds: pending.join(',') });
  }
  return metered;
}

/**
 * What the orders of one transaction share: a transaction cannot read its own writes, so the
 * accounts and book entries its orders change are kept here between them.
 */
class PlacementBatch {
  readonly accounts: AccountOverlay;
  readonly books = new Map<string, BookEntry | undefined>();
  /** Written only once every order of the batch has passed: nothing half-written. */
  readonly writes = new Map<string, unknown>();

  constructor(private readonly ctx: Context) {
    this.accounts = new AccountOverlay(ctx);
  }

  async flush(): Promise<void> {
    for (const [key, value] of this.writes) await putRecord(this.ctx, key, value);
    await this.accounts.flush();
  }
}

/**
 * Places one order of `participantId` (validated with every placement code), or returns the order
 * a retry of its clientOrderId placed before (replayed). The caller flushes the batch.
 */
async function placeOne(ctx: Context, participantId: string, input: Record<string, unknown>, batch: PlacementBatch): Promise<{ order: OrderRecord; replayed: boolean }> {
  const { accounts, books, writes } = batch;
  checkFields(input, ['clientOrderId', 'communityId', 'intervalStart', 'side', 'energyWh', 'priceMicrosPerKwh']);
  const clientOrderId = checkId(input.clientOrderId, 'clientOrderId');
  const communityId = checkId(input.communityId, 'communityId');
  const requestText = canonicalJson({ ...input, clientOrderId, communityId });
  const clientKey = mkey(ctx, MarketKeys.clientOrder, participantId, clientOrderId);
  const placed = await getRecord<{ request: string; communityId: string; intervalStart: string; orderId: string }>(ctx, clientKey);
  if (placed !== undefined) {
    if (placed.request !== requestText) throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `clientOrderId ${clientOrderId} was used for another order`, { clientOrderId });
    return { order: (await getRecord<OrderRecord>(ctx, orderKey(ctx, placed.communityId, placed.intervalStart, placed.orderId)))!, replayed: true };
  }

  const startSeconds = instantOf(input.intervalStart, 'intervalStart');
  const params = await paramsFor(ctx, communityId, startSeconds);
  parseIntervalStart(input.intervalStart, params.intervalSeconds);
  const intervalStart = formatInstant(startSeconds);
  await requireOpen(ctx, params, communityId, intervalStart, startSeconds);

  const orderId = orderIdOf(participantId, clientOrderId);
  const order: Order = {
    orderId,
    participantId,
    side: input.side as Side,
    energyWh: input.energyWh as number,
    priceMicrosPerKwh: input.priceMicrosPerKwh as number,
    placedAt: txInstant(ctx),
  };
  validateOrder(order, params);

  const bookKey = mkey(ctx, MarketKeys.book, communityId, intervalStart, participantId);
  const stored = books.has(bookKey) ? books.get(bookKey) : await getRecord<BookEntry>(ctx, bookKey);
  if (stored !== undefined && stored.openOrders > 0 && stored.side !== order.side) {
    throw new GridLedgerError(ErrorCodes.ORDER_SIDE_CONFLICT, `${participantId} already holds ${stored.side} orders in ${intervalStart}`, { intervalStart });
  }
  // The capacity is taken from the meters at the participant's first open order in the interval
  // and kept in its book entry: later orders of the interval read one key, not every meter.
  const { meters, capacityWh } = stored?.capacityWh !== undefined ? { meters: 1, capacityWh: stored.capacityWh } : await sellCapacityWh(ctx, participantId, communityId, params.intervalSeconds);
  const book: BookEntry = stored ?? { side: order.side, openOrders: 0, sellWh: 0, capacityWh };
  if (meters === 0) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${participantId} has no active meter in community ${communityId}`, { communityId });
  if (order.side === 'sell' && book.sellWh + order.energyWh > capacityWh) {
    throw new GridLedgerError(ErrorCodes.SELLER_CAPACITY_EXCEEDED, `sell orders of ${book.sellWh + order.energyWh} Wh exceed the capacity of ${capacityWh} Wh in one interval`, {
      capacityWh,
      offeredWh: book.sellWh,
    });
  }

  const escrow = order.side === 'buy' ? escrowMicros(order, params.gridFeeMicrosPerKwh) : 0;
  if (escrow > 0) {
    await accounts.requireAvailable(participantId, escrow);
    await accounts.change(participantId, 'escrow', orderId, -escrow, escrow);
  }
  const txId = ctx.stub.getTxID();
  const record: OrderRecord = { ...order, clientOrderId, communityId, intervalStart, status: 'open', escrowMicros: escrow, txId };
  writes.set(orderKey(ctx, communityId, intervalStart, orderId), record);
  writes.set(mkey(ctx, MarketKeys.orderRef, orderId), { communityId, intervalStart, participantId });
  writes.set(mkey(ctx, MarketKeys.orderBy, participantId, intervalStart, orderId), { communityId, intervalStart, orderId });
  writes.set(clientKey, { request: requestText, communityId, intervalStart, orderId });
  const entry: BookEntry = { side: order.side, openOrders: book.openOrders + 1, sellWh: book.sellWh + (order.side === 'sell' ? order.energyWh : 0), capacityWh };
  books.set(bookKey, entry);
  writes.set(bookKey, entry);
  return { order: record, replayed: false };
}

/** Orders placed in one transaction at most (placeOrders): about 2 kB written each. */
export const ORDERS_PER_BATCH = 100;

/**
 * The local market: parameters per community, orders with escrow, and each interval's close,
 * clearing and settlement. The rules are the core's (clearAuction, settleInterval); this contract
 * loads, checks access and time, and stores.
 */
@Info({ title: 'market', description: 'Orders, clearing and settlement of the local energy market' })
export class MarketContract extends Contract {
  constructor() {
    super('market');
  }

  /** Fields of the community's parameters to change, by an operator of CommunityMSP; every change is recorded. */
  @Transaction()
  @Returns('string')
  async setParams(ctx: Context, communityId: string, change: string): Promise<string> {
    return respond(ctx, 'setParams', async () => {
      const caller = requireOperator(ctx, 'setting market parameters');
      checkId(communityId, 'communityId');
      const input = parseObjectArgument(change, 'the parameters');
      const latest = await latestParams(ctx, communityId);
      const previous = latest?.params;
      const params = mergeMarketParams(previous, communityId, input);
      const from = formatInstant(effectiveFrom(txSeconds(ctx), previous, params));
      const txId = ctx.stub.getTxID();
      // Two changes that take effect at the same instant: the later one replaces the earlier.
      // Changes are numbered by the latest entry, which each one rewrites: neither the submitter's
      // timestamp (whole seconds) nor the random transaction id orders two of them.
      const number = (latest?.changes ?? 0) + 1;
      const entry: ParamsEntry = { from, params, previousFrom: latest === undefined ? null : latest.from === from ? latest.previousFrom : latest.from, changes: number };
      await putRecord(ctx, mkey(ctx, MarketKeys.params, communityId, from), entry);
      await putRecord(ctx, mkey(ctx, MarketKeys.paramsLatest, communityId), entry);
      const record = { number, txId, communityId, effectiveFrom: from, changedAt: txInstant(ctx), changedBy: actorOf(ctx, caller), mspId: caller.mspId, previous: previous ?? null, params };
      await putRecord(ctx, mkey(ctx, MarketKeys.paramsChange, communityId, seqKeyPart(number)), record);
      setEvent(ctx, 'MarketParamsChanged', record);
      return record;
    });
  }

  /** The parameters in force for an interval (default: now), and every recorded change. */
  @Transaction(false)
  @Returns('string')
  async getParams(ctx: Context, communityId: string, at: string): Promise<string> {
    return respond(ctx, 'getParams', async () => {
      requireRole(ctx, 'any', 'reading market parameters');
      checkId(communityId, 'communityId');
      const seconds = at ? instantOf(at, 'at') : txSeconds(ctx);
      const changes = (await readAll<Record<string, unknown>>(ctx, MarketKeys.paramsChange, [communityId])).map((e) => e.value);
      return { params: await paramsFor(ctx, communityId, seconds), changes };
    });
  }

  /**
   * `{ clientOrderId, communityId, intervalStart, side, energyWh, priceMicrosPerKwh }` by a
   * prosumer or consumer for itself. A buy escrows energy × (price + grid fee); a sell must fit the
   * seller's capacity. A retry with the same clientOrderId and request returns the same order.
   */
  @Transaction()
  @Returns('string')
  async placeOrder(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'placeOrder', async () => {
      const { participantId } = requireTrader(ctx, 'placing an order');
      const batch = new PlacementBatch(ctx);
      const placed = await placeOne(ctx, participantId, parseObjectArgument(request, 'the order'), batch);
      if (placed.replayed) return placed;
      await batch.flush();
      const { order } = placed;
      setEvent(ctx, 'OrderAccepted', { orderId: order.orderId, participantId: order.participantId, communityId: order.communityId, intervalStart: order.intervalStart, side: order.side, energyWh: order.energyWh, priceMicrosPerKwh: order.priceMicrosPerKwh });
      return placed;
    });
  }

  /**
   * `{ orders: [...] }`: up to ORDERS_PER_BATCH orders of the caller in one transaction, each as
   * placeOrder takes it and validated by the same rules, in the order given (a later order sees
   * the escrow and capacity of the earlier ones). All or nothing: the first order refused refuses
   * the batch with its own code and `details.index`. Each order is idempotent on its
   * clientOrderId (a retried batch returns its orders as replayed); a clientOrderId twice in one
   * batch is REQUEST_INVALID. One event, OrdersAccepted, lists the new orders.
   */
  @Transaction()
  @Returns('string')
  async placeOrders(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'placeOrders', async () => {
      const { participantId } = requireTrader(ctx, 'placing orders');
      const input = parseObjectArgument(request, 'the batch');
      checkFields(input, ['orders']);
      const orders = input.orders;
      if (!Array.isArray(orders) || orders.length === 0 || orders.length > ORDERS_PER_BATCH) {
        throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `orders must be a list of 1 to ${ORDERS_PER_BATCH} orders`, { field: 'orders' });
      }
      const seen = new Set<unknown>();
      const batch = new PlacementBatch(ctx);
      const out: { order: OrderRecord; replayed: boolean }[] = [];
      for (const [index, item] of orders.entries()) {
        const clientOrderId = (item as { clientOrderId?: unknown } | null)?.clientOrderId;
        if (seen.has(clientOrderId)) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `clientOrderId ${String(clientOrderId)} appears twice in the batch`, { field: 'clientOrderId', index });
        seen.add(clientOrderId);
        try {
          out.push(await placeOne(ctx, participantId, parseObjectArgument(JSON.stringify(item), 'an order'), batch));
        } catch (e) {
          if (isGridLedgerError(e)) throw new GridLedgerError(e.code, `order ${index}: ${e.message}`, { ...e.details, index });
          throw e;
        }
      }
      await batch.flush();
      const accepted = out.filter((p) => !p.replayed).map(({ order: o }) => ({ orderId: o.orderId, participantId: o.participantId, communityId: o.communityId, intervalStart: o.intervalStart, side: o.side, energyWh: o.energyWh, priceMicrosPerKwh: o.priceMicrosPerKwh }));
      if (accepted.length > 0) setEvent(ctx, 'OrdersAccepted', { orders: accepted });
      return { orders: out };
    });
  }

  /** Cancels one of the caller's own orders before gate closure; its escrow is released at once. */
  @Transaction()
  @Returns('string')
  async cancelOrder(ctx: Context, orderId: string): Promise<string> {
    return respond(ctx, 'cancelOrder', async () => {
      const caller = requireTrader(ctx, 'cancelling an order');
      checkId(orderId, 'orderId');
      const ref = await getRecord<{ communityId: string; intervalStart: string; participantId: string }>(ctx, mkey(ctx, MarketKeys.orderRef, orderId));
      if (ref === undefined) throw new GridLedgerError(ErrorCodes.ORDER_NOT_FOUND, `no order ${orderId}`, { orderId });
      if (ref.participantId !== caller.participantId) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'only the participant who placed an order cancels it', { orderId });
      const key = orderKey(ctx, ref.communityId, ref.intervalStart, orderId);
      const order = (await getRecord<OrderRecord>(ctx, key))!;
      if (order.status === 'cancelled') return { order, replayed: true };
      const params = await paramsFor(ctx, ref.communityId, parseInstant(ref.intervalStart)!);
      await requireOpen(ctx, params, ref.communityId, ref.intervalStart, parseInstant(ref.intervalStart)!);
      const accounts = new AccountOverlay(ctx);
      if (order.escrowMicros > 0) await accounts.change(order.participantId, 'escrow-release', orderId, order.escrowMicros, -order.escrowMicros);
      const cancelled: OrderRecord = { ...order, status: 'cancelled' };
      await putRecord(ctx, key, cancelled);
      const bookKey = mkey(ctx, MarketKeys.book, ref.communityId, ref.intervalStart, order.participantId);
      const book = (await getRecord<BookEntry>(ctx, bookKey))!;
      if (book.openOrders <= 1) await ctx.stub.deleteState(bookKey);
      else await putRecord(ctx, bookKey, { ...book, openOrders: book.openOrders - 1, sellWh: book.sellWh - (order.side === 'sell' ? order.energyWh : 0) });
      await accounts.flush();
      setEvent(ctx, 'OrderCancelled', { orderId, participantId: order.participantId, communityId: ref.communityId, intervalStart: ref.intervalStart });
      return { order: cancelled, replayed: false };
    });
  }

  @Transaction(false)
  @Returns('string')
  async getOrder(ctx: Context, orderId: string): Promise<string> {
    return respond(ctx, 'getOrder', async () => {
      checkId(orderId, 'orderId');
      const ref = await getRecord<{ communityId: string; intervalStart: string; participantId: string }>(ctx, mkey(ctx, MarketKeys.orderRef, orderId));
      if (ref === undefined) throw new GridLedgerError(ErrorCodes.ORDER_NOT_FOUND, `no order ${orderId}`, { orderId });
      requireSelfOrRoles(ctx, ref.participantId, ['operator', 'regulator'], 'reading an order');
      return getRecord<OrderRecord>(ctx, orderKey(ctx, ref.communityId, ref.intervalStart, orderId));
    });
  }

  /** A page of a participant's orders, by interval: the participant itself, an operator or a regulator. */
  @Transaction(false)
  @Returns('string')
  async listOrders(ctx: Context, participantId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listOrders', async () => {
      requireSelfOrRoles(ctx, checkId(participantId, 'participantId'), ['operator', 'regulator'], 'listing orders');
      const page = await readPage<{ communityId: string; intervalStart: string; orderId: string }>(ctx, MarketKeys.orderBy, [participantId], pageSizeOf(pageSize), bookmark ?? '');
      const items: OrderRecord[] = [];
      for (const ref of page.items) items.push((await getRecord<OrderRecord>(ctx, orderKey(ctx, ref.communityId, ref.intervalStart, ref.orderId)))!);
      return { items, bookmark: page.bookmark };
    });
  }

  /** The anonymised aggregated bid and ask curves of an interval: open orders only, summed per price. */
  @Transaction(false)
  @Returns('string')
  async getCurves(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getCurves', async () => {
      requireRole(ctx, 'any', 'reading the curves');
      checkId(communityId, 'communityId');
      const start = formatInstant(instantOf(intervalStart, 'intervalStart'));
      const orders = await openBook(ctx, communityId, start);
      return { communityId, intervalStart: start, ...aggregateCurves(orders) };
    });
  }

  /** Closes an interval once its gate has passed, by the operator (or its scheduler); only once. */
  @Transaction()
  @Returns('string')
  async closeInterval(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'closeInterval', async () => {
      const caller = requireOperator(ctx, 'closing an interval');
      checkId(communityId, 'communityId');
      const startSeconds = instantOf(intervalStart, 'intervalStart');
      const params = await paramsFor(ctx, communityId, startSeconds);
      parseIntervalStart(intervalStart, params.intervalSeconds);
      const existing = await loadInterval(ctx, communityId, intervalStart);
      if (existing !== undefined) throw conflict(`interval ${intervalStart} is already ${existing.status}`, { status: existing.status, step: 'close' });
      if (intervalPhase(params, startSeconds, txSeconds(ctx)) !== 'gate-closed') {
        throw conflict(`the gate of ${intervalStart} closes ${params.gateClosureSeconds} s before it`, { status: 'open', step: 'close' });
      }
      const record: IntervalRecord = { communityId, intervalStart, status: 'closed', params, closedAt: txInstant(ctx), closedBy: actorOf(ctx, caller) };
      await storeInterval(ctx, record, undefined);
      setEvent(ctx, 'IntervalClosed', { communityId, intervalStart, closedAt: record.closedAt });
      return record;
    });
  }

  /**
   * Clears a closed interval with the core's clearAuction over its open orders, in pages (the
   * core's clearingPage: at most CLEARING_PAGE_ITEMS fills and as many trades per transaction).
   * Page 0 stores the compact, recomputable record (input digest, bounds, price, volume, counts)
   * with the first page; every later page recomputes clearAuction from the same closed book,
   * checks its digest against the record and stores its own slice. Each page refunds the escrow
   * above what its buy orders' trades cost. The last page marks the interval cleared (status
   * clearing in between). `page` names the page the caller means ('' or undefined: the next
   * one): a page done before, or out of turn, is refused with INTERVAL_STATE_CONFLICT.
   */
  @Transaction()
  @Returns('string')
  async clearInterval(ctx: Context, communityId: string, intervalStart: string, page?: string): Promise<string> {
    return respond(ctx, 'clearInterval', async () => {
      requireOperator(ctx, 'clearing an interval');
      checkId(communityId, 'communityId');
      instantOf(intervalStart, 'intervalStart');
      const interval = await loadInterval(ctx, communityId, intervalStart);
      if (interval?.status !== 'closed' && interval?.status !== 'clearing') {
        throw conflict(`interval ${intervalStart} is ${interval?.status ?? 'not closed'}`, { status: interval?.status ?? 'open', step: 'clear' });
      }
      const next = interval.clearing?.pagesDone ?? 0;
      if (page !== undefined && page !== '' && page !== String(next)) {
        throw conflict(`clearing page ${page} of ${intervalStart} is not the next one (${next})`, { status: interval.status, step: 'clear', page: String(next) });
      }
      // The interval is closed: its book can no longer change, so every page clears the same orders.
      const open = await openBook(ctx, communityId, intervalStart);
      const orders: Order[] = open.map(({ orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt }) => ({ orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt }));
      const result = clearAuction(orders, interval.params);
      const recordKey = mkey(ctx, MarketKeys.clearing, communityId, intervalStart);
      let record = next === 0 ? undefined : await getRecord<ClearingRecord>(ctx, recordKey);
      if (record !== undefined && record.inputDigest !== result.inputDigest) {
        throw new GridLedgerError(ErrorCodes.INTERNAL, `the book of ${intervalStart} no longer matches its clearing record`, { intervalStart });
      }
      if (record === undefined) {
        const { fills, trades, ...compact } = result;
        const pageItems = marketLimits.clearingPageItems;
        const pagesOf = (n: number) => Math.ceil(n / pageItems);
        record = { ...compact, communityId, intervalStart, params: interval.params, orderCount: orders.length, fillCount: fills.length, tradeCount: trades.length, pageItems, fillPages: pagesOf(fills.length), tradePages: pagesOf(trades.length), clearedAt: txInstant(ctx), txId: ctx.stub.getTxID() };
        await putRecord(ctx, recordKey, record);
      }
      const slice = clearingPage(result, new Map(open.filter((o) => o.side === 'buy').map((o) => [o.orderId, o.escrowMicros])), next, record.pageItems);
      const accounts = new AccountOverlay(ctx);
      for (const { participantId, refundMicros } of slice.refunds) await accounts.change(participantId, 'escrow-refund', `${communityId}/${intervalStart}`, refundMicros, -refundMicros);
      await accounts.flush();
      if (slice.fills.length > 0) await putRecord(ctx, mkey(ctx, MarketKeys.clearingPage, communityId, intervalStart, 'fills', pageKey(next)), slice.fills);
      if (slice.trades.length > 0) await putRecord(ctx, mkey(ctx, MarketKeys.clearingPage, communityId, intervalStart, 'trades', pageKey(next)), slice.trades);
      const done = next + 1 === slice.pageCount;
      const clearing = { pageCount: slice.pageCount, pagesDone: next + 1 };
      await storeInterval(ctx, done ? { ...interval, status: 'cleared', clearing, clearedAt: txInstant(ctx) } : { ...interval, status: 'clearing', clearing }, interval.status);
      const summary = summaryOf(record);
      if (done) setEvent(ctx, 'IntervalCleared', summary);
      return { ...summary, status: done ? 'cleared' : 'clearing', page: next, pageCount: slice.pageCount };
    });
  }

  /**
   * Settles a cleared interval after delivery against the participants' energy positions, once the
   * metering windows of the interval are closed (SETTLEMENT_METERING_INCOMPLETE until then), one
   * page per transaction (settlementPage in the core: at most 1,000 postings, 500 participants and
   * 1,000 token transfers each). The first page fixes the positions (an estimated position settles
   * money only, flagged, and is corrected once by correctSettlement); every page recomputes the
   * same settlement from the recorded clearing and those positions and applies its own slice; the
   * last one marks the interval settled. `page` names the page the caller means ('' or undefined:
   * the next one): a page done before, or one out of turn, is refused with INTERVAL_STATE_CONFLICT,
   * and so is anything after the last.
   */
  @Transaction()
  @Returns('string')
  async settleInterval(ctx: Context, communityId: string, intervalStart: string, page: string): Promise<string> {
    return respond(ctx, 'settleInterval', async () => {
      requireOperator(ctx, 'settling an interval');
      checkId(communityId, 'communityId');
      const startSeconds = instantOf(intervalStart, 'intervalStart');
      const interval = await loadInterval(ctx, communityId, intervalStart);
      if (interval?.status !== 'cleared' && interval?.status !== 'settling') {
        throw conflict(`interval ${intervalStart} is ${interval?.status ?? 'not closed'}`, { status: interval?.status ?? 'open', step: 'settle' });
      }
      const now = txSeconds(ctx);
      const { params } = interval;
      if (now < startSeconds + params.intervalSeconds) throw conflict(`interval ${intervalStart} has not been delivered yet`, { status: 'cleared', step: 'settle' });
      const next = interval.settlement?.pagesDone ?? 0;
      if (page !== undefined && page !== '' && page !== String(next)) {
        throw conflict(`settlement page ${page} of ${intervalStart} is not the next one (${next})`, { status: interval.status, step: 'settle', page: String(next) });
      }
      const positionsKey = mkey(ctx, MarketKeys.settlePositions, communityId, intervalStart);
      const meteringIntervals = await meteringIntervalsOf(ctx, startSeconds, params.intervalSeconds);
      const settleParams = { ...params, utilityId: UTILITY_ACCOUNT };
      let progress = interval.settlement;
      let slice: SettlementPage;
      // The whole settlement, computed by the first page and the participant pages only (they read the whole clearing).
      let whole: { result: ReturnType<typeof settleInterval>; metered: MeteredPosition[] } | undefined;
      if (progress === undefined) {
        // The first page fixes the positions and the plan: each later trade page reads only its own trades and their delivered Wh.
        const clearing = await loadClearing(ctx, communityId, intervalStart);
        const metered = await meteredPositions(ctx, communityId, clearing, startSeconds, meteringIntervals);
        // The whole settlement first: a refusal (AMOUNT_OUT_OF_RANGE...) comes before anything is written.
        const result = settleInterval(clearing, settleParams, metered);
        await putRecord(ctx, positionsKey, metered);
        const plan = settlementPlan(result, clearing.trades);
        for (let k = 1; k < plan.tradePages; k++) await putRecord(ctx, mkey(ctx, MarketKeys.settlePlan, communityId, intervalStart, pageKey(k)), plan.delivered[k]);
        progress = { pageCount: plan.pageCount, pagesDone: 0, tradePages: plan.tradePages, sizes: SETTLEMENT_PAGE_SIZES };
        slice = settlementPage(result, clearing, plan, 0, settleParams);
        whole = { result, metered };
      } else if (next < progress.tradePages) {
        const size = progress.sizes.trades;
        const clearingRecord = (await getRecord<ClearingRecord>(ctx, mkey(ctx, MarketKeys.clearing, communityId, intervalStart)))!;
        const trades = await loadTrades(ctx, clearingRecord, next * size, (next + 1) * size);
        const delivered = (await getRecord<number[]>(ctx, mkey(ctx, MarketKeys.settlePlan, communityId, intervalStart, pageKey(next))))!;
        slice = { page: next, pageCount: progress.pageCount, participants: [], ...tradeSettlementPage(trades, delivered, clearingRecord.priceMicrosPerKwh, settleParams) };
      } else {
        const clearing = await loadClearing(ctx, communityId, intervalStart);
        const metered = (await getRecord<MeteredPosition[]>(ctx, positionsKey))!;
        const result = settleInterval(clearing, settleParams, metered);
        slice = settlementPage(result, clearing, { ...progress, delivered: [] }, next, settleParams, progress.sizes);
        whole = { result, metered };
      }
      const accounts = new AccountOverlay(ctx);
      await applyPostings(ctx, accounts, communityId, intervalStart, slice.postings, `page-${pageKey(next)}`);
      await accounts.flush();
      for (const p of slice.participants) {
        await putRecord(ctx, mkey(ctx, MarketKeys.settled, communityId, intervalStart, p.participantId), { ...p, communityId, intervalStart });
      }
      const tokenTransfers = await transferEnergyTokens(ctx, communityId, intervalStart, meteringIntervals, slice.tokenTransfers);
      const txId = ctx.stub.getTxID();
      await putRecord(ctx, mkey(ctx, MarketKeys.settlePage, communityId, intervalStart, pageKey(next)), { page: next, txId, postingCount: slice.postings.length, tokenTransfers });
      const done = next + 1 === slice.pageCount;
      const settledAt = txInstant(ctx);
      const settlement = { ...progress, pagesDone: next + 1 };
      const estimatedParticipantIds = whole?.metered.filter((m) => m.estimated).map((m) => m.participantId);
      const record = { communityId, intervalStart, settledAt, txId, pageCount: slice.pageCount, postingCount: whole?.result.postings.length, estimatedParticipantIds };
      if (done) {
        // The last page is the first one or a participant page: both computed the whole settlement.
        await putRecord(ctx, mkey(ctx, MarketKeys.settlement, communityId, intervalStart), record);
        await storeInterval(ctx, { ...interval, status: 'settled', settlement, settledAt }, interval.status);
        setEvent(ctx, 'IntervalSettled', { communityId, intervalStart, settledAt, postingCount: record.postingCount, estimatedParticipantIds, pageCount: slice.pageCount });
      } else {
        await storeInterval(ctx, { ...interval, status: 'settling', settlement }, interval.status);
      }
      return { ...record, status: done ? 'settled' : 'settling', page: next, participants: slice.participants, tokenTransfers };
    });
  }

  /** Settles the verified position of a participant that was settled on an estimate: one correction posting, once. */
  @Transaction()
  @Returns('string')
  async correctSettlement(ctx: Context, communityId: string, intervalStart: string, participantId: string): Promise<string> {
    return respond(ctx, 'correctSettlement', async () => {
      requireOperator(ctx, 'correcting a settlement');
      checkId(communityId, 'communityId');
      checkId(participantId, 'participantId');
      const startSeconds = instantOf(intervalStart, 'intervalStart');
      const settledKey = mkey(ctx, MarketKeys.settled, communityId, intervalStart, participantId);
      const settled = await getRecord<SettledRecord>(ctx, settledKey);
      if (settled === undefined) throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `${participantId} was not settled in ${intervalStart}`, { participantId });
      if (!settled.estimated) throw conflict(`${participantId} was settled on verified readings`, { status: 'settled', step: 'correct' });
      const interval = (await loadInterval(ctx, communityId, intervalStart))!;
      const meteringIntervals = await meteringIntervalsOf(ctx, startSeconds, interval.params.intervalSeconds);
      const delivery = await deliveryOf(ctx, communityId, participantId, startSeconds, meteringIntervals);
      if (delivery.kind !== 'settled' || delivery.estimated) throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'the position is still estimated', { participantIds: participantId });
      const { participant, posting } = settleCorrection(settled, delivery.netWh, { ...interval.params, utilityId: UTILITY_ACCOUNT });
      const accounts = new AccountOverlay(ctx);
      if (posting !== null) await applyPostings(ctx, accounts, communityId, intervalStart, [posting], posting.postingId);
      await accounts.flush();
      const tokenTransfers = settled.side === 'sell' ? await correctionTokens(ctx, interval, meteringIntervals, participantId, delivery.netWh, settled.tradedWh) : [];
      const correctedAt = txInstant(ctx);
      await putRecord(ctx, settledKey, { ...participant, communityId, intervalStart, correctedAt, tokenTransfers });
      setEvent(ctx, 'SettlementCorrected', { communityId, intervalStart, participantId, posting });
      return { participant, posting, tokenTransfers };
    });
  }

  /** An interval's state: its record once closed, else where it stands for orders now. */
  @Transaction(false)
  @Returns('string')
  async getInterval(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getInterval', async () => {
      requireRole(ctx, 'any', 'reading an interval');
      checkId(communityId, 'communityId');
      const startSeconds = instantOf(intervalStart, 'intervalStart');
      const record = await loadInterval(ctx, communityId, formatInstant(startSeconds));
      if (record !== undefined) return record;
      const params = await paramsFor(ctx, communityId, startSeconds);
      parseIntervalStart(intervalStart, params.intervalSeconds);
      return { communityId, intervalStart, status: intervalPhase(params, startSeconds, txSeconds(ctx)), params };
    });
  }

  /**
   * The clearing record of an interval with its fills and trades (from its pages): everything
   * needed to recompute it, for the operator, the utility and the regulator. A household sees the
   * record with its own fills and trades only: the others' are their orders (docs/security.md).
   */
  @Transaction(false)
  @Returns('string')
  async getClearing(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getClearing', async () => {
      const caller = requireRole(ctx, 'any', 'reading a clearing');
      checkId(communityId, 'communityId');
      const clearing = await loadClearing(ctx, communityId, formatInstant(instantOf(intervalStart, 'intervalStart')));
      if (!isSelfActing(caller.role)) return clearing;
      const own = caller.participantId;
      return { ...clearing, fills: clearing.fills.filter((f) => f.participantId === own), trades: clearing.trades.filter((t) => t.buyerId === own || t.sellerId === own) };
    });
  }

  /** The orders a clearing took (open at close), for anyone who recomputes it: operator, utility or regulator. */
  @Transaction(false)
  @Returns('string')
  async getClearingOrders(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getClearingOrders', async () => {
      requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading the orders of an interval');
      checkId(communityId, 'communityId');
      const start = formatInstant(instantOf(intervalStart, 'intervalStart'));
      const interval = await loadInterval(ctx, communityId, start);
      if (interval === undefined) throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${start} is not closed`, { intervalStart: start });
      const orders = await openBook(ctx, communityId, start);
      return { params: interval.params, orders: orders.map(({ orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt }) => ({ orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt })) };
    });
  }

  /** The settlement of an interval: its record, each participant's settlement and every posting. */
  @Transaction(false)
  @Returns('string')
  async getSettlement(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getSettlement', async () => {
      requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading a settlement');
      checkId(communityId, 'communityId');
      const start = formatInstant(instantOf(intervalStart, 'intervalStart'));
      const record = await getRecord(ctx, mkey(ctx, MarketKeys.settlement, communityId, start));
      if (record === undefined) throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${start} has not been settled`, { intervalStart: start });
      const participants = (await readAll<SettledRecord>(ctx, MarketKeys.settled, [communityId, start])).map((e) => e.value);
      const postings = (await readAll<Posting>(ctx, MarketKeys.posting, [communityId, start])).map((e) => e.value);
      const pages = (await readAll<{ tokenTransfers: SettledTokenTransfer[] }>(ctx, MarketKeys.settlePage, [communityId, start])).map((e) => e.value);
      return { ...record, participants, postings, tokenTransfers: pages.flatMap((p) => p.tokenTransfers) };
    });
  }

  /** A page of an interval history: the clearing summaries of a community, oldest first. */
  @Transaction(false)
  @Returns('string')
  async listResults(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listResults', async () => {
      requireRole(ctx, 'any', 'reading market results');
      checkId(communityId, 'communityId');
      const page = await readPage<ClearingRecord>(ctx, MarketKeys.clearing, [communityId], pageSizeOf(pageSize), bookmark ?? '');
      return { items: page.items.map(summaryOf), bookmark: page.bookmark };
    });
  }

  /** Intervals waiting for their next step (status closed, clearing, cleared or settling), for the scheduler. */
  @Transaction(false)
  @Returns('string')
  async listDue(ctx: Context, communityId: string, status: string): Promise<string> {
    return respond(ctx, 'listDue', async () => {
      requireRole(ctx, ['operator'], 'listing due intervals');
      checkId(communityId, 'communityId');
      if (!['closed', 'clearing', 'cleared', 'settling'].includes(status)) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'status must be closed, clearing, cleared or settling', { field: 'status' });
      return (await readAll<{ intervalStart: string }>(ctx, MarketKeys.intervalDue, [communityId, status])).map((e) => e.value.intervalStart);
    });
  }
}

function summaryOf(r: ClearingRecord) {
  return {
    communityId: r.communityId,
    intervalStart: r.intervalStart,
    inputDigest: r.inputDigest,
    orderCount: r.orderCount,
    volumeWh: r.volumeWh,
    priceMicrosPerKwh: r.priceMicrosPerKwh,
    lowerMicrosPerKwh: r.lowerMicrosPerKwh,
    upperMicrosPerKwh: r.upperMicrosPerKwh,
    tradeCount: r.tradeCount,
    clearedAt: r.clearedAt,
    txId: r.txId,
  };
}
