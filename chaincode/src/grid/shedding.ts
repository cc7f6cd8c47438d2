/**
 * Emergency load shedding on the ledger (docs/islanding.md, "Load shedding"): the utility orders
 * N W shed in a zone for a window of market intervals that are not cleared yet; each order is
 * kept with its author, time and reason (shedding~community~number, the latest, and one key per
 * interval of its window: sheddingAt~community~intervalStart~number, which the clearing reads).
 * The clearing of each interval of the window records whom it sheds (core sheddingClearing);
 * settlement holds the shed households harmless (core settleShedDeviations).
 */
import { Context } from 'fabric-contract-api';
import {
  ErrorCodes,
  feederLimitWh,
  formatInstant,
  GridLedgerError,
  LoadPriorities,
  MarketParams,
  Order,
  parseInstant,
  SheddingBook,
  SheddingInForce,
  validateShedding,
} from '@gridledger/core';
import { actorOf, requireRole, requireUtility } from '../access';
import { checkId, parseObjectArgument } from '../args';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';
import { paramsFor } from '../market/params';
import { loadInterval } from '../market/interval';
import { BookEntry, bookKey } from '../market/book';
import { islandAt } from './island';
import { modelAt } from './store';

/** A shedding order as recorded: the request, the Wh it sheds in each interval, and who ordered it when. */
export interface SheddingRecord {
  communityId: string;
  sheddingId: number;
  zoneId: string | null;
  from: string;
  to: string;
  shedW: number;
  shedWhPerInterval: number;
  reason: string;
  loadPriorities: LoadPriorities;
  intervals: string[];
  orderedBy: string;
  mspId: string;
  orderedAt: string;
  txId: string;
}

const CLEARED = ['clearing', 'cleared', 'settling', 'settled'];

/**
 * `{ zoneId?, from, to, shedW, reason, loadPriorities? }` by the utility of UtilityMSP: shed `shedW`
 * in the zone (and below it; null: everywhere) in every interval of [from, to). Every interval of
 * the window must not be cleared yet (SHEDDING_INTERVAL_CLEARED): its clearing records the shed,
 * so the audit recomputes it from the book. The zone must be one of the model in force at `from`
 * (ZONE_UNKNOWN; a community without a model takes only null). Without `loadPriorities` the order
 * takes those of the latest island record (the utility's register of critical loads).
 */
export async function orderShedding(ctx: Context, communityId: string, request: string): Promise<SheddingRecord> {
  const caller = requireUtility(ctx, 'ordering a load shedding');
  checkId(communityId, 'communityId');
  const input = parseObjectArgument(request, 'the shedding order');
  const named = typeof input.from === 'string' ? parseInstant(input.from) : undefined;
  const params = await paramsFor(ctx, communityId, named ?? txSeconds(ctx));
  const order = validateShedding(input, params.intervalSeconds);
  if (order.zoneId !== null) {
    const model = await modelAt(ctx, communityId, order.from);
    if (!model?.zones.some((z) => z.zoneId === order.zoneId))
      throw new GridLedgerError(
        ErrorCodes.ZONE_UNKNOWN,
        `zone ${order.zoneId} is not a zone of the grid model in force at ${formatInstant(order.from)}`,
        {
          zone: order.zoneId,
          communityId,
        },
      );
  }
  const intervals: string[] = [];
  for (let at = order.from; at < order.to; at += params.intervalSeconds) {
    const start = formatInstant(at);
    const interval = await loadInterval(ctx, communityId, start);
    if (interval !== undefined && CLEARED.includes(interval.status))
      throw new GridLedgerError(ErrorCodes.SHEDDING_INTERVAL_CLEARED, `interval ${start} is cleared already: shed from a later one`, {
        intervalStart: start,
      });
    intervals.push(start);
  }
  const latest = await getRecord<SheddingRecord>(ctx, key(ctx, KeyTypes.sheddingLatest, communityId));
  const island = await islandAt(ctx, communityId, Number.MAX_SAFE_INTEGER);
  const record: SheddingRecord = {
    communityId,
    sheddingId: (latest?.sheddingId ?? 0) + 1,
    zoneId: order.zoneId,
    from: formatInstant(order.from),
    to: formatInstant(order.to),
    shedW: order.shedW,
    shedWhPerInterval: feederLimitWh(order.shedW, params.intervalSeconds),
    reason: order.reason,
    loadPriorities: order.loadPriorities ?? island?.loadPriorities ?? {},
    intervals,
    orderedBy: actorOf(ctx, caller),
    mspId: caller.mspId,
    orderedAt: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
  const number = seqKeyPart(record.sheddingId);
  await putRecord(ctx, key(ctx, KeyTypes.shedding, communityId, number), record);
  await putRecord(ctx, key(ctx, KeyTypes.sheddingLatest, communityId), record);
  const inForce: SheddingInForce = {
    sheddingId: record.sheddingId,
    zoneId: record.zoneId,
    shedWh: record.shedWhPerInterval,
    loadPriorities: record.loadPriorities,
  };
  for (const start of intervals) await putRecord(ctx, key(ctx, KeyTypes.sheddingAt, communityId, start, number), inForce);
  setEvent(ctx, 'LoadSheddingOrdered', record);
  return record;
}

/** Every shedding order of the community, oldest first (operator, utility, regulator). */
export async function listSheddings(ctx: Context, communityId: string): Promise<{ sheddings: SheddingRecord[] }> {
  requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading load sheddings');
  checkId(communityId, 'communityId');
  return { sheddings: await listRecords<SheddingRecord>(ctx, KeyTypes.shedding, [communityId]) };
}

/**
 * What the clearing of an interval sheds from: the orders in force at it, each buyer's zone as its
 * book entry recorded it, and the tree of the model in force; undefined when no order covers it.
 */
export async function sheddingBookAt(
  ctx: Context,
  params: Pick<MarketParams, 'communityId'>,
  intervalStart: string,
  startSeconds: number,
  orders: readonly Pick<Order, 'participantId' | 'side'>[],
): Promise<SheddingBook | undefined> {
  const inForce = await listRecords<SheddingInForce>(ctx, KeyTypes.sheddingAt, [params.communityId, intervalStart]);
  if (inForce.length === 0) return undefined;
  const zoneOf: Record<string, string | null> = {};
  for (const { participantId, side } of orders) {
    if (side !== 'buy' || participantId in zoneOf) continue;
    const entry = await getRecord<BookEntry>(ctx, bookKey(ctx, params.communityId, intervalStart, participantId));
    zoneOf[participantId] = entry?.zone ?? null;
  }
  const model = await modelAt(ctx, params.communityId, startSeconds);
  const zones = (model?.zones ?? []).map(({ zoneId, parentZoneId }) => ({ zoneId, parentZoneId }));
  return { orders: inForce, zoneOf, zones };
}
