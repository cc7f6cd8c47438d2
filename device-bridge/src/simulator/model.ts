import { DAY_SECONDS, formatInstant, type Reading } from '@gridledger/core';
import { germanLocal, prng } from '@gridledger/core/forecast';
import { profileData, type ProfileData } from './data';

/**
 * The simulated homes, pure: what a home's bidirectional meter at the grid connection measures
 * in one 15-minute interval. Everything is a function of (seed, home, interval), never of the
 * order in which intervals are computed, so a restarted simulator produces the very same
 * readings (a resent reading is a duplicate on the ledger, not a conflict).
 *
 * Load: BDEW H25 (month, day type, quarter hour of local German time; holidays are not
 * modelled, Sundays use the FT column) with H25's dynamisation over the year, scaled to the
 * home's annual consumption. One home is spikier than the average H25 describes, so the
 * profile is split: 80 % scaled by a factor drawn uniformly from [0.55, 1.05) (mean 0.8) and,
 * in expectation, 20 % as appliance events of 50-400 Wh whose probability follows the profile.
 * The expected energy equals H25's.
 *
 * PV: the hourly yield per kWp of a south-facing 35 degree array in Potsdam under the DWD test
 * reference year (generate.py), a quarter of the hour's energy in each quarter, times the
 * home's kWp, a per-home shading factor in [0.85, 1) and ±3 % per-interval noise, capped at
 * the array's capacity. Leap days repeat 28 February.
 *
 * Randomness: mulberry32 seeded with the 32-bit FNV-1a hash of `${seed}|${homeId}` (home
 * parameters) or `${seed}|${homeId}|${intervalStart}` (one interval).
 */

export const INTERVAL_SECONDS = 900;

export interface Home {
  homeId: string;
  /** The bidirectional meter at the home's grid connection. */
  meterId: string;
  annualKwh: number;
  /** PV array peak power in W (also the capacity to register the meter's asset with). */
  pvCapacityW: number;
  /** Fraction of the ideal yield the array gets (orientation, shading). */
  pvShading: number;
}

export interface MeterState {
  /** seq of the last reading (0 before the first). */
  seq: number;
  importRegisterWh: number;
  exportRegisterWh: number;
}

/** The seeded PRNG of the forecasts' load profile (one implementation: core/src/forecast/random.ts). */
export { fnv1a, prng } from '@gridledger/core/forecast';

/**
 * `count` homes `home-01`... with meters `home-01.main`, drawn from the seed. Every third home
 * (home-03, home-06, ...) has no PV: a community of prosumers only has a surplus all at once
 * around noon and a deficit all at once at night, and nobody to trade with either way.
 */
export function simulatedHomes(count: number, seed = 1): Home[] {
  return Array.from({ length: count }, (_, i) => {
    const homeId = `home-${String(i + 1).padStart(2, '0')}`;
    const rand = prng(`${seed}|${homeId}`);
    const annualKwh = Math.round(2000 + rand() * 3500);
    const pvCapacityW = Math.round(3 + rand() * 7) * 1000 + (rand() < 0.5 ? 500 : 0);
    return {
      homeId,
      meterId: `${homeId}.main`,
      annualKwh,
      pvCapacityW: i % 3 === 2 ? 0 : pvCapacityW,
      pvShading: Math.round((0.85 + rand() * 0.15) * 1000) / 1000,
    };
  });
}

/** The initial registers of a home's meter (a meter that has been in service for a while). */
export function initialMeterState(home: Home, seed = 1): MeterState {
  const rand = prng(`${seed}|${home.meterId}|registers`);
  return { seq: 0, importRegisterWh: Math.round(1e6 + rand() * 19e6), exportRegisterWh: Math.round(rand() * 9e6) };
}

/** German local time (CET/CEST): core/src/forecast/load-profile.ts. */
export { germanLocal } from '@gridledger/core/forecast';

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

function dayIndexOfYear(d: Date): number {
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / (DAY_SECONDS * 1000));
}

/** Expected household load of one quarter hour in Wh (before the per-home variation). */
export function profileLoadWh(annualKwh: number, intervalStart: number, data: ProfileData = profileData()): number {
  const local = germanLocal(intervalStart);
  const dow = local.getUTCDay();
  const dayType = dow === 0 ? 2 : dow === 6 ? 1 : 0;
  const quarter = local.getUTCHours() * 4 + Math.floor(local.getUTCMinutes() / 15);
  const mWhPerMWh = data.load.values[local.getUTCMonth()][dayType][quarter];
  const doy = dayIndexOfYear(local) + 1;
  const dynamisation = data.load.dynamisation.reduce((acc, c) => acc * doy + c, 0);
  return (mWhPerMWh / 1000) * dynamisation * (annualKwh / 1000);
}

/** PV yield of one quarter hour per kWp in Wh (a quarter of its UTC hour's yield). */
export function pvWhPerKwp(intervalStart: number, data: ProfileData = profileData()): number {
  const d = new Date(intervalStart * 1000);
  let day = dayIndexOfYear(d);
  if (isLeap(d.getUTCFullYear()) && day >= 59) day -= 1;
  return data.pv.hourly[Math.min(day, 364) * 24 + d.getUTCHours()] / 4;
}

export interface IntervalEnergy {
  loadWh: number;
  pvWh: number;
}

/** What the home consumed and produced in the interval starting at `intervalStart` (epoch s). */
export function homeEnergy(home: Home, intervalStart: number, seed = 1, data: ProfileData = profileData()): IntervalEnergy {
  const rand = prng(`${seed}|${home.homeId}|${formatInstant(intervalStart)}`);
  const expected = profileLoadWh(home.annualKwh, intervalStart, data);
  const EVENT_MEAN_WH = 225;
  // Base part: mean 0.8 of the profile; events below add the other 0.2 in expectation.
  let load = expected * (0.55 + 0.5 * rand());
  const eventProbability = Math.min(1, (0.2 * expected) / EVENT_MEAN_WH);
  const eventRoll = rand();
  const eventSize = 50 + 350 * rand();
  if (eventRoll < eventProbability) load += eventSize;
  const capWh = (home.pvCapacityW * INTERVAL_SECONDS) / 3600;
  const noise = 0.97 + 0.06 * rand();
  const pv = Math.min(capWh, pvWhPerKwp(intervalStart, data) * (home.pvCapacityW / 1000) * home.pvShading * noise);
  return { loadWh: Math.round(load), pvWh: Math.floor(pv) };
}

/** Part `index` of `parts` of `total` Wh, in whole Wh: the parts add up to the total exactly. */
export function sharedWh(total: number, parts: number, index: number): number {
  return Math.floor((total * (index + 1)) / parts) - Math.floor((total * index) / parts);
}

/**
 * How a real interval maps onto the model: its length (a divisor of the model's quarter hour, for
 * a ledger whose metering interval is shorter) and a shift of the model's clock (the demo's homes
 * see the sun of `shiftSeconds` later: `npm start` shows PV trading at any hour).
 */
export interface ModelClock {
  intervalSeconds: number;
  shiftSeconds: number;
}

export const QUARTER_HOUR_CLOCK: ModelClock = Object.freeze({ intervalSeconds: INTERVAL_SECONDS, shiftSeconds: 0 });

/** An interval length the model can produce: a whole divisor of its quarter hour, at least 60 s. */
export function checkIntervalSeconds(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 60 || INTERVAL_SECONDS % seconds !== 0) {
    throw new Error(`the simulator's interval must divide ${INTERVAL_SECONDS} s and be at least 60 s, not ${seconds}`);
  }
  return seconds;
}

/**
 * The home's energy in the real interval starting at `intervalStart` under `clock`: its share of
 * the model's quarter hour at the shifted instant (so a quarter's shorter intervals add up to it).
 */
export function intervalEnergy(
  home: Home,
  intervalStart: number,
  clock: ModelClock,
  seed = 1,
  data: ProfileData = profileData(),
): IntervalEnergy {
  const at = intervalStart + clock.shiftSeconds;
  const quarter = at - (((at % INTERVAL_SECONDS) + INTERVAL_SECONDS) % INTERVAL_SECONDS);
  const parts = INTERVAL_SECONDS / checkIntervalSeconds(clock.intervalSeconds);
  const index = Math.floor((at - quarter) / clock.intervalSeconds);
  const { loadWh, pvWh } = homeEnergy(home, quarter, seed, data);
  return { loadWh: sharedWh(loadWh, parts, index), pvWh: sharedWh(pvWh, parts, index) };
}

/** The net flows at the home's connection in the interval: import and export, never both. */
export function flowsOf(
  home: Home,
  intervalStart: number,
  seed = 1,
  clock: ModelClock = QUARTER_HOUR_CLOCK,
  data: ProfileData = profileData(),
): { importWh: number; exportWh: number } {
  const { loadWh, pvWh } = intervalEnergy(home, intervalStart, clock, seed, data);
  return { importWh: Math.max(0, loadWh - pvWh), exportWh: Math.max(0, pvWh - loadWh) };
}

/**
 * The meter's reading of one interval and its state after it: import and export are the net
 * flows at the connection over the interval, the registers grow by exactly those, seq by one.
 */
export function nextReading(
  home: Home,
  state: MeterState,
  intervalStart: number,
  seed = 1,
  data: ProfileData = profileData(),
  clock: ModelClock = QUARTER_HOUR_CLOCK,
): { reading: Reading; state: MeterState } {
  const { importWh, exportWh } = flowsOf(home, intervalStart, seed, clock, data);
  const next: MeterState = {
    seq: state.seq + 1,
    importRegisterWh: state.importRegisterWh + importWh,
    exportRegisterWh: state.exportRegisterWh + exportWh,
  };
  return {
    reading: {
      meterId: home.meterId,
      intervalStart: formatInstant(intervalStart),
      seq: next.seq,
      importWh,
      exportWh,
      importRegisterWh: next.importRegisterWh,
      exportRegisterWh: next.exportRegisterWh,
    },
    state: next,
  };
}
