/**
 * Searching batteries (docs/storage.md): by community, zone, free capacity over a window, prices
 * and distance from a point. A query: it decides nothing on the ledger, so the distance may use
 * floating point (haversine on a sphere of 6,371,008.8 m, rounded to whole metres).
 */
import { compareIds } from '../core/identity';
import {
  BatteryTerms,
  checkStorageFields,
  MAX_STORAGE_PRICE_MICROS,
  MAX_STORAGE_WH,
  MICRO_DEGREES,
  storageId,
  storageInstant,
  storageInteger,
  storageInvalid,
} from './battery';
import { availableOver, freeCapacityWh, MAX_STORAGE_WINDOW_SECONDS, Reservation, StorageWindow } from './booking';

export const MAX_SEARCH_RESULTS = 1000;
const EARTH_RADIUS_M = 6_371_008.8;

export interface StorageSearch {
  communityId?: string;
  zone?: string;
  /** Free capacity over the window (or capacity, without one) of at least this many Wh. */
  minFreeWh?: number;
  window?: StorageWindow;
  maxStoredPriceMicrosPerKwh?: number;
  maxReservedPriceMicrosPerKwhDay?: number;
  near?: { latitudeMicro: number; longitudeMicro: number; radiusM: number };
  limit: number;
}

export const SEARCH_FIELDS = [
  'communityId',
  'zone',
  'minFreeWh',
  'from',
  'to',
  'maxStoredPriceMicrosPerKwh',
  'maxReservedPriceMicrosPerKwhDay',
  'latitudeMicro',
  'longitudeMicro',
  'radiusM',
  'limit',
] as const;

/** A search request checked; from and to come together, and so do latitude, longitude and radius. */
export function validateSearch(input: Record<string, unknown>): StorageSearch {
  checkStorageFields(input, SEARCH_FIELDS);
  const opt = <T>(field: string, parse: (v: unknown) => T): T | undefined => (input[field] === undefined ? undefined : parse(input[field]));
  const price = (field: string) => opt(field, (v) => storageInteger(v, field, 0, MAX_STORAGE_PRICE_MICROS));
  const search: StorageSearch = { limit: opt('limit', (v) => storageInteger(v, 'limit', 1, MAX_SEARCH_RESULTS)) ?? 100 };
  const communityId = opt('communityId', (v) => storageId(v, 'communityId'));
  const zone = opt('zone', (v) => storageId(v, 'zone'));
  const minFreeWh = opt('minFreeWh', (v) => storageInteger(v, 'minFreeWh', 1, MAX_STORAGE_WH));
  const maxStored = price('maxStoredPriceMicrosPerKwh');
  const maxReserved = price('maxReservedPriceMicrosPerKwhDay');
  if (communityId !== undefined) search.communityId = communityId;
  if (zone !== undefined) search.zone = zone;
  if (minFreeWh !== undefined) search.minFreeWh = minFreeWh;
  if (maxStored !== undefined) search.maxStoredPriceMicrosPerKwh = maxStored;
  if (maxReserved !== undefined) search.maxReservedPriceMicrosPerKwhDay = maxReserved;
  if ((input.from === undefined) !== (input.to === undefined)) throw storageInvalid('to', 'from and to come together');
  if (input.from !== undefined) {
    const window = { fromSeconds: storageInstant(input.from, 'from'), toSeconds: storageInstant(input.to, 'to') };
    if (window.toSeconds <= window.fromSeconds || window.toSeconds - window.fromSeconds > MAX_STORAGE_WINDOW_SECONDS) {
      throw storageInvalid('to', `the window must end after it starts and last at most ${MAX_STORAGE_WINDOW_SECONDS} s`);
    }
    search.window = window;
  }
  const point = ['latitudeMicro', 'longitudeMicro', 'radiusM'].filter((f) => input[f] !== undefined);
  if (point.length !== 0 && point.length !== 3) throw storageInvalid('radiusM', 'latitudeMicro, longitudeMicro and radiusM come together');
  if (point.length === 3) {
    search.near = {
      latitudeMicro: storageInteger(input.latitudeMicro, 'latitudeMicro', -90 * MICRO_DEGREES, 90 * MICRO_DEGREES),
      longitudeMicro: storageInteger(input.longitudeMicro, 'longitudeMicro', -180 * MICRO_DEGREES, 180 * MICRO_DEGREES),
      radiusM: storageInteger(input.radiusM, 'radiusM', 0, 20_100_000),
    };
  }
  return search;
}

/** Great-circle distance between two points in micro-degrees, in whole metres. */
export function distanceM(
  a: { latitudeMicro: number; longitudeMicro: number },
  b: { latitudeMicro: number; longitudeMicro: number },
): number {
  const rad = (micro: number) => (micro / MICRO_DEGREES) * (Math.PI / 180);
  const dLat = rad(b.latitudeMicro - a.latitudeMicro);
  const dLon = rad(b.longitudeMicro - a.longitudeMicro);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitudeMicro)) * Math.cos(rad(b.latitudeMicro)) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h))));
}

export interface SearchCandidate {
  battery: BatteryTerms;
  reservations: readonly Reservation[];
}

export interface SearchHit {
  battery: BatteryTerms;
  /** Capacity free over the whole window (the battery's capacity without a window). */
  freeWh: number;
  /** From the point searched around, when one was given. */
  distanceM: number | null;
}

/** The batteries that match, nearest first (then cheaper stored price, then id), at most `limit`. */
export function searchBatteries(search: StorageSearch, candidates: readonly SearchCandidate[]): SearchHit[] {
  const hits: SearchHit[] = [];
  for (const { battery, reservations } of candidates) {
    if (search.communityId !== undefined && battery.communityId !== search.communityId) continue;
    if (search.zone !== undefined && battery.zone !== search.zone) continue;
    if (search.maxStoredPriceMicrosPerKwh !== undefined && battery.storedPriceMicrosPerKwh > search.maxStoredPriceMicrosPerKwh) continue;
    if (
      search.maxReservedPriceMicrosPerKwhDay !== undefined &&
      battery.reservedPriceMicrosPerKwhDay > search.maxReservedPriceMicrosPerKwhDay
    )
      continue;
    const freeWh = search.window === undefined ? battery.capacityWh : freeCapacityWh(battery.capacityWh, reservations, search.window);
    if (search.minFreeWh !== undefined && freeWh < search.minFreeWh) continue;
    if (search.window !== undefined && freeWh === 0) continue;
    if (search.window !== undefined && !availableOver(battery.availability, search.window)) continue;
    const distance = search.near === undefined ? null : distanceM(search.near, battery);
    if (search.near !== undefined && distance! > search.near.radiusM) continue;
    hits.push({ battery, freeWh, distanceM: distance });
  }
  hits.sort(
    (a, b) =>
      (a.distanceM ?? 0) - (b.distanceM ?? 0) ||
      a.battery.storedPriceMicrosPerKwh - b.battery.storedPriceMicrosPerKwh ||
      compareIds(a.battery.batteryId, b.battery.batteryId),
  );
  return hits.slice(0, search.limit);
}
