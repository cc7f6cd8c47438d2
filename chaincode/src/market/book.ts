/**
 * The order book of a market interval as stored: each order under its interval and bucket, and
 * each participant's book entry (side, open orders, sell energy, capacity) in the interval.
 */
import { Context } from 'fabric-contract-api';
import { Order, Side } from '@gridledger/core';
import { key, KeyTypes } from '../keys';
import { getRecord } from '../ledger';
import { listRecords } from '../paging';

export interface OrderRecord extends Order {
  clientOrderId: string;
  communityId: string;
  intervalStart: string;
  status: 'open' | 'cancelled';
  /** What a buy order holds in escrow (0 for a sell order). */
  escrowMicros: number;
  txId: string;
}

/** A participant's orders in one interval, kept so that its later orders read one key. */
export interface BookEntry {
  side: Side;
  openOrders: number;
  sellWh: number;
  /** Energy of the open buy orders (absent in entries written before it was kept: count 0). */
  buyWh?: number;
  /** The participant's sell capacity in the interval, from its active meters at its first order. */
  capacityWh?: number;
  /** The zone of its meters' site at its first order, where a zonal clearing puts it (absent: none). */
  zone?: string;
}

/** Where an order is (orderRef): its interval and participant. */
export interface OrderRef {
  communityId: string;
  intervalStart: string;
  participantId: string;
}

/** An order's key: under its bucket, the first hex digit of its id (`o` + 32 hex digits). */
export function orderKey(ctx: Context, communityId: string, intervalStart: string, orderId: string): string {
  return key(ctx, KeyTypes.order, communityId, intervalStart, orderId.charAt(1), orderId);
}

export const bookKey = (ctx: Context, communityId: string, intervalStart: string, participantId: string): string =>
  key(ctx, KeyTypes.book, communityId, intervalStart, participantId);

/** Wh of a participant's open spot sell orders in an interval (its book entry): what P2P selling must leave of its capacity. */
export async function spotSellWh(ctx: Context, communityId: string, intervalStart: string, participantId: string): Promise<number> {
  const entry = await getRecord<BookEntry>(ctx, bookKey(ctx, communityId, intervalStart, participantId));
  return entry !== undefined && entry.side === 'sell' ? entry.sellWh : 0;
}

/** The 16 buckets of order ids. */
const ORDER_BUCKETS = '0123456789abcdef'.split('');

/**
 * Every order of an interval, in key order: 16 range queries, one per bucket, so that no range
 * query comes near Fabric's totalQueryLimit (100,000 results) even at 100,000 orders.
 */
async function readBook(ctx: Context, communityId: string, intervalStart: string): Promise<OrderRecord[]> {
  const out: OrderRecord[] = [];
  for (const bucket of ORDER_BUCKETS)
    out.push(...(await listRecords<OrderRecord>(ctx, KeyTypes.order, [communityId, intervalStart, bucket])));
  return out;
}

/** The open orders of an interval (once closed, a range that can no longer change), in the 16 buckets of order ids. */
export async function openBook(ctx: Context, communityId: string, intervalStart: string): Promise<OrderRecord[]> {
  return (await readBook(ctx, communityId, intervalStart)).filter((o) => o.status === 'open');
}

/** An order as the clearing takes it: its fields of the core's Order. */
export const orderOf = ({ orderId, participantId, side, energyWh, priceMicrosPerKwh, placedAt }: OrderRecord): Order => ({
  orderId,
  participantId,
  side,
  energyWh,
  priceMicrosPerKwh,
  placedAt,
});
