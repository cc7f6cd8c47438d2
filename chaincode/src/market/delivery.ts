/**
 * The one place where settlement learns what a participant delivered: its active meters in the
 * community and their verified readings for the interval, by point reads of
 * `reading~meter~intervalStart`. (Estimated reads and energy tokens are being added on another
 * branch; this function is what they replace or extend.)
 */
import { Context } from 'fabric-contract-api';
import { compareIds, formatInstant, MeterInterval, MeterRecord, netPosition } from '@gridledger/core';
import { getRecord, key, KeyTypes } from '../ledger';
import { loadMeteringParams } from '../metering';
import { readReading } from '../energy/privacy';

export type Delivery =
  | { kind: 'verified'; netWh: number }
  /** Readings missing, the late window still open: settlement waits. */
  | { kind: 'pending'; missingMeterIds: string[] }
  /** Readings missing after the late window: settle on the estimate (estimatedPosition in the core). */
  | { kind: 'missing'; missingMeterIds: string[] };

/** The participant's active meters of the community, by meter id. */
export async function meteredMeters(ctx: Context, participantId: string, communityId: string): Promise<MeterRecord[]> {
  const ids: string[] = [];
  for await (const entry of ctx.stub.getStateByPartialCompositeKey(KeyTypes.meterByParticipant, [participantId])) {
    ids.push(ctx.stub.splitCompositeKey(entry.key).attributes[1]);
  }
  const meters: MeterRecord[] = [];
  for (const meterId of ids.sort(compareIds)) {
    const meter = await getRecord<MeterRecord>(ctx, key(ctx, KeyTypes.meter, meterId));
    if (meter !== undefined && meter.active && meter.communityId === communityId) meters.push(meter);
  }
  return meters;
}

/**
 * A participant's delivery over [start, start + length): the readings of every metering interval
 * inside it, of each of its meters, added up (the market interval must be a whole number of
 * metering intervals). A participant without any meter in the community delivered nothing.
 */
export async function deliveryOf(ctx: Context, participantId: string, communityId: string, startSeconds: number, lengthSeconds: number, nowSeconds: number): Promise<Delivery> {
  const { intervalSeconds, lateWindowSeconds } = await loadMeteringParams(ctx);
  const meters = await meteredMeters(ctx, participantId, communityId);
  const found: MeterInterval[] = [];
  const missing: string[] = [];
  for (const meter of meters) {
    for (let t = startSeconds; t < startSeconds + lengthSeconds; t += intervalSeconds) {
      const reading = await readReading(ctx, meter.meterId, formatInstant(t));
      if (reading === undefined) missing.push(meter.meterId);
      else found.push({ meterId: meter.meterId, importWh: reading.importWh, exportWh: reading.exportWh });
    }
  }
  const missingMeterIds = [...new Set(missing)];
  if (missingMeterIds.length === 0) return { kind: 'verified', netWh: netPosition(found).netWh };
  const lateWindowClosed = nowSeconds > startSeconds + lengthSeconds + lateWindowSeconds;
  return lateWindowClosed ? { kind: 'missing', missingMeterIds } : { kind: 'pending', missingMeterIds };
}
