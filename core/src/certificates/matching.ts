/**
 * Hourly matching (the 24/7 carbon-free score): per hour of a period, a participant's consumption
 * against the certificates claimed for it and the green P2P energy it bought with its attribute
 * (bundled claims). What an hour has beyond its consumption matches nothing: a surplus in one hour
 * never covers another. Shares are integer parts per million, rounded down.
 */
import { HOUR_SECONDS, certificateInputInvalid, parseHourStart } from './bundle';
import { PPM } from '../market/order';
import { formatInstant, parseInstant } from '../core/units';

/** A leap year of hours: the longest period one matching takes. */
export const MAX_MATCHING_HOURS = 366 * 24;

export interface MatchedHour {
  hourStart: string;
  consumptionWh: number;
  claimedWh: number;
  bundledWh: number;
  /** min(consumption, claimed + bundled). */
  matchedWh: number;
  /** matched / consumption in ppm; null in an hour without consumption. */
  matchedPpm: number | null;
}

export interface MatchingResult {
  periodStart: string;
  periodEnd: string;
  hours: MatchedHour[];
  consumptionWh: number;
  matchedWh: number;
  /** Σ matched / Σ consumption in ppm (the 24/7 score); null without consumption. */
  scorePpm: number | null;
}

export interface MatchingInput {
  /** Hour-aligned, end exclusive. */
  periodStart: string;
  periodEnd: string;
  /** The participant's consumption per metering interval (its private positions). */
  consumption: readonly { intervalStart: string; consumptionWh: number }[];
  /** Certificates claimed for the participant, counted in their production hour. */
  claims: readonly { productionStart: string; energyWh: number }[];
  /** Bundled P2P energy bought; only that of regulator-verified renewable assets (green) counts. */
  bundled: readonly { intervalStart: string; energyWh: number; green: boolean }[];
}

export function ppmOf(part: number, whole: number): number | null {
  return whole === 0 ? null : Number((BigInt(part) * BigInt(PPM)) / BigInt(whole));
}

/** The hour an instant falls in, or undefined outside [from, to). */
function hourOf(instant: string, from: number, to: number): number | undefined {
  const t = parseInstant(instant);
  if (t === undefined) throw certificateInputInvalid('intervalStart', 'instants must be UTC');
  return t >= from && t < to ? t - (t % HOUR_SECONDS) : undefined;
}

function addTo(hours: Map<number, number>, hour: number | undefined, wh: number, field: string): void {
  if (!Number.isSafeInteger(wh) || wh < 0) throw certificateInputInvalid(field, `${field} must be non-negative integers`);
  if (hour !== undefined) hours.set(hour, hours.get(hour)! + wh);
}

/** Hour-by-hour matching of one participant over a period; items outside the period are left out. */
export function hourlyMatching(input: MatchingInput): MatchingResult {
  const from = parseHourStart(input.periodStart, 'periodStart');
  const to = parseHourStart(input.periodEnd, 'periodEnd');
  const count = (to - from) / HOUR_SECONDS;
  if (count < 1 || count > MAX_MATCHING_HOURS) throw certificateInputInvalid('periodEnd', `a period is 1 to ${MAX_MATCHING_HOURS} hours`);
  const starts = Array.from({ length: count }, (_, k) => from + k * HOUR_SECONDS);
  const zero = () => new Map(starts.map((t) => [t, 0]));
  const consumed = zero();
  const claimed = zero();
  const bundled = zero();
  for (const c of input.consumption) addTo(consumed, hourOf(c.intervalStart, from, to), c.consumptionWh, 'consumptionWh');
  for (const c of input.claims) addTo(claimed, hourOf(c.productionStart, from, to), c.energyWh, 'energyWh');
  for (const b of input.bundled) if (b.green) addTo(bundled, hourOf(b.intervalStart, from, to), b.energyWh, 'energyWh');
  const hours = starts.map((t): MatchedHour => {
    const consumptionWh = consumed.get(t)!;
    const claimedWh = claimed.get(t)!;
    const bundledWh = bundled.get(t)!;
    const matchedWh = Math.min(consumptionWh, claimedWh + bundledWh);
    return { hourStart: formatInstant(t), consumptionWh, claimedWh, bundledWh, matchedWh, matchedPpm: ppmOf(matchedWh, consumptionWh) };
  });
  const consumptionWh = hours.reduce((s, h) => s + h.consumptionWh, 0);
  const matchedWh = hours.reduce((s, h) => s + h.matchedWh, 0);
  return {
    periodStart: input.periodStart,
    periodEnd: input.periodEnd,
    hours,
    consumptionWh,
    matchedWh,
    scorePpm: ppmOf(matchedWh, consumptionWh),
  };
}

/** What the regulator sees of many participants' matchings: totals only, no participant's hours. */
export function aggregateMatching(results: readonly Pick<MatchingResult, 'consumptionWh' | 'matchedWh'>[]): {
  participants: number;
  consumptionWh: number;
  matchedWh: number;
  scorePpm: number | null;
} {
  const consumptionWh = results.reduce((s, r) => s + r.consumptionWh, 0);
  const matchedWh = results.reduce((s, r) => s + r.matchedWh, 0);
  return { participants: results.length, consumptionWh, matchedWh, scorePpm: ppmOf(matchedWh, consumptionWh) };
}
