/** A dispatch's records and who may work on them, shared by the contract and its settlement (docs/dispatch.md). */
import type { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, type DispatchRecord } from '@gridledger/core';
import { Caller, requireRole } from '../access';
import { checkId } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord } from '../ledger';

export const DispatchEvents = {
  registered: 'FlexResourceRegistered',
  requested: 'DispatchRequested',
  acknowledged: 'DispatchAcknowledged',
  nonResponsive: 'DispatchNonResponsive',
  settled: 'DispatchSettled',
  resettled: 'DispatchResettled',
} as const;

export const dispatchKey = (ctx: Context, communityId: string, dispatchId: string) => key(ctx, KeyTypes.dispatch, communityId, dispatchId);
/** The dispatches the service still works on: requested, accepted, or settled from telemetry and waiting for their readings. */
export const openKey = (ctx: Context, communityId: string, dispatchId: string) => key(ctx, KeyTypes.dispatchOpen, communityId, dispatchId);

export async function loadDispatch(ctx: Context, communityId: string, dispatchId: string): Promise<DispatchRecord> {
  const k = dispatchKey(ctx, checkId(communityId, 'communityId'), checkId(dispatchId, 'dispatchId'));
  const d = await getRecord<DispatchRecord>(ctx, k);
  if (d === undefined)
    throw new GridLedgerError(ErrorCodes.DISPATCH_NOT_FOUND, `no dispatch ${dispatchId} in ${communityId}`, { dispatchId });
  return d;
}

/** The Community's dispatch service (a meter-bridge of CommunityMSP), or its operator with tools (as for telemetry steps). */
export function requireService(ctx: Context, action: string): Caller {
  const caller = requireRole(ctx, ['meter-bridge', 'operator'], action);
  if (caller.mspId !== 'CommunityMSP')
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `${action} is for the dispatch service or operator of CommunityMSP`, {
      mspId: caller.mspId,
    });
  return caller;
}

export function stateInvalid(d: DispatchRecord, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.DISPATCH_STATE_INVALID, `dispatch ${d.dispatchId} ${message}`, {
    dispatchId: d.dispatchId,
    status: d.status,
  });
}
