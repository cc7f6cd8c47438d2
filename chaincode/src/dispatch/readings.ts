/**
 * The meter's verified readings a dispatch's settlement is capped by (docs/dispatch.md, "Which
 * measurement"): read from the ledger by the chaincode itself, never taken from the caller.
 */
import type { Context } from 'fabric-contract-api';
import {
  DEFAULT_READINGS_WAIT_SECONDS,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  readingIntervals,
  readingsCapWh,
  secondsOf,
  type DispatchDelivery,
  type DispatchRecord,
} from '@gridledger/core';
import { loadMeteringParams } from '../energy/grid';
import { readReading } from '../energy/privacy';
import { txSeconds } from '../ledger';

export const setpointEnd = (d: DispatchRecord): number => secondsOf(d.startAt) + d.durationSeconds;
/** A dispatch recorded before readingsBy existed waits the default. */
const readingsByOf = (d: DispatchRecord): string =>
  (d as Partial<DispatchRecord>).readingsBy ?? formatInstant(setpointEnd(d) + DEFAULT_READINGS_WAIT_SECONDS);

/** The intervals a dispatch's readings were read from: [baselineFrom, from) before, [from, to) during. */
export type DispatchReadings = NonNullable<DispatchDelivery['readings']>;

/**
 * What the meter's verified readings allow the dispatch to have delivered (Wh), read here from the ledger: the rise of its net
 * export over the setpoint's metering intervals against as many before (core's readingIntervals, readingsCapWh), with the
 * intervals read; undefined while one of them is missing. Import is in the consumption collection: the transaction is endorsed
 * by its members.
 */
export async function dispatchReadings(
  ctx: Context,
  d: DispatchRecord,
): Promise<{ capWh: number; readings: DispatchReadings } | undefined> {
  const { intervalSeconds } = await loadMeteringParams(ctx);
  const { before, during } = readingIntervals(secondsOf(d.startAt), d.durationSeconds, intervalSeconds);
  const netOf = async (starts: number[]): Promise<number | undefined> => {
    let net = 0;
    for (const start of starts) {
      const reading = await readReading(ctx, d.meterId, formatInstant(start));
      if (reading === undefined) return undefined;
      net += reading.exportWh - reading.importWh;
    }
    return net;
  };
  const beforeNet = await netOf(before);
  const duringNet = beforeNet === undefined ? undefined : await netOf(during);
  if (beforeNet === undefined || duringNet === undefined) return undefined;
  return {
    capWh: readingsCapWh(d.powerW, duringNet, beforeNet),
    readings: {
      baselineFrom: formatInstant(before[0]),
      from: formatInstant(during[0]),
      to: formatInstant(during[during.length - 1] + intervalSeconds),
    },
  };
}

/**
 * The readings' cap at settlement: while a reading is missing DISPATCH_READINGS_PENDING until readingsBy, undefined (telemetry
 * alone) from then on.
 */
export async function readingsCap(ctx: Context, d: DispatchRecord): Promise<{ capWh: number; readings: DispatchReadings } | undefined> {
  const found = await dispatchReadings(ctx, d);
  if (found !== undefined) return found;
  const readingsBy = readingsByOf(d);
  if (txSeconds(ctx) < secondsOf(readingsBy))
    throw new GridLedgerError(ErrorCodes.DISPATCH_READINGS_PENDING, `dispatch ${d.dispatchId} waits for its meter's readings`, {
      dispatchId: d.dispatchId,
      meterId: d.meterId,
      readingsBy,
    });
  return undefined;
}
