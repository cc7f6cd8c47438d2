/**
 * Sites, generation assets, consumer preferences and meter exchanges: the shapes the ledger
 * accepts, each failure ASSET_INVALID with `details.field` (ids: PARTICIPANT_ID_INVALID for the
 * owner, METER_KEY_INVALID for a key). Unknown fields are refused: nothing unchecked is stored.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN, ID_RULE } from '../core/identity';
import { parseMeterPublicKey } from '../core/reading';
import { isAmount, isIntervalStart, parseInstant } from '../core/units';

export const ASSET_SOURCES = ['solar', 'wind', 'hydro', 'biomass', 'storage'] as const;
export type AssetSource = (typeof ASSET_SOURCES)[number];
export const LOCALITIES = ['feeder', 'zone', 'community', 'any'] as const;
export const ASSET_RECORD_KINDS = ['maintenance', 'inspection'] as const;

/** 1 GW: larger than any asset or connection a community has, small enough for exact sums. */
const MAX_CAPACITY_W = 1_000_000_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_TEXT = 256;

function invalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.ASSET_INVALID, message, { field });
}

function objectOf(input: unknown, fields: readonly string[], what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw invalid('', `${what} must be a JSON object`);
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) if (!fields.includes(key)) throw invalid(key, `${key} is not a field of ${what}`);
  return record;
}

const idField = (r: Record<string, unknown>, field: string): string => {
  const v = r[field];
  if (typeof v !== 'string' || !ID_PATTERN.test(v)) {
    if (field === 'participantId')
      throw new GridLedgerError(ErrorCodes.PARTICIPANT_ID_INVALID, `participantId must be ${ID_RULE}`, { field });
    throw invalid(field, `${field} must be ${ID_RULE}`);
  }
  return v;
};

const capacityField = (r: Record<string, unknown>, field: string): number => {
  const v = r[field];
  if (!isAmount(v) || v === 0 || v > MAX_CAPACITY_W) throw invalid(field, `${field} must be an integer from 1 to ${MAX_CAPACITY_W} (W)`);
  return v;
};

const textField = (r: Record<string, unknown>, field: string, optional = false): string | undefined => {
  const v = r[field];
  if (v === undefined && optional) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are what the check refuses
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(v)) {
    throw invalid(field, `${field} must be 1 to ${MAX_TEXT} printable characters`);
  }
  return v;
};

const dateField = (r: Record<string, unknown>, field: string): string => {
  const v = r[field];
  if (typeof v !== 'string' || !DATE.test(v) || parseInstant(`${v}T00:00:00Z`) === undefined)
    throw invalid(field, `${field} must be a date like 2026-11-21`);
  return v;
};

const hashField = (r: Record<string, unknown>, field: string, optional = false): string | undefined => {
  const v = r[field];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string' || !SHA256_HEX.test(v)) throw invalid(field, `${field} must be a SHA-256 in lower-case hex`);
  return v;
};

function oneOf<T extends string>(r: Record<string, unknown>, field: string, allowed: readonly T[]): T {
  const v = r[field];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw invalid(field, `${field} must be one of ${allowed.join(', ')}`);
  return v as T;
}

/** A participant's site: its connection to the grid limits what its meters can import. */
export interface SiteRegistration {
  siteId: string;
  participantId: string;
  connectionCapacityW: number;
  zone: string;
  feeder?: string;
}

export function validateSite(input: unknown): SiteRegistration {
  const r = objectOf(input, ['siteId', 'participantId', 'connectionCapacityW', 'zone', 'feeder'], 'a site');
  const feeder = r.feeder === undefined ? undefined : idField(r, 'feeder');
  return {
    siteId: idField(r, 'siteId'),
    participantId: idField(r, 'participantId'),
    connectionCapacityW: capacityField(r, 'connectionCapacityW'),
    zone: idField(r, 'zone'),
    ...(feeder !== undefined ? { feeder } : {}),
  };
}

/** A generation asset as its producer registers it. */
export interface AssetRegistration {
  assetId: string;
  participantId: string;
  meterId: string;
  source: AssetSource;
  capacityW: number;
  zone: string;
  feeder: string;
  location: string;
  commissionedOn: string;
  certificationHash: string;
}

export function validateAsset(input: unknown): AssetRegistration {
  const fields = [
    'assetId',
    'participantId',
    'meterId',
    'source',
    'capacityW',
    'zone',
    'feeder',
    'location',
    'commissionedOn',
    'certificationHash',
  ];
  const r = objectOf(input, fields, 'an asset');
  return {
    assetId: idField(r, 'assetId'),
    participantId: idField(r, 'participantId'),
    meterId: idField(r, 'meterId'),
    source: oneOf(r, 'source', ASSET_SOURCES),
    capacityW: capacityField(r, 'capacityW'),
    zone: idField(r, 'zone'),
    feeder: idField(r, 'feeder'),
    location: textField(r, 'location')!,
    commissionedOn: dateField(r, 'commissionedOn'),
    certificationHash: hashField(r, 'certificationHash')!,
  };
}

/** A maintenance or inspection entry the producer adds to an asset's record. */
export interface AssetRecordEntry {
  kind: (typeof ASSET_RECORD_KINDS)[number];
  performedOn: string;
  note: string;
  documentHash?: string;
}

export function validateAssetRecord(input: unknown): AssetRecordEntry {
  const r = objectOf(input, ['kind', 'performedOn', 'note', 'documentHash'], 'an asset record');
  const documentHash = hashField(r, 'documentHash', true);
  return {
    kind: oneOf(r, 'kind', ASSET_RECORD_KINDS),
    performedOn: dateField(r, 'performedOn'),
    note: textField(r, 'note')!,
    ...(documentHash !== undefined ? { documentHash } : {}),
  };
}

/** What a consumer would like to buy, for later matching. */
export interface ConsumerPreferences {
  sources: AssetSource[];
  locality: (typeof LOCALITIES)[number];
}

export function validatePreferences(input: unknown): ConsumerPreferences {
  const r = objectOf(input, ['sources', 'locality'], 'preferences');
  const { sources } = r;
  if (
    !Array.isArray(sources) ||
    sources.some((s) => !(ASSET_SOURCES as readonly unknown[]).includes(s)) ||
    new Set(sources).size !== sources.length
  ) {
    throw invalid('sources', `sources must be distinct values of ${ASSET_SOURCES.join(', ')}`);
  }
  return { sources: [...(sources as AssetSource[])].sort(), locality: oneOf(r, 'locality', LOCALITIES) };
}

/** The operator's record of a meter exchange (new device, or a register rollover or seq restart of the old one). */
export interface MeterExchangeRequest {
  meterId: string;
  effectiveFrom: string;
  publicKeyPem: string;
  firstSeq: number;
  importRegisterWh: number;
  exportRegisterWh: number;
}

export function validateMeterExchange(input: unknown, intervalSeconds: number): MeterExchangeRequest {
  const r = objectOf(
    input,
    ['meterId', 'effectiveFrom', 'publicKeyPem', 'firstSeq', 'importRegisterWh', 'exportRegisterWh'],
    'a meter exchange',
  );
  const meterId = idField(r, 'meterId');
  const { effectiveFrom, publicKeyPem } = r;
  const from = typeof effectiveFrom === 'string' ? parseInstant(effectiveFrom) : undefined;
  if (from === undefined || !isIntervalStart(from, intervalSeconds))
    throw invalid('effectiveFrom', 'effectiveFrom must be the start of an interval');
  for (const field of ['firstSeq', 'importRegisterWh', 'exportRegisterWh'])
    if (!isAmount(r[field])) throw invalid(field, `${field} must be a non-negative integer`);
  if (typeof publicKeyPem !== 'string' || publicKeyPem.length > 4096) {
    throw new GridLedgerError(ErrorCodes.METER_KEY_INVALID, 'publicKeyPem must be a PEM public key', { field: 'publicKeyPem' });
  }
  return {
    meterId,
    effectiveFrom: effectiveFrom as string,
    publicKeyPem: parseMeterPublicKey(publicKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
    firstSeq: r.firstSeq as number,
    importRegisterWh: r.importRegisterWh as number,
    exportRegisterWh: r.exportRegisterWh as number,
  };
}
