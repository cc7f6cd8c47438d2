/**
 * Reserving a battery's capacity (docs/storage.md): a storage contract's window and reserved Wh,
 * and the rule that makes overbooking impossible: over any instant of a battery's time line, the
 * reserved Wh of its contracts (confirmed or active) sum to at most its capacity. The ledger keeps
 * a battery's reservations under one key per UTC day they touch, so a confirm reads and writes
 * exactly the days of its window: two confirms of one battery with overlapping windows share a key
 * and conflict (MVCC), other batteries and other days are never touched.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { DAY_SECONDS, formatInstant, parseInstant } from '../core/units';
import { AvailabilityWindow, MAX_STORAGE_WH, storageInstant, storageInteger, storageInvalid } from './battery';

/** A storage contract's window is at most 31 days long. */
export const MAX_STORAGE_WINDOW_SECONDS = 31 * DAY_SECONDS;

/** One contract's hold on a battery: [fromSeconds, toSeconds) and its reserved Wh. */
export interface Reservation {
  contractId: string;
  from: string;
  to: string;
  reservedWh: number;
}

export interface StorageWindow {
  fromSeconds: number;
  toSeconds: number;
}

const secondsOf = (instant: string): number => parseInstant(instant)!;

/**
 * A contract window `from`–`to` checked: instants on the metering grid (`intervalSeconds`), from
 * before to, at most 31 days; it may start in the interval in progress at `nowSeconds`, not before
 * (STORAGE_WINDOW_UNAVAILABLE), and must lie inside one of the battery's availability windows.
 */
export function checkStorageWindow(
  input: { from: unknown; to: unknown },
  availability: readonly AvailabilityWindow[],
  intervalSeconds: number,
  nowSeconds: number,
): StorageWindow {
  const fromSeconds = storageInstant(input.from, 'from');
  const toSeconds = storageInstant(input.to, 'to');
  if (fromSeconds % intervalSeconds !== 0) throw storageInvalid('from', `from must start a ${intervalSeconds} s metering interval`);
  if (toSeconds % intervalSeconds !== 0) throw storageInvalid('to', `to must start a ${intervalSeconds} s metering interval`);
  if (toSeconds <= fromSeconds || toSeconds - fromSeconds > MAX_STORAGE_WINDOW_SECONDS) {
    throw storageInvalid('to', `the window must end after it starts and last at most ${MAX_STORAGE_WINDOW_SECONDS} s`);
  }
  const inProgress = nowSeconds - (((nowSeconds % intervalSeconds) + intervalSeconds) % intervalSeconds);
  if (fromSeconds < inProgress) {
    throw new GridLedgerError(ErrorCodes.STORAGE_WINDOW_UNAVAILABLE, `the window starts before the interval in progress`, {
      from: formatInstant(fromSeconds),
      earliest: formatInstant(inProgress),
    });
  }
  if (!availableOver(availability, { fromSeconds, toSeconds })) {
    throw new GridLedgerError(ErrorCodes.STORAGE_WINDOW_UNAVAILABLE, `the battery is not available for the whole window`, {
      from: formatInstant(fromSeconds),
      to: formatInstant(toSeconds),
    });
  }
  return { fromSeconds, toSeconds };
}

/** Whether one of the availability windows holds the whole window. */
export const availableOver = (availability: readonly AvailabilityWindow[], window: StorageWindow): boolean =>
  availability.some((w) => secondsOf(w.from) <= window.fromSeconds && window.toSeconds <= secondsOf(w.to));

/** Reserved Wh: 1 to the battery's capacity. */
export const checkReservedWh = (value: unknown, capacityWh: number): number =>
  storageInteger(value, 'reservedWh', 1, Math.min(capacityWh, MAX_STORAGE_WH));

/** The UTC days (`YYYY-MM-DD`) that [from, to) touches, in order: the keys a reservation lives under. */
export function windowDays(window: StorageWindow): string[] {
  const days: string[] = [];
  for (let day = window.fromSeconds - (window.fromSeconds % DAY_SECONDS); day < window.toSeconds; day += DAY_SECONDS) {
    days.push(formatInstant(day).slice(0, 10));
  }
  return days;
}

/**
 * The most Wh reserved at any instant of [from, to) by `reservations` (each counted once, by
 * contract id, however many day keys it came from). Exact: the sum only changes where a
 * reservation starts, so it is enough to look at the window's start and at each start inside it.
 */
export function peakReservedWh(reservations: readonly Reservation[], window: StorageWindow): number {
  const unique = new Map<string, Reservation>();
  for (const r of reservations) unique.set(r.contractId, r);
  const spans = [...unique.values()]
    .map((r) => ({ from: secondsOf(r.from), to: secondsOf(r.to), wh: r.reservedWh }))
    .filter((s) => s.from < window.toSeconds && window.fromSeconds < s.to);
  const instants = [window.fromSeconds, ...spans.map((s) => s.from).filter((t) => t > window.fromSeconds)];
  let peak = 0;
  for (const t of instants) {
    let sum = 0;
    for (const s of spans) if (s.from <= t && t < s.to) sum += s.wh;
    peak = Math.max(peak, sum);
  }
  return peak;
}

/** Capacity still free over the whole window. */
export const freeCapacityWh = (capacityWh: number, reservations: readonly Reservation[], window: StorageWindow): number =>
  Math.max(0, capacityWh - peakReservedWh(reservations, window));

/** Refuses (STORAGE_CAPACITY_EXCEEDED, details.freeWh) a reservation the free capacity of its window cannot hold. */
export function requireFreeCapacity(
  capacityWh: number,
  reservations: readonly Reservation[],
  window: StorageWindow,
  reservedWh: number,
  batteryId: string,
): void {
  const freeWh = freeCapacityWh(capacityWh, reservations, window);
  if (reservedWh > freeWh) {
    throw new GridLedgerError(ErrorCodes.STORAGE_CAPACITY_EXCEEDED, `battery ${batteryId} has ${freeWh} Wh free over the window`, {
      batteryId,
      freeWh,
      reservedWh,
    });
  }
}
