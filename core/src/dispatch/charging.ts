/**
 * EV smart charging (docs/dispatch.md, "Smart charging"): a session's energy placed into the
 * cheapest intervals between arrival and departure, never above the charger's power or the
 * feeder's headroom in an interval. With a cost linear in the energy of each interval, filling the
 * cheapest capacity first is optimal (the test checks it against brute force on small cases).
 */
import { compareIds } from '../core/identity';
import { secondsOf } from './resource';

export interface ChargingSession {
  arrivalAt: string;
  departureAt: string;
  /** Energy the EV needs by its departure (Wh). */
  energyWh: number;
  /** The charger's (and the owner's) power limit (W). */
  maxPowerW: number;
}

/** One market interval as the schedule sees it: its price and the feeder's room for more import. */
export interface PriceInterval {
  intervalStart: string;
  intervalSeconds: number;
  priceMicrosPerKwh: number;
  headroomW: number;
}

export interface ChargingSlot {
  intervalStart: string;
  energyWh: number;
  /** The charging power over the part of the interval inside the session, rounded up (never above the limits). */
  powerW: number;
  priceMicrosPerKwh: number;
}

export interface ChargingSchedule {
  /** Whether the session's energy is met by its departure. */
  feasible: boolean;
  energyWh: number;
  shortfallWh: number;
  /** Σ energy × price / 1000 over the slots, rounded up. */
  costMicros: number;
  slots: ChargingSlot[];
}

/** Seconds of the interval inside [arrival, departure). */
function overlapSeconds(s: ChargingSession, i: PriceInterval): number {
  const start = secondsOf(i.intervalStart);
  return Math.max(0, Math.min(start + i.intervalSeconds, secondsOf(s.departureAt)) - Math.max(start, secondsOf(s.arrivalAt)));
}

/** The most energy the interval can take (Wh): its time in the session at the lower of the charger's power and the headroom. */
export function slotCapacityWh(s: ChargingSession, i: PriceInterval): number {
  const power = Math.max(0, Math.min(s.maxPowerW, i.headroomW));
  return Math.floor((power * overlapSeconds(s, i)) / 3600);
}

/** The cost (µ, rounded up) of the given energy per interval. */
export const scheduleCostMicros = (slots: readonly { energyWh: number; priceMicrosPerKwh: number }[]): number => {
  const sum = slots.reduce((acc, x) => acc + BigInt(x.energyWh) * BigInt(x.priceMicrosPerKwh), 0n);
  return Number((sum + 999n) / 1000n);
};

/** The cheapest schedule meeting the session's energy; when it cannot be met, the most energy the intervals take. */
export function scheduleCharging(s: ChargingSession, intervals: readonly PriceInterval[]): ChargingSchedule {
  const ranked = intervals
    .map((i) => ({ i, capacity: slotCapacityWh(s, i) }))
    .filter((x) => x.capacity > 0)
    .sort((a, b) => a.i.priceMicrosPerKwh - b.i.priceMicrosPerKwh || compareIds(a.i.intervalStart, b.i.intervalStart));
  let left = s.energyWh;
  const slots: ChargingSlot[] = [];
  for (const { i, capacity } of ranked) {
    if (left <= 0) break;
    const energyWh = Math.min(capacity, left);
    left -= energyWh;
    const powerW = Math.ceil((energyWh * 3600) / overlapSeconds(s, i));
    slots.push({ intervalStart: i.intervalStart, energyWh, powerW, priceMicrosPerKwh: i.priceMicrosPerKwh });
  }
  slots.sort((a, b) => compareIds(a.intervalStart, b.intervalStart));
  const energyWh = s.energyWh - left;
  return { feasible: left === 0, energyWh, shortfallWh: left, costMicros: scheduleCostMicros(slots), slots };
}
