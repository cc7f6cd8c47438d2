/**
 * What a home consumes and produces in a stretch of simulated time: the one question the
 * simulation asks of its data. `EnergyModel` is the interface; `profileEnergyModel` answers it
 * from the published data set and models of core/src/forecast (core/data/README.md), quarter hour
 * by quarter hour:
 *
 * - load: BDEW H25 scaled to the home's annual consumption, with the per-home variation of
 *   appliance events (`homeLoadWh`); the home expects H25's mean (`h25Wh`);
 * - PV: the home's array (kWp, tilt, azimuth) at the weather year's site under the DWD test
 *   reference year's irradiance, temperature and wind, by solar geometry and plane-of-array
 *   transposition (`pvEnergyWh`), times the home's shading factor; the home expects the same hour
 *   of the day before (persistence, the baseline forecast), so a sunny day after a dull one is
 *   under-forecast, as it would be.
 */
import { h25Wh, homeLoadWh, pvEnergyWh, weatherAt, weatherSite, type PvArray } from '@gridledger/core/forecast';
import type { SimHome } from './scenario';

export interface Energy {
  loadWh: number;
  pvWh: number;
}

export interface EnergyModel {
  /** What the home's meter measures over [simStart, simStart + seconds) (simulated epoch s, quarter-hour aligned). */
  actual(home: SimHome, simStart: number, seconds: number, seed: number): Energy;
  /** What the home expects for the same stretch before it starts. */
  expected(home: SimHome, simStart: number, seconds: number): Energy;
}

const QUARTER = 900;
const DAY = 86_400;

function sumQuarters(simStart: number, seconds: number, f: (quarterStart: number) => Energy): Energy {
  let loadWh = 0;
  let pvWh = 0;
  for (let t = simStart; t < simStart + seconds; t += QUARTER) {
    const e = f(t);
    loadWh += e.loadWh;
    pvWh += e.pvWh;
  }
  return { loadWh, pvWh };
}

/** The home's array at the weather year's site (none without PV). */
export function arrayOf(home: SimHome): PvArray | undefined {
  if (home.pvKwp === 0 || home.orientation === null) return undefined;
  return { ...weatherSite(), tilt: home.orientation.tiltDeg, azimuth: home.orientation.azimuthDeg, kwp: home.pvKwp };
}

/** PV in whole Wh of a quarter hour under the weather of `weatherShift` seconds later (0: the hour's own). */
function pvWh(home: SimHome, quarterStart: number, weatherShift: number): number {
  const array = arrayOf(home);
  if (array === undefined) return 0;
  return Math.floor(pvEnergyWh(array, quarterStart, QUARTER, (t) => weatherAt(t + weatherShift)) * home.pvShading);
}

export const profileEnergyModel: EnergyModel = {
  actual: (home, simStart, seconds, seed) =>
    sumQuarters(simStart, seconds, (q) => ({ loadWh: homeLoadWh(home.homeId, home.annualKwh, q, seed), pvWh: pvWh(home, q, 0) })),
  expected: (home, simStart, seconds) =>
    sumQuarters(simStart, seconds, (q) => ({ loadWh: Math.round(h25Wh(home.annualKwh, q)), pvWh: pvWh(home, q, -DAY) })),
};
