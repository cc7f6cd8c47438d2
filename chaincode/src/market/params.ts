/**
 * Market parameters per community: every change recorded, each in force from its effectiveFrom
 * until the next one's; orders read the latest entry (one key) and walk back only when it takes
 * effect later than their interval.
 */
import { Context } from 'fabric-contract-api';
import { effectiveFrom, ErrorCodes, formatInstant, GridLedgerError, MarketParams, mergeMarketParams, parseInstant } from '@gridledger/core';
import { actorOf, requireOperator, requireRole } from '../access';
import { checkId, instantOf, parseObjectArgument } from '../args';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { listRecords } from '../paging';

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
  return getRecord<ParamsEntry>(ctx, key(ctx, KeyTypes.marketParamsLatest, communityId));
}

/**
 * The parameters in force for an interval starting at `startSeconds`, or MARKET_NOT_FOUND: the
 * latest entry (one point read, written only by setParams), and only when that one takes effect
 * later, the entries before it, one point read each. Orders never read the whole history.
 */
export async function paramsFor(ctx: Context, communityId: string, startSeconds: number): Promise<MarketParams> {
  let entry = await latestParams(ctx, communityId);
  while (entry !== undefined && parseInstant(entry.from)! > startSeconds) {
    entry =
      entry.previousFrom === null
        ? undefined
        : await getRecord<ParamsEntry>(ctx, key(ctx, KeyTypes.marketParams, communityId, entry.previousFrom));
  }
  if (entry === undefined)
    throw new GridLedgerError(ErrorCodes.MARKET_NOT_FOUND, `community ${communityId} has no market parameters`, { communityId });
  return entry.params;
}

/** Fields of the community's parameters to change, by an operator of CommunityMSP; every change is recorded. */
export async function setParams(ctx: Context, communityId: string, change: string): Promise<unknown> {
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
  const previousFrom = latest === undefined ? null : latest.from === from ? latest.previousFrom : latest.from;
  const entry: ParamsEntry = { from, params, previousFrom, changes: number };
  await putRecord(ctx, key(ctx, KeyTypes.marketParams, communityId, from), entry);
  await putRecord(ctx, key(ctx, KeyTypes.marketParamsLatest, communityId), entry);
  const changedBy = actorOf(ctx, caller);
  const record = {
    number,
    txId,
    communityId,
    effectiveFrom: from,
    changedAt: txInstant(ctx),
    changedBy,
    mspId: caller.mspId,
    previous: previous ?? null,
    params,
  };
  await putRecord(ctx, key(ctx, KeyTypes.marketParamsChange, communityId, seqKeyPart(number)), record);
  setEvent(ctx, 'MarketParamsChanged', record);
  return record;
}

/** The parameters in force for an interval (default: now), and every recorded change. */
export async function getParams(ctx: Context, communityId: string, at: string): Promise<unknown> {
  requireRole(ctx, 'any', 'reading market parameters');
  checkId(communityId, 'communityId');
  const seconds = at ? instantOf(at, 'at') : txSeconds(ctx);
  const changes = await listRecords<Record<string, unknown>>(ctx, KeyTypes.marketParamsChange, [communityId]);
  return { params: await paramsFor(ctx, communityId, seconds), changes };
}
