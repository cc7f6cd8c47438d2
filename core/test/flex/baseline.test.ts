import fc from 'fast-check';
import {
  computeBaseline,
  DayLoads,
  dayTypeOf,
  DEFAULT_BASELINE_SPEC,
  likeDayOffsets,
  baselineIntervals,
  baselineReachSeconds,
  checkBaselineReach,
  relativeRmse,
  validateBaselineSpec,
} from '../../src/flex/baseline';
import { codeOf } from '../support';

const spec = { ...DEFAULT_BASELINE_SPEC, adjustmentIntervals: 2, adjustmentGapIntervals: 1, holidays: [] };
const day = (n: number, eventWh: number[], adjustmentWh = [100, 100]): DayLoads => ({
  day: `2026-11-${String(n).padStart(2, '0')}`,
  eventWh,
  adjustmentWh,
});

describe('the PG&E residential baseline', () => {
  it('weekdays: the highest 5 of the last 10 eligible days, averaged, rounded half up', () => {
    // Totals 10..100 over one interval: the highest five are 100, 90, 80, 70, 60 → 400 / 5 = 80.
    const days = Array.from({ length: 12 }, (_, k) => day(k + 1, [10 * (k + 1)]));
    const newestFirst = [...days].reverse(); // 120, 110, ... : only the 10 most recent count (120..30).
    const b = computeBaseline(spec, 'weekday', newestFirst, null, 1);
    expect(b.eligibleDays).toHaveLength(10);
    expect(b.selectedDays).toEqual(['2026-11-12', '2026-11-11', '2026-11-10', '2026-11-09', '2026-11-08']);
    expect(b.baselineWh).toEqual([100]); // (120+110+100+90+80)/5
    expect(b.adjustmentPpm).toBe(1_000_000);
  });

  it('weekends and holidays: the highest 3 of the last 5', () => {
    const days = [day(1, [7, 1]), day(2, [3, 3]), day(3, [9, 0]), day(4, [1, 1]), day(5, [4, 4]), day(6, [50, 50])];
    const b = computeBaseline(spec, 'weekend-holiday', days, null, 2);
    // The sixth day is beyond the last 5. Totals 8, 6, 9, 2, 8: highest 9 (day 3), 8 (day 1, more recent than day 5), 8 (day 5).
    expect(b.selectedDays).toEqual(['2026-11-03', '2026-11-01', '2026-11-05']);
    expect(b.baselineWh).toEqual([Math.round(20 / 3), Math.round(5 / 3)]); // 7, 2
  });

  it('fewer eligible days than looked for: the highest 5 of those found, all when fewer; none: no baseline', () => {
    expect(computeBaseline(spec, 'weekday', [day(1, [10]), day(2, [20]), day(3, [31])], null, 1).baselineWh).toEqual([20]); // 61/3 = 20.33
    const none = computeBaseline(spec, 'weekday', [], [1, 1], 1);
    expect(none.baselineWh).toEqual([]);
    expect(none.selectedDays).toEqual([]);
  });

  it('scales by the same-day adjustment, capped at ±40 %', () => {
    const days = Array.from({ length: 5 }, (_, k) => day(k + 1, [1000], [100, 100]));
    // Event day: 250 Wh against an average 200 Wh → 1.25.
    expect(computeBaseline(spec, 'weekday', days, [150, 100], 1)).toMatchObject({ adjustmentPpm: 1_250_000, baselineWh: [1250] });
    // 600 against 200 → 3.0, capped at 1.4; 20 against 200 → 0.1, held at 0.6.
    expect(computeBaseline(spec, 'weekday', days, [300, 300], 1)).toMatchObject({ adjustmentPpm: 1_400_000, baselineWh: [1400] });
    expect(computeBaseline(spec, 'weekday', days, [10, 10], 1)).toMatchObject({ adjustmentPpm: 600_000, baselineWh: [600] });
    // A missing reading on the event day: no adjustment.
    expect(computeBaseline(spec, 'weekday', days, null, 1)).toMatchObject({ adjustmentPpm: 1_000_000, adjustmentActualWh: null });
  });

  it('the 10-of-10 average takes every one of the last 10', () => {
    const days = Array.from({ length: 11 }, (_, k) => day(k + 1, [k + 1]));
    const b = computeBaseline({ ...spec, method: 'average-10-of-10' }, 'weekend-holiday', days, null, 1);
    expect(b.selectedDays).toHaveLength(10);
    expect(b.baselineWh).toEqual([6]); // (1+...+10)/10 = 5.5, half up
  });

  it('property: the baseline lies between the smallest and largest selected day, within the adjustment cap', () => {
    const loads = fc.array(fc.nat(100_000), { minLength: 2, maxLength: 2 });
    fc.assert(
      fc.property(fc.array(fc.record({ eventWh: loads, adjustmentWh: loads }), { minLength: 1, maxLength: 12 }), loads, (raw, today) => {
        const days = raw.map((d, k) => ({ ...d, day: `d${k}` }));
        const b = computeBaseline(spec, 'weekday', days, today, 2);
        const selected = days.filter((d) => b.selectedDays.includes(d.day));
        for (let i = 0; i < 2; i++) {
          const lo = Math.min(...selected.map((d) => d.eventWh[i]));
          const hi = Math.max(...selected.map((d) => d.eventWh[i]));
          expect(b.baselineWh[i]).toBeGreaterThanOrEqual(Math.floor(lo * 0.6));
          expect(b.baselineWh[i]).toBeLessThanOrEqual(Math.ceil(hi * 1.4));
          expect(Number.isSafeInteger(b.baselineWh[i])).toBe(true);
        }
        expect(b.selectedDays.length).toBe(Math.min(5, days.length, 10));
      }),
    );
  });
});

describe('like days', () => {
  it('knows weekends and the holidays named', () => {
    expect(dayTypeOf(Date.parse('2026-12-05T12:00:00Z') / 1000, [])).toBe('weekend-holiday'); // Saturday
    expect(dayTypeOf(Date.parse('2026-12-07T12:00:00Z') / 1000, [])).toBe('weekday');
    expect(dayTypeOf(Date.parse('2026-12-07T12:00:00Z') / 1000, ['2026-12-07'])).toBe('weekend-holiday');
  });

  it('looks back over days of the event day type only', () => {
    const monday = Date.parse('2026-12-07T12:00:00Z') / 1000;
    expect(likeDayOffsets(monday, { ...spec, lookbackDays: 10 })).toEqual([3, 4, 5, 6, 7, 10]); // Fri..Mon, not the weekends
    expect(likeDayOffsets(monday, { ...spec, lookbackDays: 10, holidays: ['2026-12-02'] })).toEqual([3, 4, 6, 7, 10]);
  });

  it('reads the adjustment intervals before the gap', () => {
    expect(baselineIntervals([1000, 1060], 60, spec, 1)).toEqual({
      event: [1000 - 86_400, 1060 - 86_400],
      adjustment: [820 - 86_400, 880 - 86_400],
    });
  });

  it('refuses a bad specification with FLEX_EVENT_INVALID', () => {
    expect(codeOf(() => validateBaselineSpec({ method: 'guess' }))).toBe('FLEX_EVENT_INVALID');
    expect(codeOf(() => validateBaselineSpec({ adjustmentCapPpm: -1 }))).toBe('FLEX_EVENT_INVALID');
    expect(codeOf(() => validateBaselineSpec({ holidays: ['12/24'] }))).toBe('FLEX_EVENT_INVALID');
    expect(validateBaselineSpec({ holidays: ['2026-12-25', '2026-12-24', '2026-12-25'] }).holidays).toEqual(['2026-12-24', '2026-12-25']);
  });

  it('reaches back the lookback and the adjustment intervals; refused unless that is an hour short of the readings’ horizon', () => {
    // 45 days and 3 intervals of 900 s.
    expect(baselineReachSeconds(spec, 900)).toBe(45 * 86_400 + 2_700);
    const horizon = 45 * 86_400 + 2_700 + 3_600;
    expect(() => checkBaselineReach(spec, 900, horizon)).not.toThrow();
    expect(codeOf(() => checkBaselineReach(spec, 900, horizon - 1))).toBe('FLEX_EVENT_INVALID');
    expect(() => checkBaselineReach({ ...spec, lookbackDays: 60 }, 900, 90 * 86_400)).not.toThrow(); // the defaults fit
  });
});

it('relative RMSE: root mean square error over the mean', () => {
  expect(
    relativeRmse([
      { predicted: 110, actual: 100 },
      { predicted: 90, actual: 100 },
    ]),
  ).toBeCloseTo(0.1);
});
