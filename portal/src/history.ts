/**
 * A household's history beyond today: a local day or week (the user's time zone, so a day may have 23
 * or 25 hours), read from the readings route in ranges it accepts, summed per interval over the meters.
 */

export type Period = 'day' | 'week';

/** listReadings spans at most this many intervals (chaincode/src/metering.ts MAX_LIST_INTERVALS). */
export const MAX_READ_INTERVALS = 1000;

/** The browser's time zone (the zone every view shows times in). */
const userZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** The wall-clock parts of an instant in `timeZone`. */
function wallClock(ms: number, timeZone: string): { y: number; m: number; d: number; utcMs: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return {
    y: n('year'),
    m: n('month'),
    d: n('day'),
    utcMs: Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second')),
  };
}

/** The instant (ms) of midnight starting the date y-m-d in `timeZone` (offset found from a guess, then checked once more). */
function midnight(y: number, m: number, d: number, timeZone: string): number {
  const wall = Date.UTC(y, m - 1, d);
  let at = wall;
  for (let k = 0; k < 2; k++) at = wall - (wallClock(at, timeZone).utcMs - at);
  return at;
}

/** "2026-12-06": the date holding `epochSeconds` in `timeZone` (the user's by default). */
export function localDay(epochSeconds: number, timeZone = userZone()): string {
  const { y, m, d } = wallClock(epochSeconds * 1000, timeZone);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The day `day` ("YYYY-MM-DD") or the week starting on it in `timeZone`, as [from, to) in epoch seconds. */
export function periodRange(period: Period, day: string, timeZone = userZone()): { from: number; to: number } {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new RangeError(`not a day: ${day}`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const end = new Date(Date.UTC(y, m - 1, d + (period === 'day' ? 1 : 7)));
  return {
    from: midnight(y, m, d, timeZone) / 1000,
    to: midnight(end.getUTCFullYear(), end.getUTCMonth() + 1, end.getUTCDate(), timeZone) / 1000,
  };
}

/** [from, to) cut into ranges of at most `max` intervals, each starting on the interval grid. */
export function readRanges(from: number, to: number, intervalSeconds: number, max = MAX_READ_INTERVALS): [number, number][] {
  const ranges: [number, number][] = [];
  const first = from - (((from % intervalSeconds) + intervalSeconds) % intervalSeconds);
  for (let start = first; start < to; start += max * intervalSeconds) ranges.push([start, Math.min(to, start + max * intervalSeconds)]);
  return ranges;
}

export interface Flow {
  importWh: number;
  exportWh: number;
}

/** Readings of several meters summed per interval start, the starts in order. */
export function sumPerInterval(readings: readonly { intervalStart: string; importWh?: number; exportWh: number }[]): Map<string, Flow> {
  const sums = new Map<string, Flow>();
  for (const r of readings) {
    const s = sums.get(r.intervalStart) ?? { importWh: 0, exportWh: 0 };
    sums.set(r.intervalStart, { importWh: s.importWh + (r.importWh ?? 0), exportWh: s.exportWh + r.exportWh });
  }
  return new Map([...sums].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The totals of a period: production, consumption and net (production − consumption), in Wh. */
export function totalsOf(sums: Map<string, Flow>): { productionWh: number; consumptionWh: number; netWh: number } {
  let productionWh = 0;
  let consumptionWh = 0;
  for (const f of sums.values()) {
    productionWh += f.exportWh;
    consumptionWh += f.importWh;
  }
  return { productionWh, consumptionWh, netWh: productionWh - consumptionWh };
}

/** The readings of a readings answer: the array, or, when archived hours were asked for, its `readings`. */
export const liveReadings = <R>(answer: R[] | { readings: R[] }): R[] => (Array.isArray(answer) ? answer : answer.readings);
