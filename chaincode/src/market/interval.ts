/**
 * A market interval's lifecycle: open for orders until its gate, then closed, cleared (in pages)
 * and settled (in pages). Its record is written at close and moved through the index of intervals
 * waiting for their next step, which the scheduler lists.
 */
import { Context } from 'fabric-contract-api';
import {
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  intervalPhase,
  MarketParams,
  parseIntervalStart,
  SettlementPageSizes,
} from '@gridledger/core';
import { actorOf, requireOperator, requireRole } from '../access';
import { checkId, instantOf } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';
import { paramsFor } from './params';

/**
 * clearing: the compact clearing record and its first page are written, more pages follow (see clearing.ts);
 * settling: the first settlement page is done, more follow (see settlement.ts).
 */
export type IntervalStatus = 'closed' | 'clearing' | 'cleared' | 'settling' | 'settled';

/** The statuses of an interval waiting for a step (listDue). */
const DUE_STATUSES: readonly string[] = ['closed', 'clearing', 'cleared', 'settling'];

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

/** INTERVAL_STATE_CONFLICT: a step the interval's state does not allow. */
export function conflict(message: string, details: Record<string, string>): GridLedgerError {
  return new GridLedgerError(ErrorCodes.INTERVAL_STATE_CONFLICT, message, details);
}

export async function loadInterval(ctx: Context, communityId: string, intervalStart: string): Promise<IntervalRecord | undefined> {
  return getRecord<IntervalRecord>(ctx, key(ctx, KeyTypes.interval, communityId, intervalStart));
}

/** Stores the interval's new state and moves it in the index of intervals waiting for a step. */
export async function storeInterval(ctx: Context, record: IntervalRecord, previous: IntervalStatus | undefined): Promise<void> {
  await putRecord(ctx, key(ctx, KeyTypes.interval, record.communityId, record.intervalStart), record);
  if (previous !== undefined)
    await ctx.stub.deleteState(key(ctx, KeyTypes.intervalDue, record.communityId, previous, record.intervalStart));
  if (record.status !== 'settled') {
    await putRecord(ctx, key(ctx, KeyTypes.intervalDue, record.communityId, record.status, record.intervalStart), {
      intervalStart: record.intervalStart,
    });
  }
}

/** The interval the caller means to step, once it is in one of `statuses` (INTERVAL_STATE_CONFLICT otherwise). */
export async function intervalIn(
  ctx: Context,
  communityId: string,
  intervalStart: string,
  statuses: readonly IntervalStatus[],
  step: string,
): Promise<IntervalRecord> {
  const interval = await loadInterval(ctx, communityId, intervalStart);
  if (interval === undefined || !statuses.includes(interval.status)) {
    throw conflict(`interval ${intervalStart} is ${interval?.status ?? 'not closed'}`, { status: interval?.status ?? 'open', step });
  }
  return interval;
}

/** The number of the next page of a paged step, refusing a `page` the caller names that is not it ('' or undefined: the next one). */
export function nextPage(interval: IntervalRecord, done: number, page: string | undefined, step: 'clear' | 'settle'): number {
  if (page !== undefined && page !== '' && page !== String(done)) {
    const what = step === 'clear' ? 'clearing' : 'settlement';
    throw conflict(`${what} page ${page} of ${interval.intervalStart} is not the next one (${done})`, {
      status: interval.status,
      step,
      page: String(done),
    });
  }
  return done;
}

/** Fails with INTERVAL_NOT_OPEN or INTERVAL_CLOSED unless orders may be placed or cancelled now. */
export async function requireOpen(
  ctx: Context,
  params: MarketParams,
  communityId: string,
  intervalStart: string,
  startSeconds: number,
): Promise<void> {
  const phase = intervalPhase(params, startSeconds, txSeconds(ctx));
  if (phase === 'not-open') {
    throw new GridLedgerError(
      ErrorCodes.INTERVAL_NOT_OPEN,
      `orders for ${intervalStart} are accepted from ${params.openingHorizonSeconds} s before it`,
      { intervalStart },
    );
  }
  if (phase === 'gate-closed' || (await loadInterval(ctx, communityId, intervalStart)) !== undefined) {
    throw new GridLedgerError(ErrorCodes.INTERVAL_CLOSED, `the gate of ${intervalStart} has closed`, { intervalStart, communityId });
  }
}

/** Closes an interval once its gate has passed, by the operator (or its scheduler); only once. */
export async function closeInterval(ctx: Context, communityId: string, intervalStart: string): Promise<IntervalRecord> {
  const caller = requireOperator(ctx, 'closing an interval');
  checkId(communityId, 'communityId');
  const startSeconds = instantOf(intervalStart, 'intervalStart');
  const params = await paramsFor(ctx, communityId, startSeconds);
  parseIntervalStart(intervalStart, params.intervalSeconds);
  const existing = await loadInterval(ctx, communityId, intervalStart);
  if (existing !== undefined)
    throw conflict(`interval ${intervalStart} is already ${existing.status}`, { status: existing.status, step: 'close' });
  if (intervalPhase(params, startSeconds, txSeconds(ctx)) !== 'gate-closed') {
    throw conflict(`the gate of ${intervalStart} closes ${params.gateClosureSeconds} s before it`, { status: 'open', step: 'close' });
  }
  const record: IntervalRecord = {
    communityId,
    intervalStart,
    status: 'closed',
    params,
    closedAt: txInstant(ctx),
    closedBy: actorOf(ctx, caller),
  };
  await storeInterval(ctx, record, undefined);
  setEvent(ctx, 'IntervalClosed', { communityId, intervalStart, closedAt: record.closedAt });
  return record;
}

/** An interval's state: its record once closed, else where it stands for orders now. */
export async function getInterval(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  requireRole(ctx, 'any', 'reading an interval');
  checkId(communityId, 'communityId');
  const startSeconds = instantOf(intervalStart, 'intervalStart');
  const record = await loadInterval(ctx, communityId, formatInstant(startSeconds));
  if (record !== undefined) return record;
  const params = await paramsFor(ctx, communityId, startSeconds);
  parseIntervalStart(intervalStart, params.intervalSeconds);
  return { communityId, intervalStart, status: intervalPhase(params, startSeconds, txSeconds(ctx)), params };
}

/** Intervals waiting for their next step (status closed, clearing, cleared or settling), for the scheduler. */
export async function listDue(ctx: Context, communityId: string, status: string): Promise<string[]> {
  requireRole(ctx, ['operator'], 'listing due intervals');
  checkId(communityId, 'communityId');
  if (!DUE_STATUSES.includes(status))
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'status must be closed, clearing, cleared or settling', { field: 'status' });
  return (await listRecords<{ intervalStart: string }>(ctx, KeyTypes.intervalDue, [communityId, status])).map((e) => e.intervalStart);
}
