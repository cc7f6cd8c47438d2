/**
 * Customer baselines of demand response (docs/flexibility.md): what a participant would have
 * consumed in an event's intervals had there been no event, from its verified consumption on the
 * like days before. Pure and integer: the ledger fixes a baseline with computeBaseline before the
 * event starts, and anyone holding the recorded day loads recomputes it with the same function.
 *
 * A method says how many eligible like days it looks back for and which of them it averages
 * (BaselineMethod); the same-day adjustment and the rounding are the same for every method.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { DAY_SECONDS, formatInstant } from '../core/units';

/** Weekdays, or weekends and the holidays the event names: like days are of the same type. */
export type DayType = 'weekday' | 'weekend-holiday';

/** One like day's verified consumption (Wh) in the event's intervals and in the adjustment intervals, shifted to that day. */
export interface DayLoads {
  /** The UTC date, `YYYY-MM-DD`. */
  day: string;
  eventWh: number[];
  adjustmentWh: number[];
}

/** A way to pick the days a baseline averages. */
export interface BaselineMethod {
  /** How many eligible like days of `dayType` the method looks back for (most recent first). */
  likeDays(dayType: DayType): number;
  /** The days it averages, out of the eligible ones found (most recent first, at most likeDays). */
  select(eligible: readonly DayLoads[], dayType: DayType): DayLoads[];
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * The highest `take` days by consumption over the event's intervals; equal totals: the more recent
 * day. Fewer eligible days than looked for: still the highest `take`, all of them when fewer.
 */
function highest(eligible: readonly DayLoads[], take: number): DayLoads[] {
  return eligible
    .map((d, recency) => ({ d, recency, total: sum(d.eventWh) }))
    .sort((a, b) => b.total - a.total || a.recency - b.recency)
    .slice(0, take)
    .map((x) => x.d);
}

/**
 * The PG&E residential rule: weekdays, the highest 5 of the last 10 eligible weekdays; weekends
 * and holidays, the highest 3 of the last 5 eligible weekend days and holidays.
 */
export const PGE_RESIDENTIAL: BaselineMethod = {
  likeDays: (dayType) => (dayType === 'weekday' ? 10 : 5),
  select: (eligible, dayType) => highest(eligible, dayType === 'weekday' ? 5 : 3),
};

/** The plain average of the last 10 eligible like days (a common commercial baseline; shown beside PG&E's in the accuracy report). */
export const AVERAGE_10_OF_10: BaselineMethod = {
  likeDays: () => 10,
  select: (eligible) => eligible.slice(0, 10),
};

export const BASELINE_METHODS = { 'pge-residential': PGE_RESIDENTIAL, 'average-10-of-10': AVERAGE_10_OF_10 } as const;
export type BaselineMethodName = keyof typeof BASELINE_METHODS;
export const isBaselineMethodName = (v: unknown): v is BaselineMethodName => typeof v === 'string' && Object.hasOwn(BASELINE_METHODS, v);

/** How an event's baselines are computed: the method and its same-day adjustment, the lookback and the holidays. */
export interface BaselineSpec {
  method: BaselineMethodName;
  /** Intervals whose consumption on the event day scales the baseline (0: no adjustment). */
  adjustmentIntervals: number;
  /** Intervals between the end of the adjustment intervals and the event's start (left out: pre-cooling, anticipation). */
  adjustmentGapIntervals: number;
  /** Most the adjustment moves the baseline, up or down, in ppm of it. */
  adjustmentCapPpm: number;
  /** Calendar days before the event day that are searched for like days. */
  lookbackDays: number;
  /** UTC dates `YYYY-MM-DD` that count as holidays (like weekends). */
  holidays: string[];
}

/** PG&E's adjustment hours on a 15-minute grid: the 3 hours ending 1 hour before the event, at most ±40 %; 45 days back. */
export const DEFAULT_BASELINE_SPEC: Readonly<BaselineSpec> = Object.freeze({
  method: 'pge-residential',
  adjustmentIntervals: 12,
  adjustmentGapIntervals: 4,
  adjustmentCapPpm: 400_000,
  lookbackDays: 45,
  holidays: [],
});

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SPEC_FIELDS = ['method', 'adjustmentIntervals', 'adjustmentGapIntervals', 'adjustmentCapPpm', 'lookbackDays', 'holidays'];

function invalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.FLEX_EVENT_INVALID, message, { field });
}

/** A baseline specification: the defaults for what `input` leaves out (undefined: all defaults); FLEX_EVENT_INVALID otherwise. */
export function validateBaselineSpec(input: unknown): BaselineSpec {
  if (input === undefined) return { ...DEFAULT_BASELINE_SPEC, holidays: [] };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('baseline', 'baseline must be a JSON object');
  const r = input as Record<string, unknown>;
  for (const f of Object.keys(r).sort()) if (!SPEC_FIELDS.includes(f)) throw invalid(`baseline.${f}`, `${f} is not a field of a baseline`);
  const method = r.method ?? DEFAULT_BASELINE_SPEC.method;
  if (!isBaselineMethodName(method)) throw invalid('baseline.method', `method must be one of ${Object.keys(BASELINE_METHODS).join(', ')}`);
  const int = (f: 'adjustmentIntervals' | 'adjustmentGapIntervals' | 'adjustmentCapPpm' | 'lookbackDays', min: number, max: number) => {
    const v = r[f] ?? DEFAULT_BASELINE_SPEC[f];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
      throw invalid(`baseline.${f}`, `${f} must be an integer from ${min} to ${max}`);
    return v;
  };
  const holidays = r.holidays ?? [];
  if (!Array.isArray(holidays) || holidays.length > 60 || holidays.some((h) => typeof h !== 'string' || !DATE.test(h)))
    throw invalid('baseline.holidays', 'holidays must be at most 60 dates YYYY-MM-DD');
  return {
    method,
    adjustmentIntervals: int('adjustmentIntervals', 0, 96),
    adjustmentGapIntervals: int('adjustmentGapIntervals', 0, 96),
    adjustmentCapPpm: int('adjustmentCapPpm', 0, 1_000_000),
    lookbackDays: int('lookbackDays', 1, 60),
    holidays: [...new Set(holidays as string[])].sort(),
  };
}

/** The UTC date of an instant in epoch seconds. */
export const dateOf = (seconds: number): string => formatInstant(seconds).slice(0, 10);

/** Weekday or weekend/holiday, by the UTC date of `seconds`. */
export function dayTypeOf(seconds: number, holidays: readonly string[]): DayType {
  const weekday = new Date(seconds * 1000).getUTCDay();
  return weekday === 0 || weekday === 6 || holidays.includes(dateOf(seconds)) ? 'weekend-holiday' : 'weekday';
}

/** The days before the event day (offsets 1..lookbackDays, most recent first) of the event day's type. */
export function likeDayOffsets(eventStartSeconds: number, spec: BaselineSpec): number[] {
  const type = dayTypeOf(eventStartSeconds, spec.holidays);
  const out: number[] = [];
  for (let back = 1; back <= spec.lookbackDays; back++)
    if (dayTypeOf(eventStartSeconds - back * DAY_SECONDS, spec.holidays) === type) out.push(back);
  return out;
}

/** The interval starts (epoch seconds) a baseline reads on a day `back` days before the event: the event's, then the adjustment ones. */
export function baselineIntervals(
  eventIntervals: readonly number[],
  intervalSeconds: number,
  spec: BaselineSpec,
  back = 0,
): { event: number[]; adjustment: number[] } {
  const shift = back * DAY_SECONDS;
  const first = eventIntervals[0] - (spec.adjustmentGapIntervals + spec.adjustmentIntervals) * intervalSeconds;
  return {
    event: eventIntervals.map((s) => s - shift),
    adjustment: Array.from({ length: spec.adjustmentIntervals }, (_, k) => first + k * intervalSeconds - shift),
  };
}

/**
 * How far before the event's first interval its baseline reads: the lookback's days and the
 * adjustment intervals before them. Those readings must still be in the state when the baseline is
 * fixed (before the start), so an event whose reach is not shorter than the readings' horizon
 * (docs/bounded-state.md) is refused.
 */
export const baselineReachSeconds = (spec: BaselineSpec, intervalSeconds: number): number =>
  spec.lookbackDays * DAY_SECONDS + (spec.adjustmentGapIntervals + spec.adjustmentIntervals) * intervalSeconds;

/**
 * FLEX_EVENT_INVALID when the baseline reaches as far back as the readings' horizon (the longer of
 * the late window and archiveAfterSeconds), less the hour a reading's hour may start before it.
 */
export function checkBaselineReach(spec: BaselineSpec, intervalSeconds: number, horizonSeconds: number): void {
  const reach = baselineReachSeconds(spec, intervalSeconds);
  if (reach + 3600 > horizonSeconds)
    throw invalid(
      'baseline.lookbackDays',
      `the baseline reads ${reach} s before the event, but readings leave the state ${horizonSeconds} s after their hour: ` +
        'shorten lookbackDays or the adjustment intervals, or lengthen archiveAfterSeconds',
    );
}

/** A fixed baseline: the days used, the adjustment and the Wh per event interval. */
export interface BaselineFigures {
  method: BaselineMethodName;
  dayType: DayType;
  /** The eligible like days found, most recent first. */
  eligibleDays: string[];
  /** The days averaged. */
  selectedDays: string[];
  /** The average of the selected days per event interval, unrounded numerator: Wh × selected days. */
  selectedSumWh: number[];
  /** The event day's consumption in the adjustment intervals (null: a reading missing, so no adjustment). */
  adjustmentActualWh: number | null;
  /** The adjustment factor in ppm (1,000,000: none), after the cap. */
  adjustmentPpm: number;
  /** The baseline per event interval (Wh): empty when no eligible day was found (no baseline, no payment). */
  baselineWh: number[];
}

const PPM = 1_000_000n;

/** a / b rounded half up, for non-negative BigInts (b > 0). */
const divHalfUp = (a: bigint, b: bigint): bigint => (2n * a + b) / (2n * b);

/**
 * The baseline from the eligible like days (most recent first, already cut to the method's
 * likeDays) and the event day's adjustment intervals (null when a reading is missing).
 * Adjustment: the event day's adjustment-interval consumption over the selected days' average of
 * the same intervals, in ppm rounded half up, held within 1,000,000 ± adjustmentCapPpm; none (1,000,000)
 * when the event day lacks a reading, the spec has no adjustment intervals or the selected days
 * consumed nothing then. Each interval's baseline is the selected days' sum × factor / (days ×
 * 1,000,000), rounded half up: one rounding per figure.
 */
export function computeBaseline(
  spec: BaselineSpec,
  dayType: DayType,
  eligible: readonly DayLoads[],
  eventDayAdjustmentWh: readonly number[] | null,
  eventIntervalCount: number,
): BaselineFigures {
  const method = BASELINE_METHODS[spec.method];
  const used = eligible.slice(0, method.likeDays(dayType));
  const selected = method.select(used, dayType);
  const n = BigInt(selected.length);
  const selectedSumWh = Array.from({ length: eventIntervalCount }, (_, i) => sum(selected.map((d) => d.eventWh[i])));
  const adjustmentActualWh = eventDayAdjustmentWh === null ? null : sum(eventDayAdjustmentWh);
  const selectedAdjustment = BigInt(sum(selected.map((d) => sum(d.adjustmentWh))));
  let adjustmentPpm = PPM;
  if (adjustmentActualWh !== null && spec.adjustmentIntervals > 0 && selectedAdjustment > 0n) {
    const raw = divHalfUp(BigInt(adjustmentActualWh) * n * PPM, selectedAdjustment);
    const cap = BigInt(spec.adjustmentCapPpm);
    adjustmentPpm = raw < PPM - cap ? PPM - cap : raw > PPM + cap ? PPM + cap : raw;
  }
  return {
    method: spec.method,
    dayType,
    eligibleDays: used.map((d) => d.day),
    selectedDays: selected.map((d) => d.day),
    selectedSumWh,
    adjustmentActualWh,
    adjustmentPpm: Number(adjustmentPpm),
    baselineWh: n === 0n ? [] : selectedSumWh.map((s) => Number(divHalfUp(BigInt(s) * adjustmentPpm, n * PPM))),
  };
}

/**
 * Relative RMSE of predicted against actual values (the accuracy figure of a baseline method on
 * days without an event): the root mean square error over the mean actual value. A report figure,
 * never stored: floating point is fine here.
 */
export function relativeRmse(pairs: readonly { predicted: number; actual: number }[]): number {
  if (pairs.length === 0) return NaN;
  const mse = pairs.reduce((s, p) => s + (p.predicted - p.actual) ** 2, 0) / pairs.length;
  const mean = pairs.reduce((s, p) => s + p.actual, 0) / pairs.length;
  return Math.sqrt(mse) / mean;
}
