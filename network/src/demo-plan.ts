/**
 * The demo market of `npm start`, pure: what the start flow sets up (metering and market
 * parameters, credits), which orders the demo homes place, and the console line of an interval.
 * The shell that calls the gateways is demo.ts.
 *
 * Why these numbers: a market interval of 60 s with a gate 10 s before it and a metering interval
 * of 60 s with a late window of 30 s make one interval close, clear and settle every minute, so a
 * newcomer sees trades within two intervals; the simulator's quarter hours are split into minutes.
 */
import { formatInstant } from '@gridledger/core';

/** The ledger's metering parameters the demo needs (they apply to the whole channel). */
export const DEMO_METERING_PARAMS = Object.freeze({ intervalSeconds: 60, lateWindowSeconds: 30 });

/** The demo community's market (prices in micro-units per kWh). */
export const DEMO_MARKET_PARAMS = Object.freeze({
  intervalSeconds: 60,
  gateClosureSeconds: 10,
  openingHorizonSeconds: 3600,
  feedInMicrosPerKwh: 80_000,
  retailMicrosPerKwh: 320_000,
  gridFeeMicrosPerKwh: 20_000,
  kPpm: 500_000,
});

export type DemoMarketParams = { readonly [K in keyof typeof DEMO_MARKET_PARAMS]: number };

/** A home whose available credits fall below the floor is topped up to the target by the utility. */
export const DEMO_CREDITS = Object.freeze({ floorMicros: 5_000_000, targetMicros: 20_000_000 });

/** How many market intervals ahead the homes have their orders in. */
export const ORDER_AHEAD_INTERVALS = 3;
/** An interval whose gate closes sooner than this is left alone (the order might race the close). */
const GATE_MARGIN_SECONDS = 5;

/** The fields of `wanted` whose value differs from `current` (all of them when there is no current record). */
export function paramsChange<T extends Record<string, number>>(current: Record<string, unknown> | undefined, wanted: T): Partial<T> {
  const change: Partial<T> = {};
  for (const key of Object.keys(wanted).sort() as (keyof T & string)[]) {
    if (current?.[key] !== wanted[key]) change[key] = wanted[key];
  }
  return change;
}

/** The deposit that brings a home's available credits back to the target, or 0 while they are above the floor. */
export function topUpMicros(availableMicros: number): number {
  return availableMicros >= DEMO_CREDITS.floorMicros ? 0 : DEMO_CREDITS.targetMicros - availableMicros;
}

/** How many quarter hours ahead the homes should have both buyers and sellers among them. */
export const MIXED_QUARTERS = 8;

/**
 * How far the demo shifts the simulated homes' clock (whole quarter hours, none if it will do):
 * the least shift at which, for the next two hours of the model, some homes expect a surplus and
 * others a deficit in every quarter hour. At night nobody exports and around noon everybody does:
 * either way nothing would trade. `bothSides` says it of one model quarter hour. With no such
 * shift in a day, the one with the most such quarter hours.
 */
export function tradingShiftSeconds(nowSeconds: number, bothSides: (modelQuarterStart: number) => boolean): number {
  const quarter = nowSeconds - (nowSeconds % 900);
  let best = { shift: 0, mixed: -1 };
  for (let shift = 0; shift < 86_400; shift += 900) {
    const mixed = Array.from({ length: MIXED_QUARTERS }, (_, q) => quarter + shift + q * 900).filter(bothSides).length;
    if (mixed === MIXED_QUARTERS) return shift;
    if (mixed > best.mixed) best = { shift, mixed };
  }
  return best.shift;
}

/**
 * Whether some of the homes export and others import, by their energy in one quarter hour, each by
 * more than `marginWh`: the minutes of a quarter share its load and PV each in whole Wh, so only a
 * margin of 2 Wh a minute keeps every minute on the quarter's side.
 */
export function bothSides(energies: readonly { loadWh: number; pvWh: number }[], marginWh = 0): boolean {
  return energies.some((e) => e.pvWh - e.loadWh > marginWh) && energies.some((e) => e.loadWh - e.pvWh > marginWh);
}

/** The margin of bothSides for intervals of `intervalSeconds`: 2 Wh for each of a quarter hour's intervals. */
export const sideMarginWh = (intervalSeconds: number): number => (2 * 900) / intervalSeconds;

/** The intervals whose orders should be in at `nowSeconds`: the next few whose gate is still far enough away. */
export function intervalsToOrder(nowSeconds: number, params: Pick<DemoMarketParams, 'intervalSeconds' | 'gateClosureSeconds'>): number[] {
  const len = params.intervalSeconds;
  const first = Math.ceil((nowSeconds + params.gateClosureSeconds + GATE_MARGIN_SECONDS) / len) * len;
  return Array.from({ length: ORDER_AHEAD_INTERVALS }, (_, k) => first + k * len);
}

export interface DemoHomeForecast {
  participantId: string;
  /** The home's index among the demo homes: its prices differ a little from the others'. */
  index: number;
  /** What its meter's export capacity allows in one interval (the market refuses more). */
  capacityWh: number;
  /** The simulator's energy for the interval: what the home expects to import and export. */
  importWh: number;
  exportWh: number;
}

export interface DemoOrder {
  clientOrderId: string;
  communityId: string;
  intervalStart: string;
  side: 'buy' | 'sell';
  energyWh: number;
  priceMicrosPerKwh: number;
}

/**
 * A home's order for an interval: it sells its expected surplus (up to its capacity) low in the
 * price band, or buys its expected deficit high in it, each home a little apart from the others
 * so that the clearing has a price to find; none when it expects neither. The clientOrderId names
 * the interval, so an order placed again after a restart is the same order.
 */
export function demoOrder(
  home: DemoHomeForecast,
  communityId: string,
  intervalStart: number,
  params: DemoMarketParams,
): DemoOrder | undefined {
  const band = params.retailMicrosPerKwh - params.feedInMicrosPerKwh;
  const step = (home.index % 4) * 5;
  const at = (percent: number) => params.feedInMicrosPerKwh + Math.round((band * percent) / 100);
  const base = { clientOrderId: `demo-${intervalStart}`, communityId, intervalStart: formatInstant(intervalStart) };
  const sell = Math.min(home.exportWh, home.capacityWh);
  if (sell > 0) return { ...base, side: 'sell', energyWh: sell, priceMicrosPerKwh: at(20 + step) };
  if (home.importWh > 0) return { ...base, side: 'buy', energyWh: home.importWh, priceMicrosPerKwh: at(55 + step) };
  return undefined;
}

export interface ClearedInterval {
  intervalStart: string;
  priceMicrosPerKwh: number | null;
  volumeWh: number;
  tradeCount: number;
  fills: readonly { side: string; energyWh: number }[];
}

/** Lines of `up` a person wants on the console at `npm start`; the network's timed steps go to the start log, but its last. */
export const worthSaying = (line: string): boolean => !/^\[ *[\d.]+ s\] /.test(line) || line.endsWith('network ready');

const credits = (micros: number) => (micros / 1_000_000).toFixed(3);
const percent = (ppm: number | null) => (ppm === null ? '-' : `${Math.round(ppm / 10_000)} %`);
const clock = (instant: string) => instant.slice(11, 16);

/** P2P share of demand at clearing: the energy bought from peers over the energy every buy order asked for, in ppm. */
export function p2pSharePpm(c: Pick<ClearedInterval, 'volumeWh' | 'fills'>): number | null {
  const demand = c.fills.filter((f) => f.side === 'buy').reduce((sum, f) => sum + f.energyWh, 0);
  return demand === 0 ? null : Math.round((c.volumeWh * 1_000_000) / demand);
}

/** The console line of a cleared interval: price, volume, P2P share of demand, and where to look. */
export function clearedLine(c: ClearedInterval, url: string): string {
  const price = c.priceMicrosPerKwh === null ? 'no price' : `${credits(c.priceMicrosPerKwh)} credits/kWh`;
  const what = `${String(c.volumeWh).padStart(5)} Wh at ${price}, ${c.tradeCount} trades, P2P share ${percent(p2pSharePpm(c))}`;
  return `${clock(c.intervalStart)} cleared  ${what}   ${url}`;
}

export interface SettledInterval {
  intervalStart: string;
  p2pVolumeWh: number;
  p2pShareOfDemand: { ppm: number | null };
  selfSufficiency: { ppm: number | null };
  deviationSuppliedWh: number;
  deviationTakenWh: number;
}

/** The console line of a settled interval, from its market figures. */
export function settledLine(s: SettledInterval, url: string): string {
  const shares = `share ${percent(s.p2pShareOfDemand.ppm)}, self-sufficiency ${percent(s.selfSufficiency.ppm)}`;
  const deviations = `utility supplied ${s.deviationSuppliedWh} Wh, took ${s.deviationTakenWh} Wh`;
  return `${clock(s.intervalStart)} settled  ${String(s.p2pVolumeWh).padStart(5)} Wh P2P, ${shares}, ${deviations}   ${url}`;
}
