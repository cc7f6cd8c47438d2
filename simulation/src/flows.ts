/**
 * A home's energy over a run, interval by interval, pure and deterministic: household load and PV
 * from the energy model, the EV's charging (from its arrival hour at the scenario's charging power
 * until it has its day's energy), and the battery run for self-consumption (it charges from the
 * home's surplus and discharges into its deficit, within its power and capacity, losses not
 * modelled, empty at the start). What is left is the net flow at the grid connection: what the
 * meter measures. The forecast is the same computation on the expected load and PV, from the
 * battery's actual state at the interval's start: what the home orders.
 */
import type { EnergyModel } from './energy';
import type { SimHome } from './scenario';
import { simIntervalStart, type TimeScale } from './clock';

export interface HomeInterval {
  loadWh: number;
  pvWh: number;
  evWh: number;
  /** Energy into (> 0) or out of (< 0) the battery. */
  batteryWh: number;
  importWh: number;
  exportWh: number;
  /** The net flow the home expected: what it orders. */
  expectedImportWh: number;
  expectedExportWh: number;
}

/** The EV's charging energy over [from, to) (seconds of the simulated day, UTC). */
export function evWh(home: SimHome, chargeW: number, fromDaySeconds: number, toDaySeconds: number): number {
  if (home.evWhPerDay === 0) return 0;
  const begin = home.evArrivalHour * 3600;
  const end = begin + (home.evWhPerDay * 3600) / chargeW;
  const overlap = Math.max(0, Math.min(end, toDaySeconds) - Math.max(begin, fromDaySeconds));
  // Whole Wh, as a running total rounded, so the intervals add up to the day's energy exactly.
  const upTo = (t: number) => Math.round((Math.max(0, Math.min(end, t) - begin) * chargeW) / 3600);
  return overlap === 0 ? 0 : upTo(toDaySeconds) - upTo(fromDaySeconds);
}

/** The battery's step for a net demand (load − PV, > 0 a deficit): within its power over `seconds` and its state. */
export function batteryStep(home: SimHome, socWh: number, netWh: number, seconds: number): number {
  const powerWh = Math.floor((home.batteryW * seconds) / 3600);
  if (netWh < 0) return Math.min(-netWh, powerWh, home.batteryWh - socWh);
  return -Math.min(netWh, powerWh, socWh);
}

export function homeFlows(home: SimHome, t: TimeScale, model: EnergyModel, seed: number, evChargeW: number): HomeInterval[] {
  const out: HomeInterval[] = [];
  let soc = 0;
  for (let k = 0; k < t.intervals; k++) {
    const start = simIntervalStart(t, k);
    const daySeconds = start % 86_400;
    const ev = evWh(home, evChargeW, daySeconds, daySeconds + t.simIntervalSeconds);
    const actual = model.actual(home, start, t.simIntervalSeconds, seed);
    const expected = model.expected(home, start, t.simIntervalSeconds);
    const net = actual.loadWh + ev - actual.pvWh;
    const expectedNet = expected.loadWh + ev - expected.pvWh;
    const battery = batteryStep(home, soc, net, t.simIntervalSeconds);
    const expectedBattery = batteryStep(home, soc, expectedNet, t.simIntervalSeconds);
    soc += battery;
    const grid = net + battery;
    const expectedGrid = expectedNet + expectedBattery;
    out.push({
      loadWh: actual.loadWh,
      pvWh: actual.pvWh,
      evWh: ev,
      batteryWh: battery,
      importWh: Math.max(0, grid),
      exportWh: Math.max(0, -grid),
      expectedImportWh: Math.max(0, expectedGrid),
      expectedExportWh: Math.max(0, -expectedGrid),
    });
  }
  return out;
}
