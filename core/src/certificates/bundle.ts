/**
 * Granular certificates (EnergyTag GC standard v2): one certificate per verified Wh of one asset's
 * production hour, numbered 1, 2, 3... within that asset and hour (its issuance), and held in
 * bundles of consecutive numbers. No global counter: a certificate's id is its issuance (asset and
 * hour) and its number, so issuances of different assets and hours never touch a shared key.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN } from '../core/identity';
import { formatInstant, parseInstant } from '../core/units';

/** A production period is one hour, aligned to the hour in UTC. */
export const HOUR_SECONDS = 3600;
/** The documented expiry rule: a certificate not cancelled by then expires this many months after its production period ended. */
export const CERTIFICATE_VALIDITY_MONTHS = 12;

/**
 * What the ledger stores. `expired` is read from the clock of the reading transaction
 * (effectiveStatus); it is stored only by the optional expiry record (expiry.ts), which changes no reading.
 */
export type CertificateStatus = 'active' | 'reserved' | 'cancelled' | 'withdrawn' | 'expired';
export type EffectiveStatus = CertificateStatus | 'expired';
export type IssuedFrom = 'production' | 'storage';

/** A cancellation that claims the energy for a consumer: the fields of an I-REC redemption statement. Final. */
export interface Claim {
  kind: 'claim';
  beneficiary: string;
  purpose: string;
  consumptionPeriodStart: string;
  consumptionPeriodEnd: string;
  location: string;
  cancelledAt: string;
}

/** A cancellation into a battery's storage charge record (the energy comes back as storage discharge certificates). */
export interface StorageChargeCancellation {
  kind: 'storage-charge';
  storageAssetId: string;
  chargeRecordId: string;
  cancelledAt: string;
}

export type Cancellation = Claim | StorageChargeCancellation;

/**
 * Why a certificate no longer stands: the regulator withdrew it (a faulty meter), a correction or a
 * resolved dispute lowered the verified figure, or it was derived from a withdrawn one (storage).
 */
export type WithdrawalCause = 'regulator' | 'lowered-figure' | 'derived';

export interface Withdrawal {
  cause: WithdrawalCause;
  reason: string;
  withdrawnAt: string;
  /** The status before the withdrawal: a claim that no longer stands must be told to its beneficiary. */
  previousStatus: EffectiveStatus;
  /** For `derived`: the storage charge record whose energy was withdrawn. */
  derivedFrom?: string;
}

export interface CertificateBundle {
  issuanceId: string;
  /** First and last certificate number held, inclusive: the bundle holds rangeEnd − rangeStart + 1 Wh. */
  rangeStart: number;
  rangeEnd: number;
  owner: string;
  status: CertificateStatus;
  deviceId: string;
  energySource: string;
  issuedFrom: IssuedFrom;
  productionStart: string;
  productionEnd: string;
  issuedAt: string;
  expiresAt: string;
  /** Storage discharge certificates: the charge record their energy was allocated from. */
  chargeRecordId?: string;
  /** While a transfer is pending: to whom, under the sender's transfer id. */
  reservation?: { transferId: string; to: string };
  cancellation?: Cancellation;
  withdrawal?: Withdrawal;
}

export function certificateInputInvalid(field: string, message: string): GridLedgerError {
  return new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, message, { field });
}

const MAX_TEXT = 256;

/** Printable text of 1 to 256 characters, or CERTIFICATE_INPUT_INVALID naming the field. */
export function certificateText(value: unknown, field: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what the check refuses
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(value)) {
    throw certificateInputInvalid(field, `${field} must be 1 to ${MAX_TEXT} printable characters`);
  }
  return value;
}

/** The instant of an hour's start, or CERTIFICATE_INPUT_INVALID. */
export function parseHourStart(hourStart: string, field = 'hourStart'): number {
  const t = parseInstant(hourStart);
  if (t === undefined || t % HOUR_SECONDS !== 0) throw certificateInputInvalid(field, `${field} must be a UTC instant on the hour`);
  return t;
}

/** `2026-11-21T10:00:00Z` → `20261121T10Z`: the hour's part of an issuance id. */
function hourTag(hourStart: string): string {
  return `${hourStart.slice(0, 4)}${hourStart.slice(5, 7)}${hourStart.slice(8, 10)}T${hourStart.slice(11, 13)}Z`;
}

/** The issuance of one device (asset) and hour: `pv-1@20261121T10Z`. `@` is not an id character, so it parses back. */
export function issuanceIdOf(deviceId: string, hourStart: string): string {
  if (!ID_PATTERN.test(deviceId)) throw certificateInputInvalid('deviceId', 'deviceId must be an id');
  parseHourStart(hourStart);
  return `${deviceId}@${hourTag(hourStart)}`;
}

/** One certificate (one Wh): its issuance and its number, `pv-1@20261121T10Z-42`. */
export function certificateIdOf(issuanceId: string, n: number): string {
  return `${issuanceId}-${n}`;
}

const CERTIFICATE_ID = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})@(\d{4})(\d{2})(\d{2})T(\d{2})Z(?:-([1-9]\d{0,15}))?$/;

/** An issuance id or certificate id taken apart (number undefined for an issuance id), or undefined when it is neither. */
export function parseCertificateId(id: string): { issuanceId: string; deviceId: string; hourStart: string; number?: number } | undefined {
  const m = CERTIFICATE_ID.exec(id);
  if (!m) return undefined;
  const hourStart = `${m[2]}-${m[3]}-${m[4]}T${m[5]}:00:00Z`;
  if (parseInstant(hourStart) === undefined) return undefined;
  const number = m[6] === undefined ? undefined : Number(m[6]);
  if (number !== undefined && !Number.isSafeInteger(number)) return undefined;
  return { issuanceId: `${m[1]}@${hourTag(hourStart)}`, deviceId: m[1], hourStart, ...(number !== undefined ? { number } : {}) };
}

/**
 * The expiry of a certificate whose production period ended at `productionEnd`: the same day and
 * time 12 calendar months later (UTC). A day the later month lacks rolls over: 29 February
 * 2028 10:00 expires 1 March 2029 10:00.
 */
export function expiryOf(productionEnd: string): string {
  const t = parseInstant(productionEnd);
  if (t === undefined) throw certificateInputInvalid('productionEnd', 'productionEnd must be a UTC instant');
  const d = new Date(t * 1000);
  const ms = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + CERTIFICATE_VALIDITY_MONTHS, d.getUTCDate(), d.getUTCHours());
  return formatInstant(ms / 1000);
}

/**
 * The status a reader sees at `now` (the reading transaction's timestamp): an active or reserved
 * certificate is expired from its expiry on, without any sweep having written it.
 */
export function effectiveStatus(bundle: Pick<CertificateBundle, 'status' | 'expiresAt'>, now: string): EffectiveStatus {
  if ((bundle.status === 'active' || bundle.status === 'reserved') && now >= bundle.expiresAt) return 'expired';
  return bundle.status;
}

export const bundleWh = (b: Pick<CertificateBundle, 'rangeStart' | 'rangeEnd'>): number => b.rangeEnd - b.rangeStart + 1;

/** The bundle's first `quantityWh` certificates and the rest (null when it takes all): EnergyTag splits from the range's start. */
export function splitBundle(bundle: CertificateBundle, quantityWh: number): [CertificateBundle, CertificateBundle | null] {
  if (!Number.isSafeInteger(quantityWh) || quantityWh < 1)
    throw certificateInputInvalid('quantityWh', 'quantityWh must be a positive integer');
  const held = bundleWh(bundle);
  if (quantityWh > held) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_QUANTITY_EXCEEDED, `the bundle holds ${held} Wh, not ${quantityWh}`, {
      held,
      quantityWh,
    });
  }
  if (quantityWh === held) return [bundle, null];
  const cut = bundle.rangeStart + quantityWh;
  return [
    { ...bundle, rangeEnd: cut - 1 },
    { ...bundle, rangeStart: cut },
  ];
}

/** The bundle holding one certificate id, or CERTIFICATE_NOT_FOUND. */
export function findBundle<B extends Pick<CertificateBundle, 'issuanceId' | 'rangeStart' | 'rangeEnd'>>(
  bundles: readonly B[],
  certificateId: string,
): B {
  const id = parseCertificateId(certificateId);
  const found =
    id?.number === undefined
      ? undefined
      : bundles.find((b) => b.issuanceId === id.issuanceId && b.rangeStart <= id.number! && id.number! <= b.rangeEnd);
  if (found === undefined)
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_NOT_FOUND, `no bundle holds ${certificateId}`, { certificateId });
  return found;
}

/** Bundles in issuance, then number order: the order every listing, allocation and withdrawal uses. */
export function compareBundles(
  a: Pick<CertificateBundle, 'issuanceId' | 'rangeStart'>,
  b: Pick<CertificateBundle, 'issuanceId' | 'rangeStart'>,
): number {
  return a.issuanceId < b.issuanceId ? -1 : a.issuanceId > b.issuanceId ? 1 : a.rangeStart - b.rangeStart;
}
