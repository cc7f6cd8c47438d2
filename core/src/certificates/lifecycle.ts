/**
 * What happens to a bundle after issuance, as pure state transitions: each takes the bundle as the
 * ledger holds it and the transaction's time, and returns the bundles to write (a partial action
 * splits the bundle's range) or refuses with a stable code. Access beyond ownership (who may
 * withdraw) is the shell's to check.
 */
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { ID_PATTERN } from '../core/identity';
import { parseInstant } from '../core/units';
import {
  bundleWh,
  Cancellation,
  CertificateBundle,
  certificateInputInvalid,
  certificateText,
  compareBundles,
  effectiveStatus,
  splitBundle,
  Withdrawal,
  WithdrawalCause,
} from './bundle';

function idField(value: unknown, field: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) throw certificateInputInvalid(field, `${field} must be an id`);
  return value;
}

const FINAL_CODES = {
  cancelled: ErrorCodes.CERTIFICATE_CANCELLED,
  expired: ErrorCodes.CERTIFICATE_EXPIRED,
  withdrawn: ErrorCodes.CERTIFICATE_WITHDRAWN,
} as const;

/**
 * Refuses, with the code of its state, a bundle not in the `wanted` state at `now`: cancelled,
 * expired or withdrawn ones by that state; an active one where a pending transfer is wanted
 * (CERTIFICATE_NOT_RESERVED), a reserved one where an active one is (CERTIFICATE_RESERVED).
 */
function requireStatus(bundle: CertificateBundle, now: string, wanted: 'active' | 'reserved'): void {
  const status = effectiveStatus(bundle, now);
  if (status === wanted) return;
  const details = { issuanceId: bundle.issuanceId, rangeStart: bundle.rangeStart };
  const code =
    status === 'active'
      ? ErrorCodes.CERTIFICATE_NOT_RESERVED
      : status === 'reserved'
        ? ErrorCodes.CERTIFICATE_RESERVED
        : FINAL_CODES[status];
  throw new GridLedgerError(code, `the certificates are ${status}`, details);
}

function requireOwner(bundle: CertificateBundle, actor: string): void {
  if (bundle.owner !== actor)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'only the holder moves its certificates', { issuanceId: bundle.issuanceId });
}

export interface TransferRequest {
  actor: string;
  to: string;
  quantityWh: number;
}

/** A transfer of the bundle's first `quantityWh` from its holder to `to`: the moved part and the part that stays (or null). */
export function transferCertificates(
  bundle: CertificateBundle,
  request: TransferRequest,
  now: string,
): { moved: CertificateBundle; rest: CertificateBundle | null } {
  const { reserved, rest } = reserveTransfer(bundle, { ...request, transferId: 'direct' }, now);
  return { moved: completeTransfer(reserved, { actor: request.to, transferId: 'direct' }, now), rest };
}

/**
 * The first step of a transfer that the recipient must accept: the part is reserved (it moves no
 * other way, and is not claimed) until the recipient completes it or either side releases it.
 */
export function reserveTransfer(
  bundle: CertificateBundle,
  request: TransferRequest & { transferId: string },
  now: string,
): { reserved: CertificateBundle; rest: CertificateBundle | null } {
  requireOwner(bundle, request.actor);
  const to = idField(request.to, 'to');
  const transferId = idField(request.transferId, 'transferId');
  if (to === bundle.owner) throw certificateInputInvalid('to', 'a transfer goes to another holder');
  requireStatus(bundle, now, 'active');
  const [part, rest] = splitBundle(bundle, request.quantityWh);
  return { reserved: { ...part, status: 'reserved', reservation: { transferId, to } }, rest };
}

function requireReservation(bundle: CertificateBundle, transferId: string): { transferId: string; to: string } {
  if (bundle.status !== 'reserved' || bundle.reservation?.transferId !== transferId) {
    const status = bundle.status === 'reserved' ? 'reserved for another transfer' : bundle.status;
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_NOT_RESERVED, `the certificates are ${status}`, {
      issuanceId: bundle.issuanceId,
      transferId,
    });
  }
  return bundle.reservation;
}

/** The recipient accepts a pending transfer: the part becomes its own, active. Refused once the certificates expired. */
export function completeTransfer(
  bundle: CertificateBundle,
  request: { actor: string; transferId: string },
  now: string,
): CertificateBundle {
  const reservation = requireReservation(bundle, request.transferId);
  if (reservation.to !== request.actor)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'only the recipient completes a transfer', { issuanceId: bundle.issuanceId });
  requireStatus(bundle, now, 'reserved');
  const { reservation: _done, ...rest } = bundle;
  return { ...rest, owner: reservation.to, status: 'active' };
}

/** Either side calls a pending transfer off: the part is the holder's again, active (or expired, if its time has passed). */
export function releaseTransfer(bundle: CertificateBundle, request: { actor: string; transferId: string }): CertificateBundle {
  const reservation = requireReservation(bundle, request.transferId);
  if (request.actor !== bundle.owner && request.actor !== reservation.to) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'only the holder or the recipient releases a transfer', {
      issuanceId: bundle.issuanceId,
    });
  }
  const { reservation: _done, ...rest } = bundle;
  return { ...rest, status: 'active' };
}

export interface ClaimRequest {
  actor: string;
  quantityWh: number;
  beneficiary: string;
  purpose: string;
  consumptionPeriodStart: string;
  consumptionPeriodEnd: string;
  location: string;
}

/**
 * Cancels the bundle's first `quantityWh` for a claim, final and irreversible. The consumption
 * period must hold the certificates' production hour (a granular claim matches energy hour by hour).
 */
export function claimCertificates(
  bundle: CertificateBundle,
  request: ClaimRequest,
  now: string,
): { claimed: CertificateBundle; rest: CertificateBundle | null } {
  requireOwner(bundle, request.actor);
  const beneficiary = certificateText(request.beneficiary, 'beneficiary');
  const purpose = certificateText(request.purpose, 'purpose');
  const location = certificateText(request.location, 'location');
  const from = parseInstant(request.consumptionPeriodStart);
  const to = parseInstant(request.consumptionPeriodEnd);
  if (from === undefined) throw certificateInputInvalid('consumptionPeriodStart', 'consumptionPeriodStart must be a UTC instant');
  if (to === undefined || to <= from)
    throw certificateInputInvalid('consumptionPeriodEnd', 'consumptionPeriodEnd must be a UTC instant after its start');
  if (from > parseInstant(bundle.productionStart)! || to < parseInstant(bundle.productionEnd)!) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_PERIOD_MISMATCH, 'the consumption period does not hold the production hour', {
      productionStart: bundle.productionStart,
    });
  }
  requireStatus(bundle, now, 'active');
  const [part, rest] = splitBundle(bundle, request.quantityWh);
  const claim: Cancellation = {
    kind: 'claim',
    beneficiary,
    purpose,
    consumptionPeriodStart: request.consumptionPeriodStart,
    consumptionPeriodEnd: request.consumptionPeriodEnd,
    location,
    cancelledAt: now,
  };
  return { claimed: { ...part, status: 'cancelled', cancellation: claim }, rest };
}

/** Cancels the bundle's first `quantityWh` into a storage charge record (storage.ts checks hour and metered charge). */
export function cancelIntoStorage(
  bundle: CertificateBundle,
  request: { actor: string; quantityWh: number; storageAssetId: string; chargeRecordId: string },
  now: string,
): { cancelled: CertificateBundle; rest: CertificateBundle | null } {
  requireOwner(bundle, request.actor);
  requireStatus(bundle, now, 'active');
  const [part, rest] = splitBundle(bundle, request.quantityWh);
  const cancellation: Cancellation = {
    kind: 'storage-charge',
    storageAssetId: request.storageAssetId,
    chargeRecordId: request.chargeRecordId,
    cancelledAt: now,
  };
  return { cancelled: { ...part, status: 'cancelled', cancellation }, rest };
}

export interface WithdrawalRequest {
  cause: WithdrawalCause;
  reason: string;
  derivedFrom?: string;
}

/**
 * Withdraws the certificates [rangeStart, rangeEnd] of one issuance, in whatever state and whoever
 * holds them: the bundles overlapping the range are split at its ends and the parts inside it are
 * withdrawn (those withdrawn before stay as they are). Returns every resulting bundle of the
 * issuance (to write) and the parts it withdrew, each with its previous status and holder.
 */
export function withdrawRange(
  bundles: readonly CertificateBundle[],
  range: { issuanceId: string; rangeStart: number; rangeEnd: number },
  request: WithdrawalRequest,
  now: string,
): { bundles: CertificateBundle[]; withdrawn: CertificateBundle[] } {
  const reason = certificateText(request.reason, 'reason');
  if (
    !Number.isSafeInteger(range.rangeStart) ||
    !Number.isSafeInteger(range.rangeEnd) ||
    range.rangeStart < 1 ||
    range.rangeEnd < range.rangeStart
  ) {
    throw certificateInputInvalid('rangeEnd', 'a range runs from a positive number to one not below it');
  }
  const out: CertificateBundle[] = [];
  const withdrawn: CertificateBundle[] = [];
  for (const b of [...bundles].sort(compareBundles)) {
    const lo = Math.max(b.rangeStart, range.rangeStart);
    const hi = Math.min(b.rangeEnd, range.rangeEnd);
    if (b.issuanceId !== range.issuanceId || lo > hi || b.status === 'withdrawn') {
      out.push(b);
      continue;
    }
    if (b.rangeStart < lo) out.push({ ...b, rangeEnd: lo - 1 });
    const { reservation: _void, ...inside } = { ...b, rangeStart: lo, rangeEnd: hi };
    const withdrawal: Withdrawal = {
      cause: request.cause,
      reason,
      withdrawnAt: now,
      previousStatus: effectiveStatus(b, now),
      ...(request.derivedFrom !== undefined ? { derivedFrom: request.derivedFrom } : {}),
    };
    const piece: CertificateBundle = { ...inside, status: 'withdrawn', withdrawal };
    out.push(piece);
    withdrawn.push(piece);
    if (hi < b.rangeEnd) out.push({ ...b, rangeStart: hi + 1 });
  }
  return { bundles: out.sort(compareBundles), withdrawn };
}

/** The Wh that stand (every state but withdrawn): what counts against the verified figure. */
export function standingWh(bundles: readonly CertificateBundle[]): number {
  return bundles.reduce((s, b) => s + (b.status === 'withdrawn' ? 0 : bundleWh(b)), 0);
}
