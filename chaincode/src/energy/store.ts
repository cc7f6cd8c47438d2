/**
 * Reads the energy contracts share: records under a partial composite key, meters and positions.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, isIntervalStart, MeterRecord, parseInstant } from '@gridledger/core';
import { getRecord, key, KeyTypes } from '../ledger';

/** An interval start on the market's grid, as its text and epoch seconds. */
export function checkIntervalStart(value: unknown, intervalSeconds: number, field = 'intervalStart'): number {
  const seconds = typeof value === 'string' ? parseInstant(value) : undefined;
  if (seconds === undefined || !isIntervalStart(seconds, intervalSeconds)) {
    throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${field} must be the start of a ${intervalSeconds}s interval, like 2026-11-21T10:15:00Z`, { field });
  }
  return seconds;
}

export async function loadMeterRecord(ctx: Context, meterId: string): Promise<MeterRecord> {
  const meter = await getRecord<MeterRecord>(ctx, key(ctx, KeyTypes.meter, meterId));
  if (meter === undefined) throw new GridLedgerError(ErrorCodes.METER_NOT_REGISTERED, `meter ${meterId} is not registered`, { meterId });
  return meter;
}
