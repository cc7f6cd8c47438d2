import type { JournalEntry } from './journal';

/**
 * Which pending readings go into the next transaction. Pure: the bridge passes what is pending
 * (in journal order) and what is in flight, and gets back the batch.
 *
 * - At most `maxSize` readings.
 * - A meter whose readings are in a transaction still in flight gets none in this one, so that
 *   two concurrent transactions never touch the same meter's keys (MVCC conflicts) and a
 *   meter's readings reach the ledger in the order they were received.
 * - A batch holds at most one reading per meter and interval (a redelivered copy, or a
 *   conflicting second reading, waits for a later batch); once one of a meter's readings is held
 *   back, all its later ones are too, so that per-meter order is kept.
 * - Meters go whole, the one with the oldest waiting reading first: a batch takes everything a
 *   meter may send before it starts on the next meter. A meter that uploads a backlog (a day of
 *   readings after an outage, in any order) then goes in a few transactions that each read its
 *   keys once, instead of one or two of its readings in every batch while it blocks the others.
 *   Only the first `scanLimit` pending readings are looked at, so that a large backlog does not
 *   make every selection walk all of it.
 */
export function selectBatch(
  pending: Iterable<JournalEntry>,
  inFlightIds: ReadonlySet<number>,
  busyMeters: ReadonlySet<string>,
  maxSize: number,
  scanLimit = 50 * maxSize,
): JournalEntry[] {
  const byMeter = new Map<string, { entries: JournalEntry[]; intervals: Set<string>; heldBack: boolean }>();
  let scanned = 0;
  for (const entry of pending) {
    if (scanned++ >= scanLimit) break;
    if (inFlightIds.has(entry.id)) continue;
    const { meterId, intervalStart } = entry.reading;
    if (busyMeters.has(meterId)) continue;
    let meter = byMeter.get(meterId);
    if (meter === undefined) {
      meter = { entries: [], intervals: new Set(), heldBack: false };
      byMeter.set(meterId, meter);
    }
    if (meter.heldBack) continue;
    if (meter.intervals.has(intervalStart)) {
      meter.heldBack = true;
      continue;
    }
    meter.intervals.add(intervalStart);
    meter.entries.push(entry);
  }
  const batch: JournalEntry[] = [];
  for (const { entries } of byMeter.values()) {
    for (const entry of entries) {
      if (batch.length >= maxSize) return batch;
      batch.push(entry);
    }
  }
  return batch;
}

export interface FlushPolicy {
  /** Readings per transaction (the contract's limit is the upper bound). */
  maxBatch: number;
  /** How long the oldest waiting reading may wait for the batch to fill. */
  lingerMs: number;
}

/**
 * Whether to submit now: a full batch is ready, or the oldest waiting reading has waited the
 * linger time. Returns the milliseconds to wait otherwise (undefined when nothing waits).
 */
export function flushDelay(
  waiting: number,
  oldestWaitingSinceMs: number | undefined,
  nowMs: number,
  policy: FlushPolicy,
): number | undefined {
  if (waiting === 0 || oldestWaitingSinceMs === undefined) return undefined;
  if (waiting >= policy.maxBatch) return 0;
  return Math.max(0, oldestWaitingSinceMs + policy.lingerMs - nowMs);
}

/** Exponential backoff after consecutive ledger failures: base·2^(n-1), capped, with ±20% jitter. */
export function backoffMs(failures: number, baseMs = 250, maxMs = 30_000, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const raw = Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(raw * (0.8 + 0.4 * random()));
}
