/**
 * A battery offered for storage (docs/storage.md): its provider registers capacity, power,
 * round-trip efficiency, zone, location, availability windows, prices and the meter whose verified
 * readings measure its energy in (import) and out (export). Pure checks, integers only.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN, ID_RULE } from '../core/identity';
import { formatInstant, parseInstant } from '../core/units';
import { PPM } from '../market/order';

/** A battery holds at most 1 TWh; power at most 10 GW. */
export const MAX_STORAGE_WH = 1_000_000_000_000;
export const MAX_STORAGE_POWER_W = 10_000_000_000;
/** Prices in micro-units: at most 10^12 per kWh (per kWh and day). */
export const MAX_STORAGE_PRICE_MICROS = 1_000_000_000_000;
/** A battery lists at most this many availability windows. */
export const MAX_AVAILABILITY_WINDOWS = 50;
/** Latitude and longitude in micro-degrees. */
export const MICRO_DEGREES = 1_000_000;

export interface AvailabilityWindow {
  /** UTC instants, from inclusive, to exclusive. */
  from: string;
  to: string;
}

export interface BatteryTerms {
  batteryId: string;
  communityId: string;
  zone: string;
  meterId: string;
  capacityWh: number;
  maxChargeW: number;
  maxDischargeW: number;
  /** Declared round-trip efficiency (energy out / energy in), in ppm: the settlement's measure of what must come back. */
  roundTripEfficiencyPpm: number;
  latitudeMicro: number;
  longitudeMicro: number;
  /** Sorted by start, none overlapping. */
  availability: AvailabilityWindow[];
  /** Paid per kWh stored (energy in, up to the reserved capacity). */
  storedPriceMicrosPerKwh: number;
  /** Paid per kWh reserved per day of the window (pro rata by the second). */
  reservedPriceMicrosPerKwhDay: number;
  /** Deducted from the provider's payment per kWh of capacity not delivered (docs/storage.md). */
  penaltyMicrosPerKwh: number;
  /**
   * The certificates' storage asset of the battery (docs/storage.md, "Certificates"): a
   * regulator-verified asset of source `storage` of the provider, on the battery's meter.
   */
  assetId?: string;
}

export const BATTERY_FIELDS = [
  'batteryId',
  'communityId',
  'zone',
  'meterId',
  'capacityWh',
  'maxChargeW',
  'maxDischargeW',
  'roundTripEfficiencyPpm',
  'latitudeMicro',
  'longitudeMicro',
  'availability',
  'storedPriceMicrosPerKwh',
  'reservedPriceMicrosPerKwhDay',
  'penaltyMicrosPerKwh',
  'assetId',
] as const;

/** STORAGE_INPUT_INVALID naming the field. */
export function storageInvalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.STORAGE_INPUT_INVALID, message, { field });
}

/** Refuses a field of `input` that is not one of `fields`. */
export function checkStorageFields(input: Record<string, unknown>, fields: readonly string[]): void {
  for (const field of Object.keys(input).sort()) {
    if (!fields.includes(field)) throw storageInvalid(field, `${field} is not a field of the request`);
  }
}

export function storageId(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw storageInvalid(field, `${field} must be ${ID_RULE}`);
  return value;
}

/** An integer in [min, max], or STORAGE_INPUT_INVALID. */
export function storageInteger(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw storageInvalid(field, `${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** A UTC instant in epoch seconds, or STORAGE_INPUT_INVALID. */
export function storageInstant(value: unknown, field: string): number {
  const seconds = typeof value === 'string' ? parseInstant(value) : undefined;
  if (seconds === undefined) throw storageInvalid(field, `${field} must be a UTC instant like 2026-12-01T10:00:00Z`);
  return seconds;
}

function availabilityOf(value: unknown): AvailabilityWindow[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_AVAILABILITY_WINDOWS) {
    throw storageInvalid('availability', `availability must be 1 to ${MAX_AVAILABILITY_WINDOWS} windows { from, to }`);
  }
  const windows = value.map((w: unknown, k) => {
    const field = `availability[${k}]`;
    if (typeof w !== 'object' || w === null || Array.isArray(w)) throw storageInvalid(field, `${field} must be { from, to }`);
    const record = w as Record<string, unknown>;
    checkStorageFields(record, ['from', 'to']);
    const from = storageInstant(record.from, `${field}.from`);
    const to = storageInstant(record.to, `${field}.to`);
    if (to <= from) throw storageInvalid(field, `${field} must end after it starts`);
    return { from, to };
  });
  windows.sort((a, b) => a.from - b.from);
  for (let k = 1; k < windows.length; k++) {
    if (windows[k].from < windows[k - 1].to) throw storageInvalid('availability', 'availability windows must not overlap');
  }
  return windows.map((w) => ({ from: formatInstant(w.from), to: formatInstant(w.to) }));
}

/** The terms of a battery registration, checked; STORAGE_INPUT_INVALID naming the first field at fault. */
export function validateBattery(input: Record<string, unknown>): BatteryTerms {
  checkStorageFields(input, BATTERY_FIELDS);
  const amount = (field: string, min: number, max: number) => storageInteger(input[field], field, min, max);
  return {
    batteryId: storageId(input.batteryId, 'batteryId'),
    communityId: storageId(input.communityId, 'communityId'),
    zone: storageId(input.zone, 'zone'),
    meterId: storageId(input.meterId, 'meterId'),
    capacityWh: amount('capacityWh', 1, MAX_STORAGE_WH),
    maxChargeW: amount('maxChargeW', 1, MAX_STORAGE_POWER_W),
    maxDischargeW: amount('maxDischargeW', 1, MAX_STORAGE_POWER_W),
    roundTripEfficiencyPpm: amount('roundTripEfficiencyPpm', 1, PPM),
    latitudeMicro: amount('latitudeMicro', -90 * MICRO_DEGREES, 90 * MICRO_DEGREES),
    longitudeMicro: amount('longitudeMicro', -180 * MICRO_DEGREES, 180 * MICRO_DEGREES),
    availability: availabilityOf(input.availability),
    storedPriceMicrosPerKwh: amount('storedPriceMicrosPerKwh', 0, MAX_STORAGE_PRICE_MICROS),
    reservedPriceMicrosPerKwhDay: amount('reservedPriceMicrosPerKwhDay', 0, MAX_STORAGE_PRICE_MICROS),
    penaltyMicrosPerKwh: amount('penaltyMicrosPerKwh', 0, MAX_STORAGE_PRICE_MICROS),
    ...(input.assetId === undefined ? {} : { assetId: storageId(input.assetId, 'assetId') }),
  };
}

/** Why an asset cannot be a battery's storage asset (BATTERY_ASSET_INVALID's `reason`), or undefined when it can. */
export function batteryAssetFault(
  battery: Pick<BatteryTerms, 'meterId'> & { providerId: string },
  asset: { source: string; participantId: string; meterId: string; verified: boolean },
): 'not-storage' | 'unverified' | 'other-participant' | 'other-meter' | undefined {
  if (asset.source !== 'storage') return 'not-storage';
  if (asset.participantId !== battery.providerId) return 'other-participant';
  if (asset.meterId !== battery.meterId) return 'other-meter';
  if (!asset.verified) return 'unverified';
  return undefined;
}
