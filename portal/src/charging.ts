/**
 * An EV's smart-charging request as a person fills it in (docs/portal.md, Flexibility): the energy in kWh,
 * arrival and departure as local date-times (empty: now, and the EV's registered departure), to the
 * API's request (Wh, UTC instants); the schedule's slots as a chart's series. Pure.
 */
import { instantOf } from './time';
import { parseScaled } from './units';

export interface ChargingForm {
  energyKwh: string;
  /** `YYYY-MM-DDTHH:MM` in the user's zone (an `<input type="datetime-local">`), or empty. */
  arrival: string;
  departure: string;
}

export interface ChargingRequest {
  energyWh: number;
  arrivalAt?: string;
  departureAt?: string;
}

/** A datetime-local value as the ledger's instant (seconds dropped to the minute as typed); undefined when not one. */
export function instantOfLocal(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : instantOf(Math.floor(ms / 1000));
}

export function chargingRequestOf(f: ChargingForm): { request: ChargingRequest } | { invalid: keyof ChargingForm } {
  const energyWh = parseScaled(f.energyKwh, 3);
  if (!energyWh) return { invalid: 'energyKwh' };
  const request: ChargingRequest = { energyWh };
  for (const [field, key] of [
    ['arrival', 'arrivalAt'],
    ['departure', 'departureAt'],
  ] as const) {
    if (!f[field].trim()) continue;
    const at = instantOfLocal(f[field].trim());
    if (at === undefined) return { invalid: field };
    request[key] = at;
  }
  if (request.arrivalAt && request.departureAt && request.departureAt <= request.arrivalAt) return { invalid: 'departure' };
  return { request };
}

/** The schedule's energy per interval, oldest first, for a bar chart. */
export function slotSeries(slots: readonly { intervalStart: string; energyWh: number }[]): { x: number[]; energyWh: number[] } {
  const sorted = [...slots].sort((a, b) => a.intervalStart.localeCompare(b.intervalStart));
  return { x: sorted.map((s) => Date.parse(s.intervalStart) / 1000), energyWh: sorted.map((s) => s.energyWh) };
}

/** The feeder's headroom as a person reads it: the API answers the largest safe integer when no grid model limits the zone. */
export const headroomText = (headroomW: number, formatKw: (w: number) => string): string =>
  headroomW >= Number.MAX_SAFE_INTEGER ? 'no feeder limit known' : `feeder headroom ${formatKw(headroomW)}`;
