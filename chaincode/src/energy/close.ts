/**
 * The metering window of a community and interval: closing it (one page of participants per
 * transaction, window.ts), and what anyone may read of it (its record, the community view).
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError } from '@gridledger/core';
import { actorOf, requireOperator, requireRole } from '../access';
import { checkId, checkIntervalStart } from '../args';
import { getRecord, setEvent, txSeconds } from '../ledger';
import { communityView } from './community';
import { loadMeteringParams, windowKey } from './grid';
import { saltSeed } from './privacy';
import { announce, closeWindowPage, WindowCloseCursor, WindowRecord } from './window';

/**
 * Closes a community's late window of an interval that has ended, over the meters registered
 * with that `communityId` (operator of CommunityMSP, or its scheduler), with a random salt seed as
 * transient data (privacy.ts), one page of participants per call (window.ts: closeWindowPage):
 * the answer has `window` once the last page is done, else `closing` (the cursor); call again
 * until then. Windows may close in any order (a gap is retired when the windows of all the
 * intervals it misses are closed). Closing a closed window returns its record: a retry is harmless.
 */
export async function closeWindow(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  const caller = requireOperator(ctx, 'closing a window');
  checkId(communityId, 'communityId');
  const params = await loadMeteringParams(ctx);
  const start = checkIntervalStart(intervalStart, params.intervalSeconds);
  const existing = await getRecord<WindowRecord>(ctx, windowKey(ctx, communityId, intervalStart, params.intervalSeconds));
  if (existing !== undefined) return { window: existing, alreadyClosed: true };
  if (start + params.intervalSeconds > txSeconds(ctx)) {
    throw new GridLedgerError(ErrorCodes.WINDOW_STATE_INVALID, `the interval ${intervalStart} has not ended`, { intervalStart });
  }
  const seed = saltSeed(ctx, 'closing a window');
  const { window, cursor, positions, zones } = await closeWindowPage(ctx, communityId, intervalStart, params, actorOf(ctx, caller), seed);
  const page = window !== undefined ? (window.pages ?? 1) : (cursor as WindowCloseCursor).pages;
  const announced = positions.map((p) => announce(p, communityId));
  setEvent(ctx, 'WindowClosed', {
    communityId,
    intervalStart,
    txId: ctx.stub.getTxID(),
    page,
    last: window !== undefined,
    positions: announced,
    zones,
  });
  return window !== undefined ? { window, positions: announced } : { closing: cursor, positions: announced };
}

export async function getWindow(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  requireRole(ctx, 'any', 'reading a window');
  checkId(communityId, 'communityId');
  const params = await loadMeteringParams(ctx);
  checkIntervalStart(intervalStart, params.intervalSeconds);
  return (
    (await getRecord<WindowRecord>(ctx, windowKey(ctx, communityId, intervalStart, params.intervalSeconds))) ?? {
      communityId,
      intervalStart,
      closed: false,
    }
  );
}

/**
 * A community per interval: totals over the zones of its meters (their `communityId`) and each
 * zone (what anyone, the regulator included, may see).
 */
export async function getCommunityView(ctx: Context, communityId: string, intervalStart: string): Promise<unknown> {
  requireRole(ctx, 'any', 'reading the community view');
  checkId(communityId, 'communityId');
  const params = await loadMeteringParams(ctx);
  checkIntervalStart(intervalStart, params.intervalSeconds);
  const view = await communityView(ctx, communityId, intervalStart);
  if (view === undefined)
    throw new GridLedgerError(ErrorCodes.WINDOW_STATE_INVALID, `the window of ${intervalStart} is not closed yet`, { intervalStart });
  return view;
}
