import { DAY_SECONDS } from '../core/units';
import { forecastData, type ForecastData } from './data';
import { fitForecast, METHODS, wholeWh, type HomeSetup, type Horizon, type Method, type Observation, type Quantity } from './methods';

/**
 * Forecast accuracy on held-out days, pure: each method is fitted on the first `trainDays` days of a home's
 * observations and asked for every interval of the following days, with what would be known then (day ahead:
 * everything before the forecast day; next interval: everything before the interval). MAE in Wh per interval;
 * MAPE in % over the intervals whose actual value is at least `MAPE_FLOOR_WH` (PV at night and near-empty
 * intervals would make a percentage meaningless).
 */

export const MAPE_FLOOR_WH = 20;

export interface Score {
  maeWh: number;
  mapePercent: number;
  intervals: number;
}

export interface HomeSeries {
  setup: HomeSetup;
  /** Every interval of the period, sorted, without gaps. */
  observations: Observation[];
}

export type Scores = Record<Quantity, Record<Horizon, Record<Method, Score>>>;

const QUANTITIES: readonly Quantity[] = ['pv', 'load'];
const HORIZONS: readonly Horizon[] = ['next', 'day'];

/** Scores of every method, quantity and horizon over the held-out days of all homes (errors pooled over homes). */
export function evaluateForecasts(homes: HomeSeries[], trainDays: number, data: ForecastData = forecastData()): Scores {
  const sums = new Map<string, { abs: number; n: number; pct: number; m: number }>();
  for (const { setup, observations } of homes) {
    const start = observations[0].intervalStart;
    const cut = start + trainDays * DAY_SECONDS;
    const history = observations.filter((o) => o.intervalStart < cut);
    const test = observations.filter((o) => o.intervalStart >= cut);
    const byStart = new Map(observations.map((o) => [o.intervalStart, o]));
    for (const quantity of QUANTITIES) {
      if (quantity === 'pv' && (setup.array === undefined || setup.array.kwp <= 0)) continue;
      for (const horizon of HORIZONS) {
        for (const method of METHODS) {
          const predictor = fitForecast(method, quantity, horizon, setup, history, data);
          const key = `${quantity}|${horizon}|${method}`;
          const s = sums.get(key) ?? { abs: 0, n: 0, pct: 0, m: 0 };
          for (const o of test) {
            const issued = horizon === 'day' ? Math.floor(o.intervalStart / DAY_SECONDS) * DAY_SECONDS : o.intervalStart;
            const forecast = wholeWh(predictor.predict(o.intervalStart, (t) => (t < issued ? byStart.get(t) : undefined)));
            const actual = quantity === 'pv' ? o.pvWh : o.loadWh;
            s.abs += Math.abs(forecast - actual);
            s.n += 1;
            if (actual >= MAPE_FLOOR_WH) {
              s.pct += Math.abs(forecast - actual) / actual;
              s.m += 1;
            }
          }
          sums.set(key, s);
        }
      }
    }
  }
  const scores = {} as Scores;
  for (const quantity of QUANTITIES) {
    scores[quantity] = {} as Scores[Quantity];
    for (const horizon of HORIZONS) {
      scores[quantity][horizon] = {} as Record<Method, Score>;
      for (const method of METHODS) {
        const s = sums.get(`${quantity}|${horizon}|${method}`) ?? { abs: 0, n: 0, pct: 0, m: 0 };
        scores[quantity][horizon][method] = {
          maeWh: s.n === 0 ? 0 : Math.round((s.abs / s.n) * 10) / 10,
          mapePercent: s.m === 0 ? 0 : Math.round((s.pct / s.m) * 1000) / 10,
          intervals: s.n,
        };
      }
    }
  }
  return scores;
}

/** The method with the lowest MAE of each quantity and horizon. */
export function bestMethods(scores: Scores): Record<Quantity, Record<Horizon, Method>> {
  const best = (q: Quantity, h: Horizon) => METHODS.reduce((a, b) => (scores[q][h][b].maeWh < scores[q][h][a].maeWh ? b : a));
  return { pv: { next: best('pv', 'next'), day: best('pv', 'day') }, load: { next: best('load', 'next'), day: best('load', 'day') } };
}
