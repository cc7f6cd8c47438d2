/**
 * A participant's baseline from its verified readings (docs/flexibility.md): the like days before
 * the event, most recent first, each left out when the participant was opted in to an event that day
 * or when a reading of one of its meters is missing in the intervals the baseline reads (an outage
 * and a missing reading look the same on the ledger); the search stops when the method has its
 * days or the lookback is used up. The core computes the figures (computeBaseline).
 */
import { Context } from 'fabric-contract-api';
import {
  BASELINE_METHODS,
  baselineIntervals,
  computeBaseline,
  DAY_SECONDS,
  dateOf,
  DayLoads,
  dayTypeOf,
  FlexEvent,
  formatInstant,
  likeDayOffsets,
  parseInstant,
} from '@gridledger/core';
import { failIfArchived, hourPastHorizon } from '../energy/archive';
import { loadMeteringParams } from '../energy/grid';
import { readReading } from '../energy/privacy';
import { listRecords } from '../paging';
import { KeyTypes, readingHourOf } from '../keys';
import { txInstant } from '../ledger';
import { BaselineDay, BaselineRecord, OptInIndex, OptInRecord } from './store';

/** The summed verified import of `meterIds` in each interval (epoch seconds); null when any meter lacks a reading in any of them. */
export async function verifiedConsumption(ctx: Context, meterIds: readonly string[], starts: readonly number[]): Promise<number[] | null> {
  const out: number[] = [];
  for (const s of starts) {
    let wh = 0;
    for (const meterId of meterIds) {
      const reading = await readReading(ctx, meterId, formatInstant(s));
      if (reading === undefined) return null;
      wh += reading.importWh;
    }
    out.push(wh);
  }
  return out;
}

/** Whether the hour of any of `starts` (epoch seconds) is past every horizon of the readings (energy/archive.ts). */
async function pastHorizon(ctx: Context, starts: readonly number[]): Promise<boolean> {
  const params = await loadMeteringParams(ctx);
  return starts.some((s) => hourPastHorizon(ctx, readingHourOf(formatInstant(s)), params));
}

/**
 * READING_ARCHIVED (410) when a reading of `meterIds` in `intervals` (those found lacking one) is not
 * found and its hour is past every horizon: what the ledger no longer holds in its state is not
 * counted as an outage.
 */
export async function failIfReadingArchived(ctx: Context, meterIds: readonly string[], intervals: readonly string[]): Promise<void> {
  for (const intervalStart of intervals)
    for (const meterId of meterIds)
      if ((await readReading(ctx, meterId, intervalStart)) === undefined) await failIfArchived(ctx, meterId, intervalStart);
}

/** Per interval: the verified consumption, or null for an interval where a meter lacks a reading. */
export async function consumptionByInterval(ctx: Context, meterIds: readonly string[], intervals: readonly string[]) {
  const out: (number | null)[] = [];
  for (const s of intervals) out.push(((await verifiedConsumption(ctx, meterIds, [parseInstant(s)!])) ?? [null])[0]);
  return out;
}

/** The UTC dates on which the participant is opted in to an event other than `eventId`. */
async function eventDaysOf(ctx: Context, participantId: string, eventId: string): Promise<Set<string>> {
  const days = new Set<string>();
  for (const e of await listRecords<OptInIndex>(ctx, KeyTypes.flexOptInBy, [participantId])) {
    if (e.eventId === eventId) continue;
    days.add(dateOf(parseInstant(e.start)!));
    days.add(dateOf(parseInstant(e.end)! - 1));
  }
  return days;
}

export async function buildBaseline(ctx: Context, event: FlexEvent, optIn: OptInRecord): Promise<BaselineRecord> {
  const spec = event.baseline;
  const starts = event.intervals.map((s) => parseInstant(s)!);
  const dayType = dayTypeOf(starts[0], spec.holidays);
  const needed = BASELINE_METHODS[spec.method].likeDays(dayType);
  const eventDays = await eventDaysOf(ctx, optIn.participantId, event.eventId);
  const days: BaselineDay[] = [];
  const eligible: DayLoads[] = [];
  for (const back of likeDayOffsets(starts[0], spec)) {
    if (eligible.length >= needed) break;
    const day = dateOf(starts[0] - back * DAY_SECONDS);
    if (eventDays.has(day)) {
      days.push({ day, status: 'event' });
      continue;
    }
    const at = baselineIntervals(starts, event.intervalSeconds, spec, back);
    const eventWh = await verifiedConsumption(ctx, optIn.meterIds, at.event);
    const adjustmentWh = eventWh === null ? null : await verifiedConsumption(ctx, optIn.meterIds, at.adjustment);
    if (eventWh === null || adjustmentWh === null) {
      // A reading not found past every horizon may have left the state (docs/bounded-state.md): not an outage. Older days are older still.
      if (await pastHorizon(ctx, [...at.event, ...at.adjustment])) {
        days.push({ day, status: 'archived' });
        break;
      }
      days.push({ day, status: 'missing' });
      continue;
    }
    days.push({ day, status: 'eligible', eventWh, adjustmentWh });
    eligible.push({ day, eventWh, adjustmentWh });
  }
  const today = baselineIntervals(starts, event.intervalSeconds, spec, 0).adjustment;
  const eventDayAdjustmentWh = await verifiedConsumption(ctx, optIn.meterIds, today);
  return {
    eventId: event.eventId,
    participantId: optIn.participantId,
    intervals: event.intervals,
    days,
    eventDayAdjustmentWh,
    ...computeBaseline(spec, dayType, eligible, eventDayAdjustmentWh, starts.length),
    fixedAt: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
}
