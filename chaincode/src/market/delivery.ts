/**
 * The one place where settlement learns what a participant delivered: the energy positions that
 * window close fixed for the metering intervals inside the market interval, read through
 * settledPositionOf (energy/positions.ts). Settlement waits for those windows to be closed (a
 * ledger state, not the clock): the metering rules decide what is estimated, not the market.
 */
import { Context } from 'fabric-contract-api';
import { compareIds, ErrorCodes, formatInstant, GridLedgerError, MeterRecord } from '@gridledger/core';
import { settledPositionOf } from '../energy/positions';
import { activeContractsIn } from './bilateral-store';
import { getRecord } from '../ledger';
import { metersOf } from '../registry';
import { key, KeyTypes } from '../keys';
import { loadMeteringParams } from '../energy/grid';

export type Delivery =
  /** Every window closed: the sum of the positions; estimated when any of them is (money only, no tokens). */
  | { kind: 'settled'; netWh: number; estimated: boolean }
  /** Some metering window of the interval is not closed yet, or a contract of the participant not settled: settlement waits. */
  | { kind: 'pending'; openWindows: string[]; unsettledContracts?: string[] };

/** The participant's active meters of the community, by meter id. */
export async function meteredMeters(ctx: Context, participantId: string, communityId: string): Promise<MeterRecord[]> {
  return (await metersOf(ctx, participantId)).filter((m) => m.active && m.communityId === communityId);
}

/** The participant's sell capacity in the community (its active meters' export capacity over one interval, in Wh) and its zone. */
export async function sellCapacityWh(
  ctx: Context,
  participantId: string,
  communityId: string,
  intervalSeconds: number,
): Promise<{ meters: number; capacityWh: number; zone?: string }> {
  const meters = await meteredMeters(ctx, participantId, communityId);
  const watts = meters.reduce((s, m) => s + BigInt(m.exportCapacityW), 0n);
  // The participant's zone for a zonal clearing: its meters' site zone (the first in id order when they differ).
  const zone = meters
    .map((m) => m.zone)
    .filter((z): z is string => z !== undefined)
    .sort(compareIds)[0];
  return { meters: meters.length, capacityWh: Number((watts * BigInt(intervalSeconds)) / 3600n), ...(zone !== undefined ? { zone } : {}) };
}

/**
 * The metering intervals (their starts) that make up the market interval [start, start + length):
 * a market interval must be a whole number of metering intervals (SETTLEMENT_INPUT_INVALID if not).
 */
export async function meteringIntervalsOf(ctx: Context, startSeconds: number, lengthSeconds: number): Promise<string[]> {
  const { intervalSeconds } = await loadMeteringParams(ctx);
  if (startSeconds % intervalSeconds !== 0 || lengthSeconds % intervalSeconds !== 0) {
    throw new GridLedgerError(
      ErrorCodes.SETTLEMENT_INPUT_INVALID,
      `a market interval of ${lengthSeconds} s is not a whole number of ${intervalSeconds} s metering intervals`,
      {
        meteringIntervalSeconds: String(intervalSeconds),
      },
    );
  }
  const out: string[] = [];
  for (let t = startSeconds; t < startSeconds + lengthSeconds; t += intervalSeconds) out.push(formatInstant(t));
  return out;
}

/**
 * A participant's metered position over a market interval: the sum of its positions (netWh) of
 * the metering intervals inside it (meteringIntervalsOf, computed once per transaction by the
 * caller), estimated when any of them is; pending while any of their windows is open.
 */
export async function positionOver(
  ctx: Context,
  communityId: string,
  participantId: string,
  meteringIntervals: readonly string[],
): Promise<Delivery> {
  let netWh = 0;
  let estimated = false;
  const openWindows: string[] = [];
  for (const intervalStart of meteringIntervals) {
    const position = await settledPositionOf(ctx, communityId, participantId, intervalStart);
    if (position === undefined) openWindows.push(intervalStart);
    else {
      netWh += position.netWh;
      estimated ||= position.estimated;
    }
  }
  return openWindows.length > 0 ? { kind: 'pending', openWindows } : { kind: 'settled', netWh, estimated };
}

/**
 * What the spot settlement settles of a participant over [start, start + length): its position
 * (positionOver) with the volume of its bilateral contracts delivering in the interval taken out
 * (sold added back, bought taken off). Pending until those contracts' settlement of the interval
 * is done, since it settles their share first.
 */
export async function deliveryOf(
  ctx: Context,
  communityId: string,
  participantId: string,
  startSeconds: number,
  meteringIntervals: readonly string[],
): Promise<Delivery> {
  const position = await positionOver(ctx, communityId, participantId, meteringIntervals);
  if (position.kind === 'pending') return position;
  const contracts = await activeContractsIn(ctx, participantId, startSeconds);
  const intervalStart = formatInstant(startSeconds);
  const unsettled: string[] = [];
  let netWh = position.netWh;
  for (const c of contracts) {
    if ((await getRecord(ctx, key(ctx, KeyTypes.contractSettled, c.communityId, intervalStart))) === undefined)
      unsettled.push(c.contractId);
    netWh += c.sellerId === participantId ? -c.energyWhPerInterval : c.energyWhPerInterval;
  }
  return unsettled.length > 0 ? { kind: 'pending', openWindows: [], unsettledContracts: unsettled } : { ...position, netWh };
}
