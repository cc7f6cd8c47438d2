import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  aggregateCurves,
  canonicalJson,
  clearAuction,
  ClearingResult,
  compareIds,
  effectiveFrom,
  ErrorCodes,
  escrowAfterClearing,
  escrowMicros,
  formatInstant,
  GridLedgerError,
  intervalPhase,
  MarketParams,
  mergeMarketParams,
  MeteredPosition,
  Order,
  orderIdOf,
  ParticipantSettlement,
  parseInstant,
  parseIntervalStart,
  Posting,
  settleCorrection,
  settleInterval,
  shareProRata,
  Side,
  TokenTransfer,
  validateOrder,
} from '@gridledger/core';
import { actorOf, Caller, getRecord, parseObjectArgument, putRecord, requireRole, respond, setEvent, txInstant, txSeconds } from '../ledger';
import { checkId } from '../ledger';
import { checkFields, pageSizeOf, requireSelfOrRoles } from './credits';
import { heldTokensWh, transferEnergyTokens as moveTokens } from '../energy/tokens';
import { deliveryOf, meteredMeters, meteringIntervalsOf } from './delivery';
import { AccountOverlay, MarketKeys, mkey, readAll, readPage, UTILITY_ACCOUNT } from './store';

export interface OrderRecord extends Order {
  clientOrderId: string;
  communityId: string;
  intervalStart: string;
  status: 'open' | 'cancelled';
  /** What a buy order holds in escrow (0 for a sell order). */
  escrowMicros: number;
  txId: string;
}

export type IntervalStatus = 'closed' | 'cleared' | 'settled';

export interface IntervalRecord {
  communityId: string;
  intervalStart: string;
  status: IntervalStatus;
  /** The parameters in force for the interval, fixed when it closed. */
  params: MarketParams;
  closedAt: string;
  closedBy: string;
  clearedAt?: string;
  settledAt?: string;
}

export interface ClearingRecord extends ClearingResult {
  communityId: string;
  intervalStart: string;
  params: MarketParams;
  orderCount: number;
  clearedAt: string;
  txId: string;
}

interface BookEntry {
  side: Side;
  openOrders: number;
  sellWh: number;
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

/** The parameters records of a community, by the instant they take effect from. */
async function paramsHistory(ctx: Context, communityId: string): Promise<{ from: string; params: MarketParams }[]> {
  const entries = await readAll<MarketParams>(ctx, MarketKeys.params, [communityId]);
  return entries.map((e) => ({ from: ctx.stub.splitCompositeKey(e.key).attributes[1], params: e.value }));
}

/** The parameters in force for an interval starting at `startSeconds`, or MARKET_NOT_FOUND. */
export async function paramsFor(ctx: Context, communityId: string, startSeconds: number): Promise<MarketParams> {
  const history = await paramsHistory(ctx, communityId);
  const applicable = history.filter((h) => parseInstant(h.from)! <= startSeconds);
  if (applicable.length === 0) throw new GridLedgerError(ErrorCodes.MARKET_NOT_FOUND, `community ${communityId} has no market parameters`, { communityId });
  return applicable[applicable.length - 1].params;
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
async function transferEnergyTokens(ctx: Context, communityId: string, intervalStart: string, transfers: readonly TokenTransfer[]): Promise<SettledTokenTransfer[]> {
  const interval = (await loadInterval(ctx, communityId, intervalStart))!;
  const meteringIntervals = await meteringIntervalsOf(ctx, parseInstant(intervalStart)!, interval.params.intervalSeconds);
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
async function correctionTokens(ctx: Context, interval: IntervalRecord, sellerId: string, netWh: number, tradedWh: number): Promise<SettledTokenTransfer[]> {
  const { communityId, intervalStart } = interval;
  const clearing = (await getRecord<ClearingRecord>(ctx, mkey(ctx, MarketKeys.clearing, communityId, intervalStart)))!;
  const settlement = (await getRecord<{ tokenTransfers: SettledTokenTransfer[] }>(ctx, mkey(ctx, MarketKeys.settlement, communityId, intervalStart)))!;
  const moved = new Map(settlement.tokenTransfers.map((t) => [`${t.buyOrderId}:${t.sellOrderId}`, t.movedWh]));
  const trades = clearing.trades.filter((t) => t.sellerId === sellerId);
  const shares = shareProRata(Math.min(Math.max(netWh, 0), tradedWh), trades.map((t) => t.energyWh));
  const meteringIntervals = await meteringIntervalsOf(ctx, parseInstant(intervalStart)!, interval.params.intervalSeconds);
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

/** Applies settlement postings to the accounts (trade and grid fee out of the buyer's escrow) and the utility's entries. */
export async function applyPostings(ctx: Context, accounts: AccountOverlay, communityId: string, intervalStart: string, postings: readonly Posting[]): Promise<void> {
  for (const p of postings) {
    const fromEscrow = p.reason === 'trade' || p.reason === 'grid-fee';
    const ref = `${communityId}/${intervalStart}/${p.postingId}`;
    if (p.from === UTILITY_ACCOUNT) await putRecord(ctx, mkey(ctx, MarketKeys.utility, communityId, intervalStart, p.postingId), { amountMicros: -p.amountMicros, ref });
    else if (fromEscrow) await accounts.change(p.from, p.reason, ref, 0, -p.amountMicros);
    else await accounts.change(p.from, p.reason, ref, -p.amountMicros);
    if (p.to === UTILITY_ACCOUNT) await putRecord(ctx, mkey(ctx, MarketKeys.utility, communityId, intervalStart, p.postingId), { amountMicros: p.amountMicros, ref });
    else await accounts.change(p.to, p.reason, ref, p.amountMicros);
    await putRecord(ctx, mkey(ctx, MarketKeys.posting, communityId, intervalStart, p.postingId), p);
  }
}

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
      const history = await paramsHistory(ctx, communityId);
      const previous = history.length > 0 ? history[history.length - 1].params : undefined;
      const params = mergeMarketParams(previous, communityId, input);
      const from = formatInstant(effectiveFrom(txSeconds(ctx), previous, params));
      const txId = ctx.stub.getTxID();
      await putRecord(ctx, mkey(ctx, MarketKeys.params, communityId, from), params);
      const record = { txId, communityId, effectiveFrom: from, changedAt: txInstant(ctx), changedBy: actorOf(ctx, caller), mspId: caller.mspId, previous: previous ?? null, params };
      await putRecord(ctx, mkey(ctx, MarketKeys.paramsChange, communityId, txId), record);
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
      changes.sort((a, b) => compareIds(String(a.changedAt) + a.txId, String(b.changedAt) + b.txId));
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
      const caller = requireTrader(ctx, 'placing an order');
      const participantId = caller.participantId;
      const input = parseObjectArgument(request, 'the order');
      checkFields(input, ['clientOrderId', 'communityId', 'intervalStart', 'side', 'energyWh', 'priceMicrosPerKwh']);
      const clientOrderId = checkId(input.clientOrderId, 'clientOrderId');
      const communityId = checkId(input.communityId, 'communityId');
      const requestText = canonicalJson({ ...input, clientOrderId, communityId });
      const clientKey = mkey(ctx, MarketKeys.clientOrder, participantId, clientOrderId);
      const placed = await getRecord<{ request: string; communityId: string; intervalStart: string; orderId: string }>(ctx, clientKey);
      if (placed !== undefined) {
        if (placed.request !== requestText) throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `clientOrderId ${clientOrderId} was used for another order`, { clientOrderId });
        return { order: await getRecord<OrderRecord>(ctx, mkey(ctx, MarketKeys.order, placed.communityId, placed.intervalStart, placed.orderId)), replayed: true };
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
      const book = (await getRecord<BookEntry>(ctx, bookKey)) ?? { side: order.side, openOrders: 0, sellWh: 0 };
      if (book.openOrders > 0 && book.side !== order.side) {
        throw new GridLedgerError(ErrorCodes.ORDER_SIDE_CONFLICT, `${participantId} already holds ${book.side} orders in ${intervalStart}`, { intervalStart });
      }
      const { meters, capacityWh } = await sellCapacityWh(ctx, participantId, communityId, params.intervalSeconds);
      if (meters === 0) throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${participantId} has no active meter in community ${communityId}`, { communityId });
      if (order.side === 'sell' && book.sellWh + order.energyWh > capacityWh) {
        throw new GridLedgerError(ErrorCodes.SELLER_CAPACITY_EXCEEDED, `sell orders of ${book.sellWh + order.energyWh} Wh exceed the capacity of ${capacityWh} Wh in one interval`, {
          capacityWh,
          offeredWh: book.sellWh,
        });
      }

      const accounts = new AccountOverlay(ctx);
      const escrow = order.side === 'buy' ? escrowMicros(order, params.gridFeeMicrosPerKwh) : 0;
      if (escrow > 0) {
        await accounts.requireAvailable(participantId, escrow);
        await accounts.change(participantId, 'escrow', orderId, -escrow, escrow);
      }
      const txId = ctx.stub.getTxID();
      const record: OrderRecord = { ...order, clientOrderId, communityId, intervalStart, status: 'open', escrowMicros: escrow, txId };
      await putRecord(ctx, mkey(ctx, MarketKeys.order, communityId, intervalStart, orderId), record);
      await putRecord(ctx, mkey(ctx, MarketKeys.orderRef, orderId), { communityId, intervalStart, participantId });
      await putRecord(ctx, mkey(ctx, MarketKeys.orderBy, participantId, intervalStart, orderId), { communityId, intervalStart, orderId });
      await putRecord(ctx, clientKey, { request: requestText, communityId, intervalStart, orderId });
      await putRecord(ctx, bookKey, { side: order.side, openOrders: book.openOrders + 1, sellWh: book.sellWh + (order.side === 'sell' ? order.energyWh : 0) });
      await accounts.flush();
      setEvent(ctx, 'OrderAccepted', { orderId, communityId, intervalStart, side: order.side, energyWh: order.energyWh, priceMicrosPerKwh: order.priceMicrosPerKwh });
      return { order: record, replayed: false };
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
      const orderKey = mkey(ctx, MarketKeys.order, ref.communityId, ref.intervalStart, orderId);
      const order = (await getRecord<OrderRecord>(ctx, orderKey))!;
      if (order.status === 'cancelled') return { order, replayed: true };
      const params = await paramsFor(ctx, ref.communityId, parseInstant(ref.intervalStart)!);
      await requireOpen(ctx, params, ref.communityId, ref.intervalStart, parseInstant(ref.intervalStart)!);
      const accounts = new AccountOverlay(ctx);
      if (order.escrowMicros > 0) await accounts.change(order.participantId, 'escrow-release', orderId, order.escrowMicros, -order.escrowMicros);
      const cancelled: OrderRecord = { ...order, status: 'cancelled' };
      await putRecord(ctx, orderKey, cancelled);
      const bookKey = mkey(ctx, MarketKeys.book, ref.communityId, ref.intervalStart, order.participantId);
      const book = (await getRecord<BookEntry>(ctx, bookKey))!;
      if (book.openOrders <= 1) await ctx.stub.deleteState(bookKey);
      else await putRecord(ctx, bookKey, { ...book, openOrders: book.openOrders - 1, sellWh: book.sellWh - (order.side === 'sell' ? order.energyWh : 0) });
      await accounts.flush();
      setEvent(ctx, 'OrderCancelled', { orderId, communityId: ref.communityId, intervalStart: ref.intervalStart });
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
      return getRecord<OrderRecord>(ctx, mkey(ctx, MarketKeys.order, ref.communityId, ref.intervalStart, orderId));
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
      for (const ref of page.items) items.push((await getRecord<OrderRecord>(ctx, mkey(ctx, MarketKeys.order, ref.communityId, ref.intervalStart, ref.orderId)))!);
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
      const orders = (await readAll<OrderRecord>(ctx, MarketKeys.order, [communityId, start])).map((e) => e.value).filter((o) => o.status === 'open');
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
   * Clears a closed interval with the core's clearAuction over its open orders and stores the
   * recomputable record (input digest, bounds, price, volume, fills, trades); refunds the escrow
   * above what each buy order's trades cost. Only once.
   */
  @Transaction()
  @Returns('string')
  async clearInterval(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'clearInterval', async () => {
      requireOperator(ctx, 'clearing an interval');
      checkId(communityId, 'communityId');
      instantOf(intervalStart, 'intervalStart');
      const interval = await loadInterval(ctx, communityId, intervalStart);
      if (interval?.status !== 'closed') throw conflict(`interval ${intervalStart} is ${interval?.status ?? 'not closed'}`, { status: interval?.status ?? 'open', step: 'clear' });
      // The interval is closed: this range can no longer change.
      const open = (await readAll<OrderRecord>(ctx, MarketKeys.order, [communityId, intervalStart])).map((e) => e.value).filter((o) => o.status === 'open');
      const orders: Order[] = open.map(({ orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt }) => ({ orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt }));
      const result = clearAuction(orders, interval.params);
      const accounts = new AccountOverlay(ctx);
      const escrows = new Map(open.filter((o) => o.side === 'buy').map((o) => [o.orderId, o.escrowMicros]));
      const owner = new Map(open.map((o) => [o.orderId, o.participantId]));
      const after = escrowAfterClearing(escrows, result.trades);
      for (const orderId of [...after.keys()].sort(compareIds)) {
        const { refundMicros } = after.get(orderId)!;
        if (refundMicros > 0) await accounts.change(owner.get(orderId)!, 'escrow-refund', orderId, refundMicros, -refundMicros);
      }
      await accounts.flush();
      const txId = ctx.stub.getTxID();
      const clearedAt = txInstant(ctx);
      const record: ClearingRecord = { ...result, communityId, intervalStart, params: interval.params, orderCount: orders.length, clearedAt, txId };
      await putRecord(ctx, mkey(ctx, MarketKeys.clearing, communityId, intervalStart), record);
      await storeInterval(ctx, { ...interval, status: 'cleared', clearedAt }, 'closed');
      const summary = summaryOf(record);
      setEvent(ctx, 'IntervalCleared', summary);
      return summary;
    });
  }

  /**
   * Settles a cleared interval after delivery against the participants' energy positions, once the
   * metering windows of the interval are closed (SETTLEMENT_METERING_INCOMPLETE until then). An
   * estimated position settles money only (flagged) and is corrected once by correctSettlement.
   */
  @Transaction()
  @Returns('string')
  async settleInterval(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'settleInterval', async () => {
      requireOperator(ctx, 'settling an interval');
      checkId(communityId, 'communityId');
      const startSeconds = instantOf(intervalStart, 'intervalStart');
      const interval = await loadInterval(ctx, communityId, intervalStart);
      if (interval?.status !== 'cleared') throw conflict(`interval ${intervalStart} is ${interval?.status ?? 'not closed'}`, { status: interval?.status ?? 'open', step: 'settle' });
      const now = txSeconds(ctx);
      const { params } = interval;
      if (now < startSeconds + params.intervalSeconds) throw conflict(`interval ${intervalStart} has not been delivered yet`, { status: 'cleared', step: 'settle' });
      const clearing = (await getRecord<ClearingRecord>(ctx, mkey(ctx, MarketKeys.clearing, communityId, intervalStart)))!;

      const traded = new Map<string, { side: Side; wh: number }>();
      for (const f of clearing.fills) traded.set(f.participantId, { side: f.side, wh: (traded.get(f.participantId)?.wh ?? 0) + f.filledWh });
      const metered: MeteredPosition[] = [];
      const pending: string[] = [];
      for (const participantId of [...traded.keys()].sort(compareIds)) {
        const delivery = await deliveryOf(ctx, participantId, startSeconds, params.intervalSeconds);
        if (delivery.kind === 'settled') metered.push({ participantId, netWh: delivery.netWh, estimated: delivery.estimated });
        else pending.push(participantId);
      }
      if (pending.length > 0) {
        throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'a metering window of the interval is not closed, or a contract of these participants not settled', { participantIds: pending.join(',') });
      }
      const result = settleInterval(clearing, { ...params, utilityId: UTILITY_ACCOUNT }, metered);
      const accounts = new AccountOverlay(ctx);
      await applyPostings(ctx, accounts, communityId, intervalStart, result.postings);
      await accounts.flush();
      for (const p of result.participants) {
        await putRecord(ctx, mkey(ctx, MarketKeys.settled, communityId, intervalStart, p.participantId), { ...p, communityId, intervalStart });
      }
      const tokenTransfers = await transferEnergyTokens(ctx, communityId, intervalStart, result.tokenTransfers);
      const settledAt = txInstant(ctx);
      const record = {
        communityId,
        intervalStart,
        settledAt,
        txId: ctx.stub.getTxID(),
        postingCount: result.postings.length,
        estimatedParticipantIds: result.participants.filter((p) => p.estimated).map((p) => p.participantId),
        tokenTransfers,
      };
      await putRecord(ctx, mkey(ctx, MarketKeys.settlement, communityId, intervalStart), record);
      await storeInterval(ctx, { ...interval, status: 'settled', settledAt }, 'cleared');
      setEvent(ctx, 'IntervalSettled', { communityId, intervalStart, settledAt, postingCount: record.postingCount, estimatedParticipantIds: record.estimatedParticipantIds });
      return { ...record, participants: result.participants };
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
      const delivery = await deliveryOf(ctx, participantId, startSeconds, interval.params.intervalSeconds);
      if (delivery.kind !== 'settled' || delivery.estimated) throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'the position is still estimated', { participantIds: participantId });
      const { participant, posting } = settleCorrection(settled, delivery.netWh, { ...interval.params, utilityId: UTILITY_ACCOUNT });
      const accounts = new AccountOverlay(ctx);
      if (posting !== null) await applyPostings(ctx, accounts, communityId, intervalStart, [posting]);
      await accounts.flush();
      const tokenTransfers = settled.side === 'sell' ? await correctionTokens(ctx, interval, participantId, delivery.netWh, settled.tradedWh) : [];
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

  /** The clearing record of an interval: everything needed to recompute it. */
  @Transaction(false)
  @Returns('string')
  async getClearing(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getClearing', async () => {
      requireRole(ctx, 'any', 'reading a clearing');
      checkId(communityId, 'communityId');
      const record = await getRecord<ClearingRecord>(ctx, mkey(ctx, MarketKeys.clearing, communityId, formatInstant(instantOf(intervalStart, 'intervalStart'))));
      if (record === undefined) throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${intervalStart} has not been cleared`, { intervalStart });
      return record;
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
      const orders = (await readAll<OrderRecord>(ctx, MarketKeys.order, [communityId, start])).map((e) => e.value).filter((o) => o.status === 'open');
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
      return { ...record, participants, postings };
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

  /** Intervals waiting for their next step (status closed or cleared), for the scheduler. */
  @Transaction(false)
  @Returns('string')
  async listDue(ctx: Context, communityId: string, status: string): Promise<string> {
    return respond(ctx, 'listDue', async () => {
      requireRole(ctx, ['operator'], 'listing due intervals');
      checkId(communityId, 'communityId');
      if (status !== 'closed' && status !== 'cleared') throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'status must be closed or cleared', { field: 'status' });
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
    tradeCount: r.trades.length,
    clearedAt: r.clearedAt,
    txId: r.txId,
  };
}
