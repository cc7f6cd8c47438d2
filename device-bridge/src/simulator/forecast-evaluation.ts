import { DAY_SECONDS } from '@gridledger/core';
import { bestMethods, evaluateForecasts, type HomeSeries, type Scores } from '@gridledger/core/forecast';
import { homeEnergy, INTERVAL_SECONDS, simulatedHomes } from './model';

/**
 * The forecasts (core/src/forecast/methods.ts) judged on the simulator's homes: `days` days of each home's
 * load and PV from `start`, the first `trainDays` to fit on, the rest held out. The homes' arrays as the
 * simulator has them: south, 35° tilt, in Potsdam (the weather year's site), their kW peak.
 */
export function simulatedSeries(homes: number, start: number, days: number, seed = 1): HomeSeries[] {
  return simulatedHomes(homes, seed).map((home) => ({
    setup: {
      intervalSeconds: INTERVAL_SECONDS,
      array: { latitude: 52.383, longitude: 13.067, tilt: 35, azimuth: 180, kwp: home.pvCapacityW / 1000 },
    },
    observations: Array.from({ length: (days * DAY_SECONDS) / INTERVAL_SECONDS }, (_, i) => {
      const intervalStart = start + i * INTERVAL_SECONDS;
      const { loadWh, pvWh } = homeEnergy(home, intervalStart, seed);
      return { intervalStart, loadWh, pvWh };
    }),
  }));
}

export function evaluateOnSimulatedHomes(homes: number, start: number, days: number, trainDays: number, seed = 1): Scores {
  return evaluateForecasts(simulatedSeries(homes, start, days, seed), trainDays);
}

/** `node device-bridge/dist/simulator/forecast-evaluation.js [homes] [start day] [days] [train days]`: prints the scores as JSON. */
if (require.main === module) {
  const [homes = '6', from = '2025-04-07', days = '21', trainDays = '14'] = process.argv.slice(2);
  const scores = evaluateOnSimulatedHomes(Number(homes), Date.parse(`${from}T00:00:00Z`) / 1000, Number(days), Number(trainDays));
  process.stdout.write(`${JSON.stringify({ scores, best: bestMethods(scores) }, null, 1)}\n`);
}
