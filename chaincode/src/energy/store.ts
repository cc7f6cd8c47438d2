/**
 * Reads the energy contracts share: records under a partial composite key, meters and positions.
 */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, ID_PATTERN, ID_RULE, isIntervalStart, MeterRecord, parseInstant } from '@gridledger/core';
import { getRecord, key, KeyTypes } from '../ledger';

type KeyType = (typeof KeyTypes)[keyof typeof KeyTypes];

/** Every record under `type` and the leading `attributes`, in key order. */
export async function listRecords<T>(ctx: Context, type: KeyType, attributes: string[]): Promise<T[]> {
  const out: T[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(type, attributes)) {
    out.push(JSON.parse(Buffer.from(entry.value).toString('utf8')) as T);
  }
  return out;
}

export function checkId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, `${field} must be ${ID_RULE}`, { field });
  return value;
}

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
