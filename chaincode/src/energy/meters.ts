/** A meter's life after registration: exchanged for a new one (a new register epoch) or retired. */
import { Context } from 'fabric-contract-api';
import { ErrorCodes, GridLedgerError, MeterExchange, MeterRecord, StoredReading, validateMeterExchange } from '@gridledger/core';
import { actorOf, requireOperator, requireRole } from '../access';
import { checkId, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant } from '../ledger';
import { loadMeter } from '../registry';
import { loadMeteringParams } from './grid';

/**
 * `{ meterId, effectiveFrom, publicKeyPem, firstSeq, importRegisterWh, exportRegisterWh }` by an
 * operator of CommunityMSP: from effectiveFrom on, readings are signed by the new key and
 * counted from the new seq and registers. effectiveFrom must lie after the meter's latest reading.
 */
export async function exchangeMeter(ctx: Context, request: string): Promise<MeterExchange> {
  const caller = requireOperator(ctx, 'exchanging a meter');
  const params = await loadMeteringParams(ctx);
  const exchange = validateMeterExchange(parseObjectArgument(request, 'the exchange'), params.intervalSeconds);
  const meter = await loadMeter(ctx, exchange.meterId);
  if (!meter.active)
    throw new GridLedgerError(ErrorCodes.METER_INACTIVE, `meter ${meter.meterId} is not active`, { meterId: meter.meterId });
  const head = await getRecord<StoredReading>(ctx, key(ctx, KeyTypes.readingHead, meter.meterId));
  const last = meter.exchanges?.[meter.exchanges.length - 1]?.effectiveFrom;
  const floor = [head?.intervalStart, last]
    .filter((x): x is string => x !== undefined)
    .sort()
    .pop();
  if (floor !== undefined && exchange.effectiveFrom <= floor) {
    throw new GridLedgerError(ErrorCodes.ASSET_INVALID, `effectiveFrom must lie after ${floor}, the meter's latest reading or exchange`, {
      field: 'effectiveFrom',
    });
  }
  const record: MeterExchange = { ...exchange, txId: ctx.stub.getTxID(), exchangedAt: txInstant(ctx) };
  const updated: MeterRecord = { ...meter, exchanges: [...(meter.exchanges ?? []), record] };
  await putRecord(ctx, key(ctx, KeyTypes.meter, meter.meterId), updated);
  const { publicKeyPem: _k, ...announced } = record;
  setEvent(ctx, 'MeterExchanged', { ...announced, exchangedBy: actorOf(ctx, caller) });
  return record;
}

/** Retires a meter (operator of its MSP): its new readings are refused with METER_INACTIVE, retries of stored ones stay duplicates. */
export async function retireMeter(ctx: Context, meterId: string): Promise<MeterRecord> {
  const caller = requireRole(ctx, ['operator'], 'retiring a meter');
  const meter = await loadMeter(ctx, checkId(meterId, 'meterId'));
  if (meter.mspId !== caller.mspId)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `meter ${meterId} belongs to ${meter.mspId}`, { meterId });
  if (!meter.active) return meter;
  const record: MeterRecord = { ...meter, active: false, retiredAt: txInstant(ctx) };
  await putRecord(ctx, key(ctx, KeyTypes.meter, meterId), record);
  return record;
}
