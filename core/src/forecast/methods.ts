import { RandomForestRegression } from 'ml-random-forest';
import { DAY_SECONDS } from '../core/units';
import { forecastData, weatherAt, type ForecastData } from './data';
import { h25DayType, h25Wh, germanLocal, QUARTER_HOUR_SECONDS } from './load-profile';
import { pvEnergyWh, type PvArray } from './solar';

/**
 * Forecasts of one home's PV production and household load, pure: three methods per quantity, fitted on the
 * home's own history and then asked for any interval (docs/forecasts.md has their errors on held-out days).
 *
 * - `persistence` (the baseline): next interval, the last observed interval; day ahead, the same interval one
 *   day earlier (or the latest earlier day with a value, up to a week back).
 * - `model`: PV from the solar model (solar.ts) with the data set's weather for the interval, times the home's
 *   calibration (its observed PV over the model's on the history, within [0.5, 1.5]); load from BDEW H25
 *   (load-profile.ts) scaled to the annual consumption the history implies (3,500 kWh without history).
 * - `forest`: a random forest regression (ml-random-forest: 30 trees on bagged samples, each with every
 *   feature, depth 10, fixed seed) of the observed value on the model's value, the quarter hour of the day, the
 *   H25 day type and the lagged observations the horizon allows (one day back; the interval before for `next`);
 *   a missing lag is replaced by the model's value.
 *   With fewer than 96 training rows it answers as `model`.
 *
 * A day-ahead forecast is issued at the start of its day with every reading before it; a next-interval forecast
 * with every reading before its interval.
 */

export type Quantity = 'pv' | 'load';
export type Horizon = 'next' | 'day';
export type Method = 'persistence' | 'model' | 'forest';
export const METHODS: readonly Method[] = ['persistence', 'model', 'forest'];

/** What a home used and produced in an interval, in Wh. */
export interface Observation {
  intervalStart: number;
  loadWh: number;
  pvWh: number;
}

/** The home a forecast is for: its interval length (s) and its PV array (none, or kwp 0: no PV). */
export interface HomeSetup {
  intervalSeconds: number;
  array?: PvArray;
}

/** Observations known when forecasting: by interval start. */
export type Known = (intervalStart: number) => Observation | undefined;

export interface Predictor {
  predict(intervalStart: number, known: Known): number;
}

const DEFAULT_ANNUAL_KWH = 3500;
const MIN_FOREST_ROWS = 96;

/** The model's PV in Wh of an interval (0 without an array). */
export function modelPvWh(setup: HomeSetup, intervalStart: number, data: ForecastData = forecastData()): number {
  const array = setup.array;
  if (array === undefined || array.kwp <= 0) return 0;
  return pvEnergyWh(array, intervalStart, setup.intervalSeconds, (t) => weatherAt(t, data));
}

/** H25's load of an interval at 1 MWh a year, in Wh (the quarter hour's share for a shorter interval). */
export function profileWhPerMWh(setup: HomeSetup, intervalStart: number, data: ForecastData = forecastData()): number {
  const quarter = intervalStart - (((intervalStart % QUARTER_HOUR_SECONDS) + QUARTER_HOUR_SECONDS) % QUARTER_HOUR_SECONDS);
  return (h25Wh(1000, quarter, data) * setup.intervalSeconds) / QUARTER_HOUR_SECONDS;
}

const valueOf = (o: Observation | undefined, q: Quantity) => (o === undefined ? undefined : q === 'pv' ? o.pvWh : o.loadWh);

/** The model's forecast (calibrated to the history) as a function of the interval. */
function fitModel(quantity: Quantity, setup: HomeSetup, history: Observation[], data: ForecastData): (t: number) => number {
  const base = (t: number) => (quantity === 'pv' ? modelPvWh(setup, t, data) : profileWhPerMWh(setup, t, data));
  let observed = 0;
  let modelled = 0;
  for (const o of history) {
    const m = base(o.intervalStart);
    if (quantity === 'pv' && m <= 0) continue;
    observed += valueOf(o, quantity)!;
    modelled += m;
  }
  if (quantity === 'pv') {
    const calibration = modelled > 0 ? Math.min(1.5, Math.max(0.5, observed / modelled)) : 1;
    return (t) => base(t) * calibration;
  }
  const mwhPerYear = modelled > 0 && observed > 0 ? observed / modelled : DEFAULT_ANNUAL_KWH / 1000;
  return (t) => base(t) * mwhPerYear;
}

function persistence(quantity: Quantity, horizon: Horizon, setup: HomeSetup): Predictor {
  return {
    predict(t, known) {
      if (horizon === 'next') return valueOf(known(t - setup.intervalSeconds), quantity) ?? 0;
      for (let days = 1; days <= 7; days++) {
        const v = valueOf(known(t - days * DAY_SECONDS), quantity);
        if (v !== undefined) return v;
      }
      return 0;
    },
  };
}

function features(quantity: Quantity, horizon: Horizon, setup: HomeSetup, model: (t: number) => number, t: number, known: Known) {
  const m = model(t);
  const local = germanLocal(t);
  const lagDay = valueOf(known(t - DAY_SECONDS), quantity) ?? m;
  const row = [m, local.getUTCHours() * 4 + Math.floor(local.getUTCMinutes() / 15), h25DayType(local), lagDay];
  if (horizon === 'next') row.push(valueOf(known(t - setup.intervalSeconds), quantity) ?? m);
  return row;
}

function forest(quantity: Quantity, horizon: Horizon, setup: HomeSetup, history: Observation[], data: ForecastData): Predictor {
  const model = fitModel(quantity, setup, history, data);
  if (history.length < MIN_FOREST_ROWS) return { predict: (t) => model(t) };
  const byStart = new Map(history.map((o) => [o.intervalStart, o]));
  const known: Known = (t) => byStart.get(t);
  const x = history.map((o) => features(quantity, horizon, setup, model, o.intervalStart, known));
  const y = history.map((o) => valueOf(o, quantity)!);
  const rf = new RandomForestRegression({
    nEstimators: 30,
    maxFeatures: x[0].length,
    replacement: false,
    useSampleBagging: true,
    seed: 42,
    noOOB: true,
    treeOptions: { maxDepth: 10, minNumSamples: 3 },
  });
  rf.train(x, y);
  return { predict: (t, k) => rf.predict([features(quantity, horizon, setup, model, t, k)])[0] };
}

/** Fits `method` for one quantity and horizon on the home's history (observations sorted or not). */
export function fitForecast(
  method: Method,
  quantity: Quantity,
  horizon: Horizon,
  setup: HomeSetup,
  history: Observation[],
  data: ForecastData = forecastData(),
): Predictor {
  if (method === 'persistence') return persistence(quantity, horizon, setup);
  if (method === 'forest') return forest(quantity, horizon, setup, history, data);
  const model = fitModel(quantity, setup, history, data);
  return { predict: (t) => model(t) };
}

/** A forecast in whole Wh: never negative. */
export const wholeWh = (wh: number) => Math.max(0, Math.round(wh));

/** The intervals a horizon covers at `now` (epoch s): the next interval after the current one, or the next UTC day's. */
export function horizonIntervals(horizon: Horizon, now: number, intervalSeconds: number): number[] {
  if (horizon === 'next') return [Math.floor(now / intervalSeconds) * intervalSeconds + intervalSeconds];
  const day = Math.floor(now / DAY_SECONDS) * DAY_SECONDS + DAY_SECONDS;
  return Array.from({ length: DAY_SECONDS / intervalSeconds }, (_, i) => day + i * intervalSeconds);
}

/**
 * The method served by default for each quantity: the one with the lower MAE on held-out days
 * (docs/forecasts.md; device-bridge/test/forecast-evaluation.test.ts checks it on the simulator's homes).
 */
export const DEFAULT_METHODS: Readonly<Record<Quantity, Method>> = Object.freeze({ pv: 'forest', load: 'model' });
