/**
 * A scenario as a file (simulation/scenarios/*.json): the community's homes (how many, and the
 * mix of annual consumption, PV sizes and orientations, batteries and EVs they are drawn from),
 * the simulated day and hours of the weather year, how time is scaled, the community's market
 * tariffs and the homes' own tariffs. Loading
 * checks every field and says which one is wrong; `homesOf` draws the homes from the seed, so a
 * scenario gives the same community on every run.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { MIN_INTERVAL_SECONDS } from '@gridledger/core';
import { prng } from '@gridledger/device-bridge/dist/simulator/model';
import { AGENTS_MIN_INTERVAL_SECONDS } from './agents';
import type { HomeTariff } from './tariff';

export interface Orientation {
  /** Compass direction the array faces (180 south, 90 east, 270 west). */
  azimuthDeg: number;
  tiltDeg: number;
  /** Relative weight of this orientation among the PV homes. */
  weight: number;
}

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  homes: number;
  /** The simulated day (UTC date) and the hours of it the run covers. */
  day: string;
  fromHour: number;
  hours: number;
  /** The weather year the PV yield comes from (the data set names it; only one is shipped). */
  weatherYear: string;
  /** Simulated seconds one ledger interval stands for (a multiple of 900 that divides the day). */
  simulatedSecondsPerInterval: number;
  /** The ledger's interval (market and metering) in real seconds: 60, or down to MIN_INTERVAL_SECONDS (20) for a day in minutes. */
  ledgerIntervalSeconds: number;
  mix: {
    annualKwh: [number, number];
    pvShare: number;
    pvKwp: [number, number];
    orientations: Orientation[];
    batteryShare: number;
    batteryKwh: [number, number];
    evShare: number;
    evKwhPerDay: [number, number];
    /** UTC hours in which EVs arrive home and start charging. */
    evArrivalHour: [number, number];
    evChargeKw: number;
  };
  /** The community's market: the utility's prices it settles at (micro-credits per kWh), grid fee and clearing split k (ppm). */
  tariffs: { retailMicrosPerKwh: number; feedInMicrosPerKwh: number; gridFeeMicrosPerKwh: number; kPpm: number };
  /** The homes' own tariffs (tariff.ts), each home on one drawn by weight: what its savings are measured against. */
  homeTariffs: (HomeTariff & { weight: number })[];
  /** Who places the homes' orders: the simulator's own rule (default) or the homes' agents in the agent process (agents.ts). */
  orders: 'simulator' | 'agents';
}

export interface SimHome {
  homeId: string;
  annualKwh: number;
  pvKwp: number;
  orientation: Orientation | null;
  /** Fraction of the ideal yield (shading, soiling), per home. */
  pvShading: number;
  batteryWh: number;
  /** Battery power in W (half its capacity per hour). */
  batteryW: number;
  /** Energy the EV takes each day and the hour (UTC, fractional) it arrives; 0 Wh: no EV. */
  evWhPerDay: number;
  evArrivalHour: number;
  /** The name of the home's own tariff (Scenario.homeTariffs). */
  tariff: string;
}

export class ScenarioError extends Error {
  readonly code = 'SCENARIO_INVALID';
}

const fail = (file: string, field: string, why: string): never => {
  throw new ScenarioError(`${file}: ${field} ${why}`);
};

function num(file: string, o: Record<string, unknown>, field: string, min: number, max: number, integer = false): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v)))
    fail(file, field, `must be a ${integer ? 'whole ' : ''}number in [${min}, ${max}], not ${JSON.stringify(v)}`);
  return v as number;
}

function range(file: string, o: Record<string, unknown>, field: string, min: number, max: number): [number, number] {
  const v = o[field];
  if (!Array.isArray(v) || v.length !== 2) return fail(file, field, 'must be [low, high]');
  const lo = num(file, { [`${field}[0]`]: v[0] }, `${field}[0]`, min, max);
  const hi = num(file, { [`${field}[1]`]: v[1] }, `${field}[1]`, min, max);
  if (lo > hi) fail(file, field, 'must have low <= high');
  return [lo, hi];
}

function obj(file: string, v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(file, field, 'must be an object');
  return v as Record<string, unknown>;
}

/** A scenario from its parsed JSON; `file` names it in errors. */
export function parseScenario(input: unknown, file = 'scenario'): Scenario {
  const o = obj(file, input, 'the scenario');
  const str = (field: string) =>
    typeof o[field] === 'string' && o[field] !== '' ? (o[field] as string) : fail(file, field, 'must be text');
  const name = str('name');
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(name)) fail(file, 'name', 'must be lower-case letters, digits and dashes (at most 32)');
  const day = str('day');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) fail(file, 'day', 'must be a date YYYY-MM-DD');
  const fromHour = num(file, o, 'fromHour', 0, 23, true);
  const hours = num(file, o, 'hours', 1, 24 - fromHour, true);
  const simulatedSecondsPerInterval = num(file, o, 'simulatedSecondsPerInterval', 900, 86_400, true);
  if (simulatedSecondsPerInterval % 900 !== 0 || 86_400 % simulatedSecondsPerInterval !== 0)
    fail(file, 'simulatedSecondsPerInterval', 'must be a multiple of 900 that divides 86400');
  if ((hours * 3600) % simulatedSecondsPerInterval !== 0) fail(file, 'hours', 'must be a whole number of simulated intervals');
  const ledgerIntervalSeconds = num(file, o, 'ledgerIntervalSeconds', MIN_INTERVAL_SECONDS, 900, true);
  if (86_400 % ledgerIntervalSeconds !== 0) fail(file, 'ledgerIntervalSeconds', 'must divide 86400');
  const m = obj(file, o.mix, 'mix');
  const orientations = Array.isArray(m.orientations) ? m.orientations : fail(file, 'mix.orientations', 'must be a list');
  const t = obj(file, o.tariffs, 'tariffs');
  const tariffs = {
    retailMicrosPerKwh: num(file, t, 'retailMicrosPerKwh', 0, 10_000_000, true),
    feedInMicrosPerKwh: num(file, t, 'feedInMicrosPerKwh', 0, 10_000_000, true),
    gridFeeMicrosPerKwh: num(file, t, 'gridFeeMicrosPerKwh', 0, 10_000_000, true),
    kPpm: num(file, t, 'kPpm', 0, 1_000_000, true),
  };
  if (tariffs.feedInMicrosPerKwh > tariffs.retailMicrosPerKwh) fail(file, 'tariffs', 'must have feed-in <= retail');
  const listed = Array.isArray(o.homeTariffs) && o.homeTariffs.length > 0 ? o.homeTariffs : fail(file, 'homeTariffs', 'must be a list');
  const homeTariffs = listed.map((x, i) => homeTariff(file, x, `homeTariffs[${i}]`));
  if (new Set(homeTariffs.map((t) => t.name)).size !== homeTariffs.length) fail(file, 'homeTariffs', 'must have different names');
  const orders = o.orders ?? 'simulator';
  if (orders !== 'simulator' && orders !== 'agents') fail(file, 'orders', 'must be "simulator" or "agents"');
  if (orders === 'agents' && ledgerIntervalSeconds < AGENTS_MIN_INTERVAL_SECONDS)
    fail(file, 'ledgerIntervalSeconds', `must be at least ${AGENTS_MIN_INTERVAL_SECONDS} with orders "agents" (the agents' cycle)`);
  return {
    name,
    description: str('description'),
    seed: num(file, o, 'seed', 0, 2 ** 31, true),
    homes: num(file, o, 'homes', 2, 1000, true),
    day,
    fromHour,
    hours,
    weatherYear: str('weatherYear'),
    simulatedSecondsPerInterval,
    ledgerIntervalSeconds,
    mix: {
      annualKwh: range(file, m, 'annualKwh', 500, 20_000),
      pvShare: num(file, m, 'pvShare', 0, 1),
      pvKwp: range(file, m, 'pvKwp', 0.5, 30),
      orientations: orientations.map((x, i) => {
        const r = obj(file, x, `mix.orientations[${i}]`);
        return {
          azimuthDeg: num(file, r, 'azimuthDeg', 0, 360),
          tiltDeg: num(file, r, 'tiltDeg', 0, 90),
          weight: num(file, r, 'weight', 0, 1e6),
        };
      }),
      batteryShare: num(file, m, 'batteryShare', 0, 1),
      batteryKwh: range(file, m, 'batteryKwh', 0, 100),
      evShare: num(file, m, 'evShare', 0, 1),
      evKwhPerDay: range(file, m, 'evKwhPerDay', 0, 100),
      evArrivalHour: range(file, m, 'evArrivalHour', 0, 24),
      evChargeKw: num(file, m, 'evChargeKw', 1, 50),
    },
    tariffs,
    homeTariffs,
    orders: orders as Scenario['orders'],
  };
}

function homeTariff(file: string, x: unknown, at: string): HomeTariff & { weight: number } {
  const r = obj(file, x, at);
  const price = (o: Record<string, unknown>, field: string) => num(file, o, field, 0, 10_000_000, true);
  if (typeof r.name !== 'string' || !/^[a-z0-9][a-z0-9-]{0,31}$/.test(r.name))
    fail(file, `${at}.name`, 'must be lower-case letters, digits and dashes');
  const t: HomeTariff & { weight: number } = {
    name: r.name as string,
    weight: num(file, r, 'weight', 0, 1e6),
    retailMicrosPerKwh: price(r, 'retailMicrosPerKwh'),
    feedInMicrosPerKwh: price(r, 'feedInMicrosPerKwh'),
  };
  if (r.peak !== undefined) {
    const p = obj(file, r.peak, `${at}.peak`);
    const fromHour = num(file, p, 'fromHour', 0, 23, true);
    t.peak = { fromHour, toHour: num(file, p, 'toHour', fromHour + 1, 24, true), retailMicrosPerKwh: price(p, 'retailMicrosPerKwh') };
  }
  if (t.feedInMicrosPerKwh > Math.min(t.retailMicrosPerKwh, t.peak?.retailMicrosPerKwh ?? Infinity))
    fail(file, at, 'must have feed-in <= its import prices');
  return t;
}

/** Reads and checks a scenario file; its name must be the file's. */
/**
 * The scenario on another time scale (`npm run simulate`'s --ledger-interval and --step, the
 * bench's variables), checked as a file's fields are; `from` names where the values came from.
 */
export function withTimeScale(
  s: Scenario,
  change: { ledgerIntervalSeconds?: number; simulatedSecondsPerInterval?: number },
  from = 'the command line',
): Scenario {
  const given = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
  return parseScenario({ ...s, ...given }, from);
}

export function loadScenario(path: string): Scenario {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ScenarioError(`${path}: ${(e as Error).message}`);
  }
  const scenario = parseScenario(parsed, path);
  if (`${scenario.name}.json` !== basename(path)) fail(path, 'name', `must be the file's name (${basename(path, '.json')})`);
  return scenario;
}

/** Picks one of `options` by weight with one uniform draw. */
function pick<T extends { weight: number }>(options: readonly T[], u: number): T | null {
  const total = options.reduce((s, o) => s + o.weight, 0);
  let acc = 0;
  for (const o of options) {
    acc += o.weight;
    if (u * total < acc) return o;
  }
  return options.at(-1) ?? null;
}

/**
 * The scenario's homes, home-001..., each drawn from `${seed}|${homeId}` (so adding homes leaves
 * the first ones as they were): uniform within the mix's ranges, PV, battery and EV each with its
 * share's probability. Sizes are rounded to what is sold (0.5 kWp, 1 kWh).
 */
export function homesOf(s: Scenario): SimHome[] {
  const between = (u: number, [lo, hi]: [number, number]) => lo + u * (hi - lo);
  return Array.from({ length: s.homes }, (_, i) => {
    const homeId = `home-${String(i + 1).padStart(3, '0')}`;
    const rand = prng(`${s.seed}|${homeId}`);
    const draws = Array.from({ length: 11 }, () => rand());
    const hasPv = draws[1] < s.mix.pvShare;
    const hasBattery = hasPv && draws[4] < s.mix.batteryShare;
    const hasEv = draws[6] < s.mix.evShare;
    const batteryWh = hasBattery ? Math.round(between(draws[5], s.mix.batteryKwh)) * 1000 : 0;
    return {
      homeId,
      annualKwh: Math.round(between(draws[0], s.mix.annualKwh)),
      pvKwp: hasPv ? Math.round(between(draws[2], s.mix.pvKwp) * 2) / 2 : 0,
      orientation: hasPv ? pick(s.mix.orientations, draws[3]) : null,
      pvShading: Math.round((0.85 + draws[9] * 0.15) * 1000) / 1000,
      batteryWh,
      batteryW: batteryWh / 2,
      evWhPerDay: hasEv ? Math.round(between(draws[7], s.mix.evKwhPerDay) * 1000) : 0,
      evArrivalHour: hasEv ? Math.round(between(draws[8], s.mix.evArrivalHour) * 4) / 4 : 0,
      tariff: pick(s.homeTariffs, draws[10])!.name,
    };
  });
}
