/**
 * A storage contract's use of its battery (docs/storage.md): the battery meter's verified import
 * (energy in) and export (energy out) in each metering interval of the window, shared over the
 * contracts holding a reservation in that interval in proportion to their reserved Wh (largest
 * remainders, ties to the smaller contract id), so that no Wh of the meter counts for two contracts.
 */
import { compareIds } from '../core/identity';
import { shareProRata } from '../core/prorata';
import { parseInstant } from '../core/units';
import { Reservation } from './booking';

export interface MeteredInterval {
  intervalStart: string;
  /** The battery meter's reading; undefined when none is stored (counted as 0, listed in missingIntervals). */
  meter?: { importWh: number; exportWh: number };
  /** The battery's reservations (from its day keys; duplicates allowed). */
  reservations: readonly Reservation[];
}

export interface ContractUsage {
  inWh: number;
  outWh: number;
  intervals: { intervalStart: string; inWh: number; outWh: number; meterInWh: number; meterOutWh: number }[];
  missingIntervals: string[];
}

/** The reservations holding the interval starting at `start`, once each, by contract id. */
function holding(reservations: readonly Reservation[], start: number): Reservation[] {
  const unique = new Map<string, Reservation>();
  for (const r of reservations) if (parseInstant(r.from)! <= start && start < parseInstant(r.to)!) unique.set(r.contractId, r);
  return [...unique.values()].sort((a, b) => compareIds(a.contractId, b.contractId));
}

export function contractUsage(contractId: string, intervals: readonly MeteredInterval[]): ContractUsage {
  const out: ContractUsage = { inWh: 0, outWh: 0, intervals: [], missingIntervals: [] };
  for (const interval of intervals) {
    if (interval.meter === undefined) {
      out.missingIntervals.push(interval.intervalStart);
      continue;
    }
    const holders = holding(interval.reservations, parseInstant(interval.intervalStart)!);
    const own = holders.findIndex((r) => r.contractId === contractId);
    const weights = holders.map((r) => r.reservedWh);
    const inWh = own < 0 ? 0 : shareProRata(interval.meter.importWh, weights)[own];
    const outWh = own < 0 ? 0 : shareProRata(interval.meter.exportWh, weights)[own];
    out.inWh += inWh;
    out.outWh += outWh;
    out.intervals.push({
      intervalStart: interval.intervalStart,
      inWh,
      outWh,
      meterInWh: interval.meter.importWh,
      meterOutWh: interval.meter.exportWh,
    });
  }
  return out;
}
