/**
 * What a home consumes and produces in a stretch of simulated time: the one question the
 * simulation asks of its data. `EnergyModel` is the interface; `profileEnergyModel` answers it from
 * the published data the device bridge's simulator ships (BDEW H25 household profile with per-home
 * appliance events, PV yield per kWp of the DWD test reference year for Potsdam), quarter hour by
 * quarter hour. `expected` is the forecast a home can make beforehand: the profile's mean load and
 * the yield without the per-interval noise; `actual` is what its meter then measures.
 *
 * Orientation: the shipped yield series is for a south-facing 35° array; other orientations use it
 * too until the plane-of-array model of the forecast work is plugged in here (docs/simulation.md).
 */
import { homeEnergy, profileLoadWh, pvWhPerKwp } from '@gridledger/device-bridge/dist/simulator/model';
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

const asModelHome = (h: SimHome) => ({
  homeId: h.homeId,
  meterId: h.homeId,
  annualKwh: h.annualKwh,
  pvCapacityW: Math.round(h.pvKwp * 1000),
  pvShading: h.pvShading,
});

export const profileEnergyModel: EnergyModel = {
  actual: (home, simStart, seconds, seed) => sumQuarters(simStart, seconds, (q) => homeEnergy(asModelHome(home), q, seed)),
  expected: (home, simStart, seconds) =>
    sumQuarters(simStart, seconds, (q) => ({
      loadWh: Math.round(profileLoadWh(home.annualKwh, q)),
      pvWh: Math.floor(pvWhPerKwp(q) * home.pvKwp * home.pvShading),
    })),
};
