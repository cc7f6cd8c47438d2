import { formatInstant } from '../core/units';
import { forecastData, type ForecastData } from './data';
import { prng } from './random';

/**
 * Household load after the BDEW standard load profile H25 (2025 revision), pure, as demandlib 0.2.2's
 * `bdew.H25` computes it (core/test/forecast/load-profile.test.ts checks the figures against demandlib's):
 * the value of the month, day type (WT Monday-Friday, SA Saturday, FT Sunday; public holidays are not
 * modelled, as demandlib without a holiday list) and quarter hour of German local time (CET/CEST), times
 * H25's dynamisation polynomial of the day of the year, scaled from 1 MWh to the home's annual kWh.
 *
 * One home is spikier than the average H25 describes. The per-home variation (the device bridge's
 * simulator uses the very same, see device-bridge/test/simulator-profile.test.ts): 80 % of the profile
 * value scaled by a factor drawn uniformly from [0.55, 1.05) (mean 0.8) and, in expectation, 20 % as an
 * appliance event of 50-400 Wh (mean 225 Wh) whose probability follows the profile (0.2 × expected / 225 Wh,
 * at most 1). The expected energy equals H25's. Draws come from mulberry32 seeded with
 * `${seed}|${homeId}|${intervalStart}` (random.ts), so a home's load is a function of (seed, home, interval).
 */

export const QUARTER_HOUR_SECONDS = 900;
const EVENT_MEAN_WH = 225;

/** Last Sunday of a month (UTC), at 01:00 UTC: the EU's daylight saving switch. */
function euSwitch(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  last.setUTCDate(last.getUTCDate() - last.getUTCDay());
  return last.getTime() / 1000 + 3600;
}

/** German local time (CET/CEST) of an epoch second, as a Date whose UTC fields read local. */
export function germanLocal(epochSeconds: number): Date {
  const year = new Date(epochSeconds * 1000).getUTCFullYear();
  const summer = epochSeconds >= euSwitch(year, 2) && epochSeconds < euSwitch(year, 9);
  return new Date((epochSeconds + (summer ? 7200 : 3600)) * 1000);
}

/** H25's day type of a local date: 0 WT (Monday-Friday), 1 SA (Saturday), 2 FT (Sunday). */
export function h25DayType(local: Date): 0 | 1 | 2 {
  const dow = local.getUTCDay();
  return dow === 0 ? 2 : dow === 6 ? 1 : 0;
}

/** Expected load in Wh (not rounded) of the quarter hour starting at `quarterStart` for a home of `annualKwh`. */
export function h25Wh(annualKwh: number, quarterStart: number, data: ForecastData = forecastData()): number {
  const local = germanLocal(quarterStart);
  const quarter = local.getUTCHours() * 4 + Math.floor(local.getUTCMinutes() / 15);
  const mWhPerMWh = data.h25.values[local.getUTCMonth()][h25DayType(local)][quarter];
  const day = Math.floor((local.getTime() - Date.UTC(local.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  const dynamisation = data.h25.dynamisation.reduce((acc, c) => acc * day + c, 0);
  return (mWhPerMWh / 1000) * dynamisation * (annualKwh / 1000);
}

/** One home's load in whole Wh in the quarter hour starting at `quarterStart`: H25 with the per-home variation above. */
export function homeLoadWh(homeId: string, annualKwh: number, quarterStart: number, seed = 1, data: ForecastData = forecastData()): number {
  const rand = prng(`${seed}|${homeId}|${formatInstant(quarterStart)}`);
  const expected = h25Wh(annualKwh, quarterStart, data);
  let load = expected * (0.55 + 0.5 * rand());
  const eventProbability = Math.min(1, (0.2 * expected) / EVENT_MEAN_WH);
  const eventRoll = rand();
  const eventSize = 50 + 350 * rand();
  if (eventRoll < eventProbability) load += eventSize;
  return Math.round(load);
}
