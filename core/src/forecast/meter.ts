import { DAY_SECONDS, formatInstant, parseInstant } from '../core/units';
import { forecastData, weatherSite, type ForecastData } from './data';
import {
  DEFAULT_METHODS,
  fitForecast,
  horizonIntervals,
  modelPvWh,
  wholeWh,
  type HomeSetup,
  type Horizon,
  type Method,
  type Observation,
} from './methods';

/**
 * A meter's forecast from its own readings on the ledger, pure (the gateway's routes/forecasts.ts is the shell).
 *
 * What a meter's readings say of PV and load, by its kind: a `production` meter's export is the PV and its
 * import the load (the inverter's standby); a `consumption` meter's import is the load, no PV. A
 * `bidirectional` meter at the grid connection measures only the net flow: its PV is taken from the solar model
 * (the meter's export capacity as kW peak, a south-facing 35° array at the weather year's site) and its load as
 * import − export + PV (never below zero), and its PV forecast is the model's even where the learned method is the
 * default (it would learn the model from the model). Forecasts then come from `fitForecast` (methods.ts).
 * A reading without its import (the public record, what the regulator's peer holds: import is private data) says
 * nothing of the load: a production meter's counts as PV with no load, other meters' are left out, so the
 * regulator's forecasts rest on the models alone (load: H25 at the default annual consumption).
 */

export interface MeterRecordLike {
  meterId: string;
  participantId: string;
  communityId: string;
  kind: 'production' | 'consumption' | 'bidirectional';
  exportCapacityW: number;
}

/** A reading as a query answers it: without `importWh` (private data) to identities outside the collection. */
export interface ReadingLike {
  intervalStart: string;
  importWh?: number;
  exportWh: number;
}

export interface ForecastInterval {
  intervalStart: string;
  pvWh: number;
  loadWh: number;
  /** loadWh − pvWh: what the connection is expected to import (+) or export (−). */
  netWh: number;
}

export interface ForecastTotals {
  pvWh: number;
  loadWh: number;
  netWh: number;
}

export interface MeterForecast {
  meterId: string;
  participantId: string;
  communityId: string;
  horizon: Horizon;
  intervalSeconds: number;
  issuedAt: string;
  methods: { pv: Method; load: Method };
  /** Readings the forecast was fitted on. */
  readings: number;
  intervals: ForecastInterval[];
  totals: ForecastTotals;
}

/** The default plane of a meter's array: south, 35° (the simulator's and a typical German roof). */
export const DEFAULT_PLANE = Object.freeze({ tilt: 35, azimuth: 180 });

/** How far back a forecast reads a meter's readings: a week, within the ledger's 1,000 intervals per query. */
export function historySeconds(intervalSeconds: number): number {
  return Math.min(7 * DAY_SECONDS, 999 * intervalSeconds);
}

export function meterSetup(meter: MeterRecordLike, intervalSeconds: number, data: ForecastData = forecastData()): HomeSetup {
  const kwp = meter.kind === 'consumption' ? 0 : meter.exportCapacityW / 1000;
  return { intervalSeconds, array: { ...weatherSite(data), ...DEFAULT_PLANE, kwp } };
}

/** A meter's readings as observations of PV and load (see above). */
export function observationsOf(meter: MeterRecordLike, readings: ReadingLike[], setup: HomeSetup, data = forecastData()): Observation[] {
  const out: Observation[] = [];
  for (const r of readings) {
    const intervalStart = parseInstant(r.intervalStart);
    if (intervalStart === undefined) continue;
    if (meter.kind === 'production') out.push({ intervalStart, pvWh: r.exportWh, loadWh: r.importWh ?? 0 });
    else if (r.importWh === undefined) continue;
    else if (meter.kind === 'consumption') out.push({ intervalStart, pvWh: 0, loadWh: r.importWh });
    else {
      const pvWh = Math.floor(modelPvWh(setup, intervalStart, data));
      out.push({ intervalStart, pvWh, loadWh: Math.max(0, r.importWh - r.exportWh + pvWh) });
    }
  }
  return out.sort((a, b) => a.intervalStart - b.intervalStart);
}

const totalsOf = (intervals: ForecastTotals[]): ForecastTotals =>
  intervals.reduce((t, i) => ({ pvWh: t.pvWh + i.pvWh, loadWh: t.loadWh + i.loadWh, netWh: t.netWh + i.netWh }), {
    pvWh: 0,
    loadWh: 0,
    netWh: 0,
  });

/** The meter's forecast for `horizon` at `now` (epoch s) from its readings, with the default methods unless `methods` says. */
export function forecastMeter(
  meter: MeterRecordLike,
  readings: ReadingLike[],
  horizon: Horizon,
  now: number,
  intervalSeconds: number,
  methods: { pv: Method; load: Method } = DEFAULT_METHODS,
  data: ForecastData = forecastData(),
): MeterForecast {
  const setup = meterSetup(meter, intervalSeconds, data);
  const history = observationsOf(meter, readings, setup, data);
  // A net meter's PV history is the model's own: nothing for a learned method to learn beyond the model.
  const used = meter.kind === 'bidirectional' && methods.pv === 'forest' ? { ...methods, pv: 'model' as const } : methods;
  const byStart = new Map(history.map((o) => [o.intervalStart, o]));
  const known = (t: number) => byStart.get(t);
  const pv = fitForecast(used.pv, 'pv', horizon, setup, history, data);
  const load = fitForecast(used.load, 'load', horizon, setup, history, data);
  const intervals = horizonIntervals(horizon, now, intervalSeconds).map((t) => {
    const pvWh = setup.array!.kwp > 0 ? wholeWh(pv.predict(t, known)) : 0;
    const loadWh = wholeWh(load.predict(t, known));
    return { intervalStart: formatInstant(t), pvWh, loadWh, netWh: loadWh - pvWh };
  });
  return {
    meterId: meter.meterId,
    participantId: meter.participantId,
    communityId: meter.communityId,
    horizon,
    intervalSeconds,
    issuedAt: formatInstant(now),
    methods: { ...used },
    readings: history.length,
    intervals,
    totals: totalsOf(intervals),
  };
}

export interface CommunityForecast {
  communityId: string;
  horizon: Horizon;
  intervalSeconds: number;
  issuedAt: string;
  meters: number;
  intervals: ForecastInterval[];
  totals: ForecastTotals;
}

/** The sum of the community's meters' forecasts, interval by interval (no meter's own figures). */
export function sumForecasts(communityId: string, horizon: Horizon, now: number, intervalSeconds: number, meters: MeterForecast[]) {
  const intervals = horizonIntervals(horizon, now, intervalSeconds).map((t, i) => {
    const parts = meters.map((m) => m.intervals[i]);
    return { intervalStart: formatInstant(t), ...totalsOf(parts) };
  });
  const forecast: CommunityForecast = {
    communityId,
    horizon,
    intervalSeconds,
    issuedAt: formatInstant(now),
    meters: meters.length,
    intervals,
    totals: totalsOf(intervals),
  };
  return forecast;
}
