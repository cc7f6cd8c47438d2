/**
 * Orders: placed (one or a batch per transaction) with escrow for a buy and within the seller's
 * capacity for a sell, cancelled before the gate, read by their participant, and the anonymised
 * curves of an interval's book. Each order is idempotent on its participant's clientOrderId.
 */
import { Context } from 'fabric-contract-api';
import {
  aggregateCurves,
  canonicalJson,
  checkAgentSpotOrder,
  ErrorCodes,
  escrowMicros,
  formatInstant,
  GridLedgerError,
  Mandate,
  Order,
  orderIdOf,
  parseInstant,
  parseIntervalStart,
  Side,
  validateOrder,
} from '@gridledger/core';
import { isAgent, requireRole, requireSelfOrRoles, requireTrader } from '../access';
import { checkFields, checkId, instantOf, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant } from '../ledger';
import { MARKET_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { isGridLedgerError } from '../respond';
import { AccountOverlay } from './accounts';
import { BookEntry, bookKey, openBook, OrderRecord, OrderRef, orderKey } from './book';
import { sellCapacityWh } from './delivery';
import { requireOpen } from './interval';
import { paramsFor } from './params';
import { loadMandate, loadTraded } from '../p2p/store';

/** Orders placed in one transaction at most (placeOrders): about 2 kB written each. */
export const ORDERS_PER_BATCH = 100;

const ORDER_FIELDS = ['clientOrderId', 'communityId', 'intervalStart', 'side', 'energyWh', 'priceMicrosPerKwh'];

interface Placed {
  order: OrderRecord;
  replayed: boolean;
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
  /** Whether an agent identity places the orders (they must obey the owner's mandate), and that mandate once read. */
  readonly byAgent: boolean;
  private mandate?: Promise<Mandate | undefined>;

  constructor(private readonly ctx: Context) {
    this.accounts = new AccountOverlay(ctx);
    this.byAgent = isAgent(ctx);
  }

  mandateOf(participantId: string): Promise<Mandate | undefined> {
    this.mandate ??= loadMandate(this.ctx, participantId);
    return this.mandate;
  }

  async flush(): Promise<void> {
    for (const [k, value] of this.writes) await putRecord(this.ctx, k, value);
    await this.accounts.flush();
  }
}

/**
 * Places one order of `participantId` (validated with every placement code), or returns the order
 * a retry of its clientOrderId placed before (replayed). The caller flushes the batch.
 */
async function placeOne(ctx: Context, participantId: string, input: Record<string, unknown>, batch: PlacementBatch): Promise<Placed> {
  const { accounts, books, writes } = batch;
  checkFields(input, ORDER_FIELDS);
  const clientOrderId = checkId(input.clientOrderId, 'clientOrderId');
  const communityId = checkId(input.communityId, 'communityId');
  const requestText = canonicalJson({ ...input, clientOrderId, communityId });
  const clientKey = key(ctx, KeyTypes.clientOrder, participantId, clientOrderId);
  const placed = await getRecord<{ request: string; communityId: string; intervalStart: string; orderId: string }>(ctx, clientKey);
  if (placed !== undefined) {
    if (placed.request !== requestText)
      throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `clientOrderId ${clientOrderId} was used for another order`, {
        clientOrderId,
      });
    return {
      order: (await getRecord<OrderRecord>(ctx, orderKey(ctx, placed.communityId, placed.intervalStart, placed.orderId)))!,
      replayed: true,
    };
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

  const entryKey = bookKey(ctx, communityId, intervalStart, participantId);
  const stored = books.has(entryKey) ? books.get(entryKey) : await getRecord<BookEntry>(ctx, entryKey);
  if (stored !== undefined && stored.openOrders > 0 && stored.side !== order.side) {
    throw new GridLedgerError(ErrorCodes.ORDER_SIDE_CONFLICT, `${participantId} already holds ${stored.side} orders in ${intervalStart}`, {
      intervalStart,
    });
  }
  // The capacity and zone are taken from the meters at the participant's first open order in the
  // interval and kept in its book entry: later orders of the interval read one key, not every meter.
  const { meters, capacityWh, zone } =
    stored?.capacityWh !== undefined
      ? { meters: 1, capacityWh: stored.capacityWh, zone: undefined }
      : await sellCapacityWh(ctx, participantId, communityId, params.intervalSeconds);
  const book: BookEntry = stored ?? { side: order.side, openOrders: 0, sellWh: 0, capacityWh, ...(zone !== undefined ? { zone } : {}) };
  if (meters === 0)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${participantId} has no active meter in community ${communityId}`, {
      communityId,
    });
  // What the participant traded peer to peer in the interval (p2p/store.ts): a seller's P2P sales take from the same capacity.
  const traded = order.side === 'sell' || batch.byAgent ? await loadTraded(ctx, communityId, intervalStart, participantId) : undefined;
  const p2pSoldWh = order.side === 'sell' ? (traded?.soldWh ?? 0) : 0;
  if (order.side === 'sell' && book.sellWh + order.energyWh + p2pSoldWh > capacityWh) {
    throw new GridLedgerError(
      ErrorCodes.SELLER_CAPACITY_EXCEEDED,
      `sell orders of ${book.sellWh + order.energyWh} Wh and ${p2pSoldWh} Wh sold P2P exceed the capacity of ${capacityWh} Wh`,
      {
        capacityWh,
        offeredWh: book.sellWh,
        p2pSoldWh,
      },
    );
  }

  if (batch.byAgent && traded !== undefined) {
    // An agent's orders count with its open orders of the side and its P2P trades of the interval (docs/security.md, *Agent identities*).
    const tradedWh = order.side === 'sell' ? book.sellWh + traded.soldWh : (book.buyWh ?? 0) + traded.boughtWh;
    const refusal = checkAgentSpotOrder(await batch.mandateOf(participantId), { ...order, tradedWh });
    if (refusal !== null) throw refusal;
  }

  const escrow = order.side === 'buy' ? escrowMicros(order, params.gridFeeMicrosPerKwh) : 0;
  if (escrow > 0) {
    await accounts.requireAvailable(participantId, escrow);
    await accounts.change(participantId, 'escrow', orderId, -escrow, escrow);
  }
  const txId = ctx.stub.getTxID();
  const record: OrderRecord = { ...order, clientOrderId, communityId, intervalStart, status: 'open', escrowMicros: escrow, txId };
  const ref: OrderRef = { communityId, intervalStart, participantId };
  writes.set(orderKey(ctx, communityId, intervalStart, orderId), record);
  writes.set(key(ctx, KeyTypes.orderRef, orderId), ref);
  writes.set(key(ctx, KeyTypes.orderBy, participantId, intervalStart, orderId), { communityId, intervalStart, orderId });
  writes.set(clientKey, { request: requestText, communityId, intervalStart, orderId });
  const entry: BookEntry = {
    side: order.side,
    openOrders: book.openOrders + 1,
    sellWh: book.sellWh + (order.side === 'sell' ? order.energyWh : 0),
    ...(order.side === 'buy' ? { buyWh: (book.buyWh ?? 0) + order.energyWh } : {}),
    capacityWh,
    ...(book.zone !== undefined ? { zone: book.zone } : {}),
  };
  books.set(entryKey, entry);
  writes.set(entryKey, entry);
  return { order: record, replayed: false };
}

/** What the events of accepted orders announce of each. */
const announced = (o: OrderRecord) => ({
  orderId: o.orderId,
  participantId: o.participantId,
  communityId: o.communityId,
  intervalStart: o.intervalStart,
  side: o.side,
  energyWh: o.energyWh,
  priceMicrosPerKwh: o.priceMicrosPerKwh,
});

/**
 * `{ clientOrderId, communityId, intervalStart, side, energyWh, priceMicrosPerKwh }` by a
 * prosumer or consumer for itself. A buy escrows energy × (price + grid fee); a sell must fit the
 * seller's capacity. A retry with the same clientOrderId and request returns the same order.
 */
export async function placeOrder(ctx: Context, request: string): Promise<Placed> {
  const { participantId } = requireTrader(ctx, 'placing an order');
  const batch = new PlacementBatch(ctx);
  const placed = await placeOne(ctx, participantId, parseObjectArgument(request, 'the order'), batch);
  if (placed.replayed) return placed;
  await batch.flush();
  setEvent(ctx, 'OrderAccepted', announced(placed.order));
  return placed;
}

/**
 * `{ orders: [...] }`: up to ORDERS_PER_BATCH orders of the caller in one transaction, each as
 * placeOrder takes it and validated by the same rules, in the order given (a later order sees
 * the escrow and capacity of the earlier ones). All or nothing: the first order refused refuses
 * the batch with its own code and `details.index`. Each order is idempotent on its
 * clientOrderId (a retried batch returns its orders as replayed); a clientOrderId twice in one
 * batch is REQUEST_INVALID. One event, OrdersAccepted, lists the new orders.
 */
export async function placeOrders(ctx: Context, request: string): Promise<{ orders: Placed[] }> {
  const { participantId } = requireTrader(ctx, 'placing orders');
  const input = parseObjectArgument(request, 'the batch');
  checkFields(input, ['orders']);
  const orders = input.orders;
  if (!Array.isArray(orders) || orders.length === 0 || orders.length > ORDERS_PER_BATCH) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `orders must be a list of 1 to ${ORDERS_PER_BATCH} orders`, { field: 'orders' });
  }
  const seen = new Set<unknown>();
  const batch = new PlacementBatch(ctx);
  const out: Placed[] = [];
  for (const [index, item] of orders.entries()) {
    const clientOrderId = (item as { clientOrderId?: unknown } | null)?.clientOrderId;
    if (seen.has(clientOrderId))
      throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `clientOrderId ${String(clientOrderId)} appears twice in the batch`, {
        field: 'clientOrderId',
        index,
      });
    seen.add(clientOrderId);
    try {
      out.push(await placeOne(ctx, participantId, parseObjectArgument(JSON.stringify(item), 'an order'), batch));
    } catch (e) {
      if (isGridLedgerError(e)) throw new GridLedgerError(e.code, `order ${index}: ${e.message}`, { ...e.details, index });
      throw e;
    }
  }
  await batch.flush();
  const accepted = out.filter((p) => !p.replayed).map((p) => announced(p.order));
  if (accepted.length > 0) setEvent(ctx, 'OrdersAccepted', { orders: accepted });
  return { orders: out };
}

async function loadOrderRef(ctx: Context, orderId: string): Promise<OrderRef> {
  const ref = await getRecord<OrderRef>(ctx, key(ctx, KeyTypes.orderRef, orderId));
  if (ref === undefined) throw new GridLedgerError(ErrorCodes.ORDER_NOT_FOUND, `no order ${orderId}`, { orderId });
  return ref;
}

/** Cancels one of the caller's own orders before gate closure; its escrow is released at once. */
export async function cancelOrder(ctx: Context, orderId: string): Promise<Placed> {
  const caller = requireTrader(ctx, 'cancelling an order');
  checkId(orderId, 'orderId');
  const ref = await loadOrderRef(ctx, orderId);
  if (ref.participantId !== caller.participantId)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'only the participant who placed an order cancels it', { orderId });
  const k = orderKey(ctx, ref.communityId, ref.intervalStart, orderId);
  const order = (await getRecord<OrderRecord>(ctx, k))!;
  if (order.status === 'cancelled') return { order, replayed: true };
  const startSeconds = parseInstant(ref.intervalStart)!;
  const params = await paramsFor(ctx, ref.communityId, startSeconds);
  await requireOpen(ctx, params, ref.communityId, ref.intervalStart, startSeconds);
  const accounts = new AccountOverlay(ctx);
  if (order.escrowMicros > 0)
    await accounts.change(order.participantId, 'escrow-release', orderId, order.escrowMicros, -order.escrowMicros);
  const cancelled: OrderRecord = { ...order, status: 'cancelled' };
  await putRecord(ctx, k, cancelled);
  const entryKey = bookKey(ctx, ref.communityId, ref.intervalStart, order.participantId);
  const book = (await getRecord<BookEntry>(ctx, entryKey))!;
  if (book.openOrders <= 1) await ctx.stub.deleteState(entryKey);
  else
    await putRecord(ctx, entryKey, {
      ...book,
      openOrders: book.openOrders - 1,
      sellWh: book.sellWh - (order.side === 'sell' ? order.energyWh : 0),
      ...(order.side === 'buy' ? { buyWh: (book.buyWh ?? order.energyWh) - order.energyWh } : {}),
    });
  await accounts.flush();
  setEvent(ctx, 'OrderCancelled', {
    orderId,
    participantId: order.participantId,
    communityId: ref.communityId,
    intervalStart: ref.intervalStart,
  });
  return { order: cancelled, replayed: false };
}

/** One order: the participant itself, an operator or a regulator. */
export async function getOrder(ctx: Context, orderId: string): Promise<OrderRecord | undefined> {
  checkId(orderId, 'orderId');
  const ref = await loadOrderRef(ctx, orderId);
  requireSelfOrRoles(ctx, ref.participantId, ['operator', 'regulator'], 'reading an order');
  return getRecord<OrderRecord>(ctx, orderKey(ctx, ref.communityId, ref.intervalStart, orderId));
}

/** A page of a participant's orders, by interval: the participant itself, an operator or a regulator. */
export async function listOrders(
  ctx: Context,
  participantId: string,
  pageSize: string,
  bookmark: string,
): Promise<{ items: OrderRecord[]; bookmark: string }> {
  requireSelfOrRoles(ctx, checkId(participantId, 'participantId'), ['operator', 'regulator'], 'listing orders');
  const page = await readPage<{ communityId: string; intervalStart: string; orderId: string }>(ctx, KeyTypes.orderBy, [participantId], {
    size: pageSizeOf(pageSize, MARKET_MAX_PAGE),
    bookmark,
  });
  const items: OrderRecord[] = [];
  for (const ref of page.items)
    items.push((await getRecord<OrderRecord>(ctx, orderKey(ctx, ref.communityId, ref.intervalStart, ref.orderId)))!);
  return { items, bookmark: page.bookmark };
}

/** The anonymised aggregated bid and ask curves of an interval: open orders only, summed per price. */
export async function getCurves(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  requireRole(ctx, 'any', 'reading the curves');
  checkId(communityId, 'communityId');
  const start = formatInstant(instantOf(intervalStart, 'intervalStart'));
  const orders = await openBook(ctx, communityId, start);
  return { communityId, intervalStart: start, ...aggregateCurves(orders) };
}
