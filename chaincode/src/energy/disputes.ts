/**
 * Disputes of a reading or estimate: opened by the meter's participant (or an operator), resolved
 * by an operator of CommunityMSP with corrected values that settle the position again.
 */
import { failIfArchived } from './archive';
import { Context } from 'fabric-contract-api';
import {
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  importDisclosure,
  parseInstant,
  saltedHash,
  saltOf,
  StoredReading,
} from '@gridledger/core';
import { actorOf, requireOperator, requireRole, requireSelfOrRoles } from '../access';
import { checkId, checkIntervalStart, parseObjectArgument } from '../args';
import { key, KeyTypes, PrivateKeyTypes, readingKey } from '../keys';
import { getRecord, putRecord, setEvent, txSeconds } from '../ledger';
import { loadMeter } from '../registry';
import { loadMeteringParams } from './grid';
import { requireDetailAccess } from './household';
import { EstimateRecord, IMPORT_FIELD, putPrivate, saltSeed, transientField } from './privacy';
import { resettle } from './resettle';
import { announce } from './window';
import { DisputeRef, indexDispute } from '../lists/indexes';

const disputeKey = (ctx: Context, meterId: string, intervalStart: string): string => key(ctx, KeyTypes.dispute, meterId, intervalStart);

/** A text field of 1 to 256 characters, DISPUTE_INVALID otherwise. */
function checkText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256)
    throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, `${field} must be 1 to 256 characters`, { field });
  return value;
}

/** `{ meterId, intervalStart, reason }` by the meter's participant: both the reading (or estimate) and the dispute stay on the ledger. */
export async function disputeReading(ctx: Context, request: string): Promise<unknown> {
  const caller = requireRole(ctx, ['prosumer', 'consumer', 'operator'], 'disputing a reading');
  const q = parseObjectArgument(request, 'the dispute');
  const meter = await loadMeter(ctx, checkId(q.meterId, 'meterId'));
  const intervalStart = q.intervalStart as string;
  const params = await loadMeteringParams(ctx);
  checkIntervalStart(intervalStart, params.intervalSeconds);
  requireSelfOrRoles(ctx, meter.participantId, ['operator'], 'disputing a reading');
  // The dispute period: the archive horizon is at least this long (params.ts archiveFloorSeconds), so the reading is still there.
  const closedAt = parseInstant(intervalStart)! + params.intervalSeconds + params.disputeWindowSeconds;
  if (closedAt < txSeconds(ctx)) {
    throw new GridLedgerError(
      ErrorCodes.DISPUTE_WINDOW_CLOSED,
      `readings of ${intervalStart} could be disputed until ${formatInstant(closedAt)}`,
      {
        meterId: meter.meterId,
        intervalStart,
        closedAt: formatInstant(closedAt),
      },
    );
  }
  const reason = checkText(q.reason, 'reason');
  const k = disputeKey(ctx, meter.meterId, intervalStart);
  const open = await getRecord<{ status: string }>(ctx, k);
  if (open !== undefined && open.status === 'open')
    throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, 'a dispute of this reading is already open', {
      meterId: meter.meterId,
      intervalStart,
    });
  const reading = await getRecord<StoredReading>(ctx, readingKey(ctx, meter.meterId, intervalStart));
  const estimate = await getRecord<EstimateRecord>(ctx, key(ctx, KeyTypes.estimate, meter.meterId, intervalStart));
  // The original's import is private: its hash (importHash of the reading or estimate) names it.
  const original =
    reading !== undefined && (estimate === undefined || estimate.supersededBy !== undefined)
      ? { kind: 'reading', txId: reading.txId, exportWh: reading.exportWh }
      : estimate !== undefined
        ? { kind: 'estimate', txId: estimate.txId, exportWh: estimate.exportWh }
        : undefined;
  if (original === undefined) await failIfArchived(ctx, meter.meterId, intervalStart);
  if (original === undefined)
    throw new GridLedgerError(ErrorCodes.READING_NOT_FOUND, `no reading or estimate of ${meter.meterId} for ${intervalStart}`, {
      meterId: meter.meterId,
      intervalStart,
    });
  const openedBy = actorOf(ctx, caller);
  const record = {
    meterId: meter.meterId,
    intervalStart,
    participantId: meter.participantId,
    status: 'open',
    reason,
    original,
    openedBy,
    openedAt: formatInstant(txSeconds(ctx)),
    txId: ctx.stub.getTxID(),
  };
  await putRecord(ctx, k, record);
  await indexDispute(ctx, meter.communityId, record);
  setEvent(ctx, 'ReadingDisputed', record);
  return record;
}

/**
 * `{ meterId, intervalStart, exportWh, note }` by an operator of CommunityMSP once the window is
 * closed, the corrected import (decimal Wh) and a salt seed as transient data (privacy.ts): the
 * corrected values reference the original, the position is settled again and tokens are minted
 * or burnt by the difference. The corrected import is kept in the collection, its hash on the channel.
 */
export async function resolveDispute(ctx: Context, request: string): Promise<unknown> {
  const caller = requireOperator(ctx, 'resolving a dispute');
  const q = parseObjectArgument(request, 'the resolution');
  const meter = await loadMeter(ctx, checkId(q.meterId, 'meterId'));
  const intervalStart = q.intervalStart as string;
  const params = await loadMeteringParams(ctx);
  checkIntervalStart(intervalStart, params.intervalSeconds);
  const k = disputeKey(ctx, meter.meterId, intervalStart);
  const dispute = await getRecord<Record<string, unknown>>(ctx, k);
  if (dispute === undefined || dispute.status !== 'open')
    throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, 'no open dispute of this reading', { meterId: meter.meterId, intervalStart });
  if ('importWh' in q)
    throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, `importWh is private: send it as the transient field ${IMPORT_FIELD}`, {
      field: 'importWh',
    });
  const importText = transientField(ctx, IMPORT_FIELD);
  const importWh = importText === undefined ? NaN : Number(Buffer.from(importText).toString('utf8'));
  const values = { importWh, exportWh: q.exportWh };
  for (const [f, v] of Object.entries(values)) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
      throw new GridLedgerError(ErrorCodes.DISPUTE_INVALID, `${f} must be a non-negative integer`, { field: f });
  }
  const note = checkText(q.note, 'note');
  const seed = saltSeed(ctx, 'resolving a dispute');
  const settled = await resettle(
    ctx,
    meter.participantId,
    intervalStart,
    [{ meter, importWh, exportWh: values.exportWh as number }],
    'dispute',
    params,
  );
  if (settled === undefined)
    throw new GridLedgerError(ErrorCodes.WINDOW_STATE_INVALID, `close the window of ${intervalStart} before resolving`, { intervalStart });
  const salt = saltOf(seed, 'dispute', meter.meterId, intervalStart);
  await putPrivate(ctx, PrivateKeyTypes.disputeImport, [meter.meterId, intervalStart], {
    meterId: meter.meterId,
    intervalStart,
    importWh,
    salt,
  });
  const correction = {
    exportWh: values.exportWh,
    importHash: saltedHash(importDisclosure(meter.meterId, intervalStart, importWh, salt)),
    note,
    txId: ctx.stub.getTxID(),
    resolvedBy: actorOf(ctx, caller),
    resolvedAt: formatInstant(txSeconds(ctx)),
    unburntWh: settled.unburntWh,
  };
  const record = { ...dispute, status: 'resolved', correction };
  await putRecord(ctx, k, record);
  await indexDispute(ctx, meter.communityId, record as unknown as DisputeRef);
  setEvent(ctx, 'DisputeResolved', { ...record, position: announce(settled.position, meter.communityId) });
  return record;
}

export async function getDispute(ctx: Context, meterId: string, intervalStart: string): Promise<unknown> {
  const meter = await loadMeter(ctx, checkId(meterId, 'meterId'));
  requireDetailAccess(ctx, meter.participantId, 'disputes');
  checkIntervalStart(intervalStart, (await loadMeteringParams(ctx)).intervalSeconds);
  const dispute = await getRecord(ctx, disputeKey(ctx, meterId, intervalStart));
  if (dispute === undefined)
    throw new GridLedgerError(ErrorCodes.DISPUTE_NOT_FOUND, `no dispute of ${meterId} for ${intervalStart}`, { meterId, intervalStart });
  return dispute;
}
