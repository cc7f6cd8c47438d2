/**
 * A dispatch's settlement (docs/dispatch.md, "Delivery and payment"): the delivery telemetry shows, capped by what the meter's
 * readings allow, paid to the owner by the settlement bank; and, for one settled from telemetry alone because its readings were
 * missing at readingsBy, its re-settlement once they arrive (or once the late window has closed on them).
 */
import type { Context } from 'fabric-contract-api';
import {
  deliveredWh,
  dispatchPaymentMicros,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  reconcileDelivery,
  resettleDelivery,
  safeMicros,
  type DispatchDelivery,
  type DispatchRecord,
} from '@gridledger/core';
import { loadMeteringParams } from '../energy/grid';
import { key, KeyTypes } from '../keys';
import { putRecord, setEvent, txSeconds } from '../ledger';
import { AccountOverlay } from '../market/accounts';
import { dispatchReadings, readingsCap, setpointEnd } from './readings';
import { DispatchEvents, dispatchKey, openKey, stateInvalid } from './records';

/** What the dispatch service measured from telemetry. */
export type DeliveryFigures = Pick<DispatchDelivery, 'baselineW' | 'duringW' | 'samples'>;

/** Money between the owner and the settlement bank (the utility's side as an entry, so accounts + utility = supply holds). */
async function post(ctx: Context, d: DispatchRecord, kind: string, entry: string, ownerMicros: number): Promise<void> {
  if (ownerMicros === 0) return;
  const accounts = new AccountOverlay(ctx);
  await accounts.change(d.ownerId, kind, d.dispatchId, ownerMicros);
  await accounts.flush();
  await putRecord(ctx, key(ctx, KeyTypes.utilityEntry, d.communityId, d.startAt, entry), {
    amountMicros: -ownerMicros,
    ref: `dispatch/${d.dispatchId}`,
  });
}

/** Settles an accepted dispatch that has ended; the same figures again answer the settled record. */
export async function settle(ctx: Context, d: DispatchRecord, figures: DeliveryFigures): Promise<DispatchRecord> {
  const { baselineW, duringW, samples } = figures;
  if (d.status === 'settled') {
    const same = d.delivery?.baselineW === baselineW && d.delivery.duringW === duringW && d.delivery.samples === samples;
    if (same) return d;
  }
  if (d.status !== 'accepted') throw stateInvalid(d, `cannot be settled when ${d.status}`);
  if (txSeconds(ctx) < setpointEnd(d)) throw stateInvalid(d, 'has not ended');
  const telemetryWh = samples === 0 ? 0 : deliveredWh(d.powerW, d.durationSeconds, baselineW, duringW);
  const cap = await readingsCap(ctx, d);
  const reconciled = reconcileDelivery(telemetryWh, cap?.capWh);
  const energy = reconciled.deliveredWh;
  const paymentMicros = safeMicros(BigInt(dispatchPaymentMicros(energy, d.priceMicrosPerKwh)), 'the dispatch payment');
  await post(ctx, d, 'dispatch', `dispatch-${d.dispatchId}`, paymentMicros);
  const next: DispatchRecord = {
    ...d,
    status: 'settled',
    delivery: {
      baselineW,
      duringW,
      samples,
      telemetryWh,
      source: reconciled.source,
      capped: reconciled.capped,
      readings: cap?.readings ?? null,
      deliveredWh: energy,
      paymentMicros,
    },
  };
  await putRecord(ctx, dispatchKey(ctx, d.communityId, d.dispatchId), next);
  // Settled from telemetry alone, it stays open: the service re-settles it when its readings arrive.
  if (reconciled.source !== 'telemetry') await ctx.stub.deleteState(openKey(ctx, d.communityId, d.dispatchId));
  setEvent(ctx, DispatchEvents.settled, next);
  return next;
}

/**
 * Re-settles a dispatch settled from telemetry alone: with its readings now on the ledger, the delivery is capped by them and the
 * owner pays back what the cap takes off (a statement line `dispatch-correction`); with a reading still missing it is
 * DISPATCH_READINGS_PENDING until the late window has closed on the setpoint's last interval, then `no-readings` for good. Once
 * re-settled, the record is answered as it is.
 */
export async function resettle(ctx: Context, d: DispatchRecord): Promise<DispatchRecord> {
  const delivery = d.delivery;
  if (d.status !== 'settled' || delivery === null) throw stateInvalid(d, `cannot be re-settled when ${d.status}`);
  if (delivery.resettlement !== undefined) return d;
  if (delivery.source !== 'telemetry') throw stateInvalid(d, 'was settled with its readings');
  const found = await dispatchReadings(ctx, d);
  if (found === undefined) {
    const { intervalSeconds, lateWindowSeconds } = await loadMeteringParams(ctx);
    const lastIntervalEnd = Math.ceil(setpointEnd(d) / intervalSeconds) * intervalSeconds;
    const until = formatInstant(lastIntervalEnd + lateWindowSeconds);
    if (txSeconds(ctx) < lastIntervalEnd + lateWindowSeconds)
      throw new GridLedgerError(ErrorCodes.DISPATCH_READINGS_PENDING, `dispatch ${d.dispatchId} waits for its meter's readings`, {
        dispatchId: d.dispatchId,
        meterId: d.meterId,
        readingsBy: until,
      });
  }
  const outcome = resettleDelivery(delivery.telemetryWh, delivery.paymentMicros, found?.capWh, d.priceMicrosPerKwh);
  await post(ctx, d, 'dispatch-correction', `dispatch-${d.dispatchId}-correction`, -outcome.clawbackMicros);
  const next: DispatchRecord = {
    ...d,
    delivery: { ...delivery, resettlement: { ...outcome, readings: found?.readings ?? null, at: formatInstant(txSeconds(ctx)) } },
  };
  await putRecord(ctx, dispatchKey(ctx, d.communityId, d.dispatchId), next);
  await ctx.stub.deleteState(openKey(ctx, d.communityId, d.dispatchId));
  setEvent(ctx, DispatchEvents.resettled, next);
  return next;
}
