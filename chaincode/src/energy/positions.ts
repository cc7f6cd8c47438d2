/**
 * The one way the market reads a participant's settled energy position of a metering interval.
 * Every market read of positions goes through settledPositionOf, so that where positions live
 * (today the public `position~participant~interval`; a private data collection on another branch)
 * is decided here only.
 */
import { Context } from 'fabric-contract-api';
import { getRecord, key, KeyTypes } from '../ledger';
import { PositionRecord } from './window';

/**
 * A participant's position of one metering interval as window close fixed it (corrections
 * included): `netWh` (production minus consumption over all its meters) and `estimated` (some
 * meter's reading was estimated, so it settles money only). Undefined while the interval's window
 * is not closed. A closed window without a position for the participant (no meter of it counted)
 * is a position of 0 Wh, verified.
 */
export async function settledPositionOf(ctx: Context, participantId: string, intervalStart: string): Promise<{ netWh: number; estimated: boolean } | undefined> {
  const position = await getRecord<PositionRecord>(ctx, key(ctx, KeyTypes.position, participantId, intervalStart));
  if (position !== undefined) return { netWh: position.netWh, estimated: position.estimated };
  const window = await getRecord(ctx, key(ctx, KeyTypes.window, intervalStart));
  return window === undefined ? undefined : { netWh: 0, estimated: false };
}
