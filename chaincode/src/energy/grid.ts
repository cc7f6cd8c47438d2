/**
 * The metering grid: the ledger's metering parameters, read once per transaction, and the keys of
 * what belongs to one metering interval of a community (its window, the cursor of its close, its
 * zone totals). A window is its community, its start and its length: those keys carry all three,
 * so each community closes its own meters, and after the operator changes the interval length a
 * window closed on the other grid at the same instant (a 60 s window at 11:30:00) is never taken
 * for the 900 s one.
 */
import { Context } from 'fabric-contract-api';
import { DEFAULT_METERING_PARAMS, MeteringParams } from '@gridledger/core';
import { key, KeyTypes } from '../keys';
import { getRecord } from '../ledger';

/** Per transaction (its stub): a transaction never sees its own writes, so one read is exact. */
const paramsOfTx = new WeakMap<object, Promise<MeteringParams>>();

/** The ledger's parameters record, or the defaults while there is none. */
export function loadMeteringParams(ctx: Context): Promise<MeteringParams> {
  let params = paramsOfTx.get(ctx.stub);
  if (params === undefined) {
    // A record written before a parameter existed takes that parameter's default.
    params = getRecord<MeteringParams>(ctx, key(ctx, KeyTypes.meteringParams)).then((stored) => ({
      ...DEFAULT_METERING_PARAMS,
      ...stored,
    }));
    paramsOfTx.set(ctx.stub, params);
  }
  return params;
}

const lengthPart = (intervalSeconds: number): string => String(intervalSeconds);

export const windowKey = (ctx: Context, communityId: string, intervalStart: string, intervalSeconds: number): string =>
  key(ctx, KeyTypes.window, communityId, intervalStart, lengthPart(intervalSeconds));

export const windowCloseKey = (ctx: Context, communityId: string, intervalStart: string, intervalSeconds: number): string =>
  key(ctx, KeyTypes.windowClose, communityId, intervalStart, lengthPart(intervalSeconds));

export const zoneIntervalKey = (ctx: Context, intervalStart: string, intervalSeconds: number, communityId: string, zone: string): string =>
  key(ctx, KeyTypes.zoneInterval, intervalStart, lengthPart(intervalSeconds), communityId, zone);

/** The partial key of a community's zone totals of an interval (listRecords). */
export const zoneIntervalPrefix = (intervalStart: string, intervalSeconds: number, communityId: string): string[] => [
  intervalStart,
  lengthPart(intervalSeconds),
  communityId,
];

/** Whether the community's window of the interval (on the ledger's current grid) is closed. */
export async function isWindowClosed(ctx: Context, communityId: string, intervalStart: string): Promise<boolean> {
  const { intervalSeconds } = await loadMeteringParams(ctx);
  return (await getRecord(ctx, windowKey(ctx, communityId, intervalStart, intervalSeconds))) !== undefined;
}
