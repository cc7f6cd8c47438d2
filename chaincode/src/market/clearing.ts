/**
 * Clearing a closed interval with the core's clearMarket, one page of fills and trades per
 * transaction, and the reads of a clearing: its record with its pages, the orders it took, and
 * the community's history of clearing summaries.
 */
import { Context } from 'fabric-contract-api';
import {
  clearingPage,
  ClearingMethod,
  clearMarket,
  CLEARING_PAGE_ITEMS,
  ErrorCodes,
  Fill,
  formatInstant,
  GridLedgerError,
  IslandClearing,
  islandClearing,
  SheddingClearing,
  sheddingClearing,
  isSelfActing,
  MarketClearing,
  MarketParams,
  Trade,
} from '@gridledger/core';
import { requireOperator, requireRole } from '../access';
import { checkId, instantOf } from '../args';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, setEvent, txInstant } from '../ledger';
import { MARKET_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { AccountOverlay } from './accounts';
import { openBook, orderOf } from './book';
import { conflict, intervalIn, loadInterval, nextPage, storeInterval } from './interval';
import { clearingNetwork } from './zones';
import { islandedAt } from '../grid/island';
import { sheddingBookAt } from '../grid/shedding';
import { indexResult } from '../lists/indexes';

/**
 * The compact clearing record; its fills and trades are stored in pages (clearingPage keys). A
 * zonal clearing adds its network digest, zone prices and feeder flows; a record written before the
 * clearing methods has no clearingMethod (uniform).
 */
export interface ClearingRecord extends Omit<MarketClearing, 'fills' | 'trades' | 'clearingMethod'> {
  clearingMethod?: ClearingMethod;
  /** An islanded interval's mode and curtailment (docs/islanding.md); absent when connected. */
  island?: IslandClearing;
  /** The load shedding in force at the interval (docs/islanding.md); absent when none. */
  shedding?: SheddingClearing;
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

/** A clearing record with its fills and trades read back from their pages. */
export type Clearing = ClearingRecord & Pick<MarketClearing, 'fills' | 'trades'>;

/**
 * Page sizes of new clearings (the core's CLEARING_PAGE_ITEMS); a clearing records its own, so
 * that its later pages slice as its first did. Changed only by tests (small books in many pages).
 */
export const marketLimits = { clearingPageItems: CLEARING_PAGE_ITEMS };

const clearingKey = (ctx: Context, communityId: string, intervalStart: string): string =>
  key(ctx, KeyTypes.clearing, communityId, intervalStart);

const clearingPageKey = (
  ctx: Context,
  record: Pick<ClearingRecord, 'communityId' | 'intervalStart'>,
  kind: 'fills' | 'trades',
  page: number,
): string => key(ctx, KeyTypes.clearingPage, record.communityId, record.intervalStart, kind, seqKeyPart(page));

/** The compact clearing record of an interval, or undefined while it is not cleared. */
export function loadClearingRecord(ctx: Context, communityId: string, intervalStart: string): Promise<ClearingRecord | undefined> {
  return getRecord<ClearingRecord>(ctx, clearingKey(ctx, communityId, intervalStart));
}

/** Every fill or trade of a clearing, from its pages; INTERVAL_STATE_CONFLICT while a page is still to be written. */
export async function loadClearingItems<T extends Fill | Trade>(
  ctx: Context,
  record: ClearingRecord,
  kind: 'fills' | 'trades',
): Promise<T[]> {
  const out: T[] = [];
  for (let page = 0; page < (kind === 'fills' ? record.fillPages : record.tradePages); page++) {
    const items = await getRecord<T[]>(ctx, clearingPageKey(ctx, record, kind, page));
    if (items === undefined)
      throw conflict(`the clearing of ${record.intervalStart} is still being written (page ${page})`, { status: 'clearing', step: 'read' });
    out.push(...items);
  }
  return out;
}

/** The clearing record of an interval with its fills and trades read back from their pages, or INTERVAL_NOT_FOUND. */
export async function loadClearing(ctx: Context, communityId: string, intervalStart: string): Promise<Clearing> {
  const record = await loadClearingRecord(ctx, communityId, intervalStart);
  if (record === undefined)
    throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${intervalStart} has not been cleared`, { intervalStart });
  return {
    ...record,
    fills: await loadClearingItems<Fill>(ctx, record, 'fills'),
    trades: await loadClearingItems<Trade>(ctx, record, 'trades'),
  };
}

/** Trades [from, to) of a clearing, read from only the page keys that hold them. */
export async function loadTrades(ctx: Context, record: ClearingRecord, from: number, to: number): Promise<Trade[]> {
  const out: Trade[] = [];
  const last = Math.min(to, record.tradeCount);
  for (let page = Math.floor(from / record.pageItems); page * record.pageItems < last; page++) {
    const items = (await getRecord<Trade[]>(ctx, clearingPageKey(ctx, record, 'trades', page)))!;
    const base = page * record.pageItems;
    out.push(...items.slice(Math.max(0, from - base), last - base));
  }
  return out;
}

/** What IntervalCleared and listResults show of a clearing. */
export function summaryOf(r: ClearingRecord) {
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
    ...(r.island !== undefined ? { island: { mode: r.island.mode, curtailedWh: r.island.curtailedWh } } : {}),
  };
}

/**
 * Clears a closed interval with the core's clearMarket (clearAuction, or clearZonal when the
 * market selects it and a grid model is in force) over its open orders, in pages (the
 * core's clearingPage: at most CLEARING_PAGE_ITEMS fills and as many trades per transaction).
 * Page 0 stores the compact, recomputable record (input digest, bounds, price, volume, counts)
 * with the first page; every later page recomputes the clearing from the same closed book,
 * checks its digest against the record and stores its own slice. Each page refunds the escrow
 * above what its buy orders' trades cost. The last page marks the interval cleared (status
 * clearing in between). `page` names the page the caller means ('' or undefined: the next
 * one): a page done before, or out of turn, is refused with INTERVAL_STATE_CONFLICT.
 */
export async function clearInterval(ctx: Context, communityId: string, intervalStart: string, page?: string): Promise<unknown> {
  requireOperator(ctx, 'clearing an interval');
  checkId(communityId, 'communityId');
  instantOf(intervalStart, 'intervalStart');
  const interval = await intervalIn(ctx, communityId, intervalStart, ['closed', 'clearing'], 'clear');
  const next = nextPage(interval, interval.clearing?.pagesDone ?? 0, page, 'clear');
  // The interval is closed: its book can no longer change, so every page clears the same orders.
  const open = await openBook(ctx, communityId, intervalStart);
  const orders = open.map(orderOf);
  // The method the interval's parameters select, over the network in force at the interval (zonal).
  const result = clearMarket(orders, interval.params, await clearingNetwork(ctx, interval.params, intervalStart, orders));
  let record = next === 0 ? undefined : await loadClearingRecord(ctx, communityId, intervalStart);
  if (record !== undefined && (record.inputDigest !== result.inputDigest || record.networkDigest !== result.networkDigest)) {
    throw new GridLedgerError(ErrorCodes.INTERNAL, `the book of ${intervalStart} no longer matches its clearing record`, { intervalStart });
  }
  if (record === undefined) {
    const { fills, trades, ...compact } = result;
    // Islanded (the mode in force at the interval, fixed once its gate closed): the curtailment of what local supply cannot serve.
    const islanded = await islandedAt(ctx, communityId, instantOf(intervalStart, 'intervalStart'));
    // Load shedding ordered for the interval (only before it cleared): whom it sheds, in priority order.
    const shedding = await sheddingBookAt(ctx, interval.params, intervalStart, instantOf(intervalStart, 'intervalStart'), orders);
    const pageItems = marketLimits.clearingPageItems;
    const pagesOf = (n: number) => Math.ceil(n / pageItems);
    record = {
      ...compact,
      communityId,
      intervalStart,
      params: interval.params,
      ...(islanded !== undefined ? { island: islandClearing(orders, islanded) } : {}),
      ...(shedding !== undefined ? { shedding: sheddingClearing(orders, shedding) } : {}),
      orderCount: orders.length,
      fillCount: fills.length,
      tradeCount: trades.length,
      pageItems,
      fillPages: pagesOf(fills.length),
      tradePages: pagesOf(trades.length),
      clearedAt: txInstant(ctx),
      txId: ctx.stub.getTxID(),
    };
    await putRecord(ctx, clearingKey(ctx, communityId, intervalStart), record);
    await indexResult(ctx, communityId, intervalStart);
  }
  const escrows = new Map(open.filter((o) => o.side === 'buy').map((o) => [o.orderId, o.escrowMicros]));
  const slice = clearingPage(result, escrows, next, record.pageItems);
  const accounts = new AccountOverlay(ctx);
  for (const { participantId, refundMicros } of slice.refunds)
    await accounts.change(participantId, 'escrow-refund', `${communityId}/${intervalStart}`, refundMicros, -refundMicros);
  await accounts.flush();
  if (slice.fills.length > 0) await putRecord(ctx, clearingPageKey(ctx, record, 'fills', next), slice.fills);
  if (slice.trades.length > 0) await putRecord(ctx, clearingPageKey(ctx, record, 'trades', next), slice.trades);
  const done = next + 1 === slice.pageCount;
  const clearing = { pageCount: slice.pageCount, pagesDone: next + 1 };
  await storeInterval(
    ctx,
    done ? { ...interval, status: 'cleared', clearing, clearedAt: txInstant(ctx) } : { ...interval, status: 'clearing', clearing },
    interval.status,
  );
  const summary = summaryOf(record);
  if (done) setEvent(ctx, 'IntervalCleared', summary);
  return { ...summary, status: done ? 'cleared' : 'clearing', page: next, pageCount: slice.pageCount };
}

/**
 * The clearing record of an interval with its fills and trades (from its pages): everything
 * needed to recompute it, for the operator, the utility and the regulator. A household sees the
 * record with its own fills and trades only: the others' are their orders (docs/security.md).
 */
export async function getClearing(ctx: Context, communityId: string, intervalStart: string): Promise<Clearing> {
  const caller = requireRole(ctx, 'any', 'reading a clearing');
  checkId(communityId, 'communityId');
  const clearing = await loadClearing(ctx, communityId, formatInstant(instantOf(intervalStart, 'intervalStart')));
  if (!isSelfActing(caller.role)) return clearing;
  const own = caller.participantId;
  return {
    ...clearing,
    fills: clearing.fills.filter((f) => f.participantId === own),
    trades: clearing.trades.filter((t) => t.buyerId === own || t.sellerId === own),
    ...(clearing.island !== undefined
      ? { island: { ...clearing.island, curtailments: clearing.island.curtailments.filter((c) => c.loadId === own) } }
      : {}),
    ...(clearing.shedding !== undefined
      ? { shedding: { ...clearing.shedding, sheds: clearing.shedding.sheds.filter((c) => c.loadId === own) } }
      : {}),
  };
}

/**
 * The orders a clearing took (open at close), for anyone who recomputes it: operator, utility or
 * regulator; with the network and each participant's zone when the interval clears zonal.
 */
export async function getClearingOrders(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading the orders of an interval');
  checkId(communityId, 'communityId');
  const start = formatInstant(instantOf(intervalStart, 'intervalStart'));
  const interval = await loadInterval(ctx, communityId, start);
  if (interval === undefined)
    throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `interval ${start} is not closed`, { intervalStart: start });
  const orders = (await openBook(ctx, communityId, start)).map(orderOf);
  const network = await clearingNetwork(ctx, interval.params, start, orders);
  const startSeconds = instantOf(start, 'intervalStart');
  // Once cleared, what the record says it ran with (an opening recorded after the clearing settles it islanded but changes no clearing).
  const record = await loadClearingRecord(ctx, communityId, start);
  const islanded = record !== undefined && record.island === undefined ? undefined : await islandedAt(ctx, communityId, startSeconds);
  // An islanded interval's record in force: the audit recomputes its curtailment from the book and these priorities.
  const island =
    islanded === undefined ? {} : { island: { since: islanded.since, cause: islanded.cause, loadPriorities: islanded.loadPriorities } };
  const shedding = await sheddingBookAt(ctx, interval.params, start, startSeconds, orders);
  return {
    params: interval.params,
    orders,
    ...(network !== null ? { network } : {}),
    ...island,
    ...(shedding !== undefined ? { shedding } : {}),
  };
}

/** A page of an interval history: the clearing summaries of a community, oldest first. */
export async function listResults(ctx: Context, communityId: string, pageSize: string, bookmark: string): Promise<unknown> {
  requireRole(ctx, 'any', 'reading market results');
  checkId(communityId, 'communityId');
  const page = await readPage<ClearingRecord>(ctx, KeyTypes.clearing, [communityId], {
    size: pageSizeOf(pageSize, MARKET_MAX_PAGE),
    bookmark,
  });
  return { items: page.items.map(summaryOf), bookmark: page.bookmark };
}
