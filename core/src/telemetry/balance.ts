/**
 * The live balance of a community from the latest sample of each device (docs/telemetry.md, "Live
 * balance"): per zone its supply, demand and net, the flow on its feeder and that flow's loading
 * of the feeder's limit; for the community the net exchange with the utility. Pure: the telemetry
 * service keeps the latest samples and the clock.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import type { TelemetryDevice } from './sample';

export interface LatestSample {
  device: TelemetryDevice;
  atSeconds: number;
  powerW: number;
  /** Absent when the device does not measure it. */
  frequencyMHz?: number;
  voltageMv?: number;
}

/** A zone's feeder limits in W (from the grid model; see the telemetry service's zone lookup). */
export interface ZoneLimit {
  zone: string;
  /** Most power the feeder may carry into the zone. */
  importLimitW: number;
  /** Most power the feeder may carry out of the zone. */
  exportLimitW: number;
}

export interface ZoneBalance {
  zone: string;
  /** Sum of the exports of the zone's meters (W, ≥ 0). */
  supplyW: number;
  /** Sum of the imports of the zone's meters (W, ≥ 0). */
  demandW: number;
  /** supplyW − demandW: what the zone's meters put out (+) or take (−). */
  netW: number;
  /** Flow out of the zone on its feeder (+ export): the feeder sensor's power if it reports, else netW. */
  feederFlowW: number;
  feederMeasured: boolean;
  /** The limit in the flow's direction; null when the zone has none. */
  limitW: number | null;
  /** |feederFlowW| of limitW in parts per million; null without a limit. */
  loadingPpm: number | null;
  devices: number;
  /** Devices of the zone with no sample within the freshness window (counted in nothing above). */
  staleDevices: number;
  minFrequencyMHz: number | null;
  maxFrequencyMHz: number | null;
  minVoltageMv: number | null;
  maxVoltageMv: number | null;
}

export interface CommunityBalance {
  at: number;
  zones: ZoneBalance[];
  supplyW: number;
  demandW: number;
  /** Net exchange with the utility (+ export): the connection point sensor if it reports, else the sum of the feeder flows. */
  netExchangeW: number;
  exchangeMeasured: boolean;
}

/** Loading in ppm of a limit, rounded down; null without a positive limit. */
export function loadingPpm(flowW: number, limitW: number | null): number | null {
  if (limitW === null || limitW <= 0) return null;
  return Math.floor((Math.abs(flowW) * 1_000_000) / limitW);
}

const fold = (a: number | null, b: number | undefined, pick: (x: number, y: number) => number) =>
  b === undefined ? a : a === null ? b : pick(a, b);

/**
 * The balance at `nowSeconds`: samples older than `freshSeconds` count as missing. Zones are those
 * of the devices and of the limits, sorted by id.
 */
export function liveBalance(
  latest: readonly LatestSample[],
  limits: readonly ZoneLimit[],
  nowSeconds: number,
  freshSeconds: number,
): CommunityBalance {
  const limitOf = new Map(limits.map((l) => [l.zone, l]));
  const zones = new Map<string, ZoneBalance & { feederW: number | null }>();
  const zoneOf = (zone: string) => {
    let z = zones.get(zone);
    if (z === undefined) {
      z = {
        zone,
        supplyW: 0,
        demandW: 0,
        netW: 0,
        feederFlowW: 0,
        feederMeasured: false,
        limitW: null,
        loadingPpm: null,
        devices: 0,
        staleDevices: 0,
        minFrequencyMHz: null,
        maxFrequencyMHz: null,
        minVoltageMv: null,
        maxVoltageMv: null,
        feederW: null,
      };
      zones.set(zone, z);
    }
    return z;
  };
  for (const l of limits) zoneOf(l.zone);
  let connectionW: number | null = null;
  for (const s of latest) {
    const fresh = nowSeconds - s.atSeconds <= freshSeconds;
    if (s.device.kind === 'connection') {
      if (fresh) connectionW = (connectionW ?? 0) + s.powerW;
      continue;
    }
    const z = zoneOf(s.device.zone);
    z.devices += 1;
    if (!fresh) {
      z.staleDevices += 1;
      continue;
    }
    z.minFrequencyMHz = fold(z.minFrequencyMHz, s.frequencyMHz, Math.min);
    z.maxFrequencyMHz = fold(z.maxFrequencyMHz, s.frequencyMHz, Math.max);
    z.minVoltageMv = fold(z.minVoltageMv, s.voltageMv, Math.min);
    z.maxVoltageMv = fold(z.maxVoltageMv, s.voltageMv, Math.max);
    if (s.device.kind === 'feeder') z.feederW = (z.feederW ?? 0) + s.powerW;
    else if (s.powerW >= 0) z.supplyW += s.powerW;
    else z.demandW -= s.powerW;
  }
  const result: ZoneBalance[] = [];
  for (const { feederW, ...z } of [...zones.values()].sort((a, b) => (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0))) {
    z.netW = z.supplyW - z.demandW;
    z.feederMeasured = feederW !== null;
    z.feederFlowW = feederW ?? z.netW;
    const limit = limitOf.get(z.zone);
    z.limitW = limit === undefined ? null : z.feederFlowW >= 0 ? limit.exportLimitW : limit.importLimitW;
    z.loadingPpm = loadingPpm(z.feederFlowW, z.limitW);
    result.push(z);
  }
  const supplyW = result.reduce((t, z) => t + z.supplyW, 0);
  const demandW = result.reduce((t, z) => t + z.demandW, 0);
  return {
    at: nowSeconds,
    zones: result,
    supplyW,
    demandW,
    netExchangeW: connectionW ?? result.reduce((t, z) => t + z.feederFlowW, 0),
    exchangeMeasured: connectionW !== null,
  };
}

/** One zone's interval aggregate as it goes on the ledger (telemetry:recordZoneIntervals). */
export interface ZoneIntervalTelemetry {
  zone: string;
  intervalStart: string;
  intervalSeconds: number;
  /** Balances taken into it (one per tick of the service). */
  ticks: number;
  meanSupplyW: number;
  meanDemandW: number;
  meanFeederFlowW: number;
  peakLoadingPpm: number | null;
  minFrequencyMHz: number | null;
  maxFrequencyMHz: number | null;
  minVoltageMv: number | null;
  maxVoltageMv: number | null;
}

/** Sums of one zone over an interval's ticks; meanOf turns them into the record. */
export interface ZoneAccumulator {
  ticks: number;
  supplyW: number;
  demandW: number;
  feederFlowW: number;
  peakLoadingPpm: number | null;
  minFrequencyMHz: number | null;
  maxFrequencyMHz: number | null;
  minVoltageMv: number | null;
  maxVoltageMv: number | null;
}

const pickOpt = (a: number | null, b: number | null, pick: (x: number, y: number) => number) => (b === null ? a : fold(a, b, pick));

/** Adds one balance's zones to the accumulators (mutated; a zone new to the interval gets one). */
export function accumulateBalance(acc: Map<string, ZoneAccumulator>, balance: CommunityBalance): void {
  for (const z of balance.zones) {
    const a = acc.get(z.zone) ?? {
      ticks: 0,
      supplyW: 0,
      demandW: 0,
      feederFlowW: 0,
      peakLoadingPpm: null,
      minFrequencyMHz: null,
      maxFrequencyMHz: null,
      minVoltageMv: null,
      maxVoltageMv: null,
    };
    a.ticks += 1;
    a.supplyW += z.supplyW;
    a.demandW += z.demandW;
    a.feederFlowW += z.feederFlowW;
    a.peakLoadingPpm = pickOpt(a.peakLoadingPpm, z.loadingPpm, Math.max);
    a.minFrequencyMHz = pickOpt(a.minFrequencyMHz, z.minFrequencyMHz, Math.min);
    a.maxFrequencyMHz = pickOpt(a.maxFrequencyMHz, z.maxFrequencyMHz, Math.max);
    a.minVoltageMv = pickOpt(a.minVoltageMv, z.minVoltageMv, Math.min);
    a.maxVoltageMv = pickOpt(a.maxVoltageMv, z.maxVoltageMv, Math.max);
    acc.set(z.zone, a);
  }
}

/** The interval's records, sorted by zone; means are rounded toward zero. */
export function zoneIntervalRecords(
  acc: ReadonlyMap<string, ZoneAccumulator>,
  intervalStart: string,
  intervalSeconds: number,
): ZoneIntervalTelemetry[] {
  return [...acc.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([zone, a]) => ({
      zone,
      intervalStart,
      intervalSeconds,
      ticks: a.ticks,
      meanSupplyW: Math.trunc(a.supplyW / a.ticks),
      meanDemandW: Math.trunc(a.demandW / a.ticks),
      meanFeederFlowW: Math.trunc(a.feederFlowW / a.ticks),
      peakLoadingPpm: a.peakLoadingPpm,
      minFrequencyMHz: a.minFrequencyMHz,
      maxFrequencyMHz: a.maxFrequencyMHz,
      minVoltageMv: a.minVoltageMv,
      maxVoltageMv: a.maxVoltageMv,
    }));
}

const RECORD_FIELDS = [
  'intervalSeconds',
  'intervalStart',
  'maxFrequencyMHz',
  'maxVoltageMv',
  'meanDemandW',
  'meanFeederFlowW',
  'meanSupplyW',
  'minFrequencyMHz',
  'minVoltageMv',
  'peakLoadingPpm',
  'ticks',
  'zone',
] as const;
const NULLABLE = ['peakLoadingPpm', 'minFrequencyMHz', 'maxFrequencyMHz', 'minVoltageMv', 'maxVoltageMv'];
const ZONE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * An interval's zone records as telemetry:recordZoneIntervals takes them: 1 to 500 records of distinct
 * zones, each of the documented fields with integers (some may be null), all of the given interval.
 * Throws TELEMETRY_MALFORMED naming the field.
 */
export function parseZoneIntervalRecords(value: unknown, intervalStart: string): ZoneIntervalTelemetry[] {
  const bad = (message: string, field: string) => new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, message, { field });
  if (!Array.isArray(value) || value.length === 0 || value.length > 500) throw bad('records must be an array of 1 to 500', 'records');
  const zones = new Set<string>();
  return value.map((r: unknown, i) => {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) throw bad('a record is an object', `records[${i}]`);
    const rec = r as Record<string, unknown>;
    const keys = Object.keys(rec).sort();
    if (keys.join() !== [...RECORD_FIELDS].join())
      throw bad(`a record has exactly the fields ${RECORD_FIELDS.join(', ')}`, `records[${i}]`);
    if (typeof rec.zone !== 'string' || !ZONE_ID.test(rec.zone) || zones.has(rec.zone))
      throw bad('zone must be a distinct id', `records[${i}].zone`);
    zones.add(rec.zone);
    if (rec.intervalStart !== intervalStart) throw bad(`intervalStart must be ${intervalStart}`, `records[${i}].intervalStart`);
    for (const f of RECORD_FIELDS) {
      if (f === 'zone' || f === 'intervalStart') continue;
      if (rec[f] === null && NULLABLE.includes(f)) continue;
      if (!Number.isSafeInteger(rec[f])) throw bad(`${f} must be an integer`, `records[${i}].${f}`);
    }
    if ((rec.ticks as number) < 1 || (rec.intervalSeconds as number) < 1)
      throw bad('ticks and intervalSeconds must be positive', `records[${i}]`);
    return rec as unknown as ZoneIntervalTelemetry;
  });
}
