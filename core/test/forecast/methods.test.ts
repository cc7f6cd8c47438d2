import {
  fitForecast,
  forecastMeter,
  h25Wh,
  homeLoadWh,
  horizonIntervals,
  modelPvWh,
  observationsOf,
  sumForecasts,
  type HomeSetup,
  type Observation,
} from '../../src/forecast';
import { formatInstant } from '../../src/core/units';

const Q = 900;
const DAY = 86_400;
const start = Date.parse('2025-06-02T00:00:00Z') / 1000;
const setup: HomeSetup = { intervalSeconds: Q, array: { latitude: 52.383, longitude: 13.067, tilt: 35, azimuth: 180, kwp: 4 } };
/** Eight days of a home whose PV is 90 % of the model and whose load is H25 at 3,000 kWh with the per-home variation. */
const days = (n: number): Observation[] =>
  Array.from({ length: (n * DAY) / Q }, (_, i) => {
    const t = start + i * Q;
    return { intervalStart: t, pvWh: Math.round(0.9 * modelPvWh(setup, t)), loadWh: homeLoadWh('h', 3000, t, 5) };
  });

describe('forecast methods', () => {
  const history = days(8);
  const known = (t: number) => history.find((o) => o.intervalStart === t);
  const t = start + 8 * DAY + 48 * Q; // 12:00 UTC on the ninth day

  test('persistence: the interval before (next), the same interval a day earlier (day), a week back at most', () => {
    const last = history[history.length - 1];
    expect(fitForecast('persistence', 'load', 'next', setup, history).predict(last.intervalStart + Q, known)).toBe(last.loadWh);
    expect(fitForecast('persistence', 'pv', 'day', setup, history).predict(t, known)).toBe(known(t - DAY)!.pvWh);
    const sparse = (x: number) => (x === t - 3 * DAY ? { intervalStart: x, pvWh: 77, loadWh: 5 } : undefined);
    expect(fitForecast('persistence', 'pv', 'day', setup, []).predict(t, sparse)).toBe(77);
    expect(fitForecast('persistence', 'pv', 'day', setup, []).predict(t, () => undefined)).toBe(0);
  });

  test("model: PV calibrated to the home's 90 %, load H25 at the annual kWh the history implies", () => {
    const pv = fitForecast('model', 'pv', 'day', setup, history).predict(t, known);
    expect(pv / modelPvWh(setup, t)).toBeCloseTo(0.9, 2);
    const load = fitForecast('model', 'load', 'day', setup, history).predict(t, known);
    const annual = (load / h25Wh(1000, t)) * 1000;
    expect(annual).toBeGreaterThan(2700);
    expect(annual).toBeLessThan(3300);
    // Without history: 3,500 kWh and the uncalibrated model.
    expect(fitForecast('model', 'load', 'day', setup, []).predict(t, known)).toBeCloseTo(h25Wh(3500, t), 9);
    expect(fitForecast('model', 'pv', 'day', setup, []).predict(t, known)).toBe(modelPvWh(setup, t));
  });

  test('forest: learns PV at 90 % of the model from the history (a seeded forest: the same answer twice)', () => {
    const f = fitForecast('forest', 'pv', 'day', setup, history);
    const noon = f.predict(t, known);
    expect(Math.abs(noon - 0.9 * modelPvWh(setup, t))).toBeLessThan(0.15 * modelPvWh(setup, t));
    expect(fitForecast('forest', 'pv', 'day', setup, history).predict(t, known)).toBe(noon);
    // Too little history: the model.
    expect(fitForecast('forest', 'pv', 'day', setup, history.slice(0, 10)).predict(t, known)).toBe(modelPvWh(setup, t));
  }, 60_000);

  test('horizons: the interval after the current one; the 96 quarter hours of the next UTC day', () => {
    expect(horizonIntervals('next', start + 100, Q)).toEqual([start + Q]);
    const day = horizonIntervals('day', start + 100, Q);
    expect(day).toHaveLength(96);
    expect(day[0]).toBe(start + DAY);
    expect(horizonIntervals('day', start, 60)).toHaveLength(1440);
  });
});

describe("a meter's forecast from its readings", () => {
  const meter = { meterId: 'm1', participantId: 'p1', communityId: 'c1', kind: 'bidirectional' as const, exportCapacityW: 4000 };
  const noon = start + 48 * Q;
  const readings = [
    { intervalStart: formatInstant(noon), importWh: 0, exportWh: 500 },
    { intervalStart: formatInstant(noon - Q), importWh: 30, exportWh: 0 },
  ];

  test('a bidirectional meter: PV from the model, load = import − export + PV; a production meter: its export', () => {
    const obs = observationsOf(meter, readings, { intervalSeconds: Q, array: { ...setup.array!, kwp: 4 } });
    expect(obs.map((o) => o.intervalStart)).toEqual([noon - Q, noon]);
    const pv = Math.floor(modelPvWh(setup, noon));
    expect(obs[1]).toEqual({ intervalStart: noon, pvWh: pv, loadWh: Math.max(0, pv - 500) });
    expect(observationsOf({ ...meter, kind: 'production' }, readings, setup)[1]).toEqual({ intervalStart: noon, pvWh: 500, loadWh: 0 });
    expect(observationsOf({ ...meter, kind: 'consumption' }, readings, setup)[0]).toEqual({ intervalStart: noon - Q, pvWh: 0, loadWh: 30 });
    // The public record (no import, as the regulator reads it): no load history.
    const publicRecords = readings.map(({ intervalStart, exportWh }) => ({ intervalStart, exportWh }));
    expect(observationsOf(meter, publicRecords, setup)).toEqual([]);
    expect(observationsOf({ ...meter, kind: 'production' }, publicRecords, setup)[1]).toEqual({
      intervalStart: noon,
      pvWh: 500,
      loadWh: 0,
    });
  });

  test('whole Wh, net = load − PV, totals add up; a community forecast is the sum of its meters', () => {
    const f1 = forecastMeter(meter, readings, 'day', noon + 60, Q);
    const f2 = forecastMeter({ ...meter, meterId: 'm2', kind: 'consumption' }, readings, 'day', noon + 60, Q);
    // The default methods; a net meter's PV comes from the model (its PV history is the model's).
    expect(f1.methods).toEqual({ pv: 'model', load: 'model' });
    const production = forecastMeter({ ...meter, kind: 'production' }, readings, 'next', noon + 60, Q);
    expect(production.methods).toEqual({ pv: 'forest', load: 'model' });
    expect(f1.intervals).toHaveLength(96);
    for (const i of f1.intervals) {
      expect(Number.isInteger(i.pvWh) && Number.isInteger(i.loadWh)).toBe(true);
      expect(i.netWh).toBe(i.loadWh - i.pvWh);
    }
    expect(f1.totals.pvWh).toBe(f1.intervals.reduce((s, i) => s + i.pvWh, 0));
    expect(f1.totals.pvWh).toBeGreaterThan(0);
    expect(f2.totals.pvWh).toBe(0);
    const c = sumForecasts('c1', 'day', noon + 60, Q, [f1, f2]);
    expect(c.meters).toBe(2);
    expect(c.intervals[40].loadWh).toBe(f1.intervals[40].loadWh + f2.intervals[40].loadWh);
    expect(c.totals.netWh).toBe(f1.totals.netWh + f2.totals.netWh);
  });
});
