/**
 * The chaincode events of certificates (one per transaction, as Fabric allows; docs/certificates.md,
 * "Events"). Each names the holders involved and the asset's producer, so that GET /events shows
 * it to them (gateway-api/src/event-visibility.ts) and to the operator, utility and regulator.
 * Expiry holds at read time (effectiveStatus); CertificatesExpired comes from its optional record (expiry.ts).
 */
import { Context } from 'fabric-contract-api';
import { bundleWh, CertificateBundle, certificateIdOf } from '@gridledger/core';
import { setEvent } from '../ledger';

export const CertificateEvents = {
  issued: 'CertificatesIssued',
  transferred: 'CertificatesTransferred',
  claimed: 'CertificatesClaimed',
  withdrawn: 'CertificatesWithdrawn',
  reserved: 'CertificatesReserved',
  released: 'CertificatesReservationReleased',
  expired: 'CertificatesExpired',
  batchIssued: 'CertificatesBatchIssued',
} as const;

const idOf = (b: CertificateBundle) => certificateIdOf(b.issuanceId, b.rangeStart);

export function issuedEvent(
  ctx: Context,
  producerId: string,
  issuanceId: string,
  hourStart: string,
  bundle: CertificateBundle | null,
): void {
  setEvent(ctx, CertificateEvents.issued, {
    issuanceId,
    hourStart,
    producerId,
    bundleId: bundle === null ? null : idOf(bundle),
    quantityWh: bundle === null ? 0 : bundleWh(bundle),
  });
}

/** A batch's issuances (certificates:issueBatch), one entry per asset-hour issued, each naming its producer. */
export function batchIssuedEvent(
  ctx: Context,
  issued: readonly {
    hourStart: string;
    producerId: string;
    stored: { record: { issuanceId: string } };
    bundle: CertificateBundle | null;
  }[],
): void {
  setEvent(ctx, CertificateEvents.batchIssued, {
    issuances: issued.map((p) => ({
      issuanceId: p.stored.record.issuanceId,
      hourStart: p.hourStart,
      producerId: p.producerId,
      bundleId: p.bundle === null ? null : idOf(p.bundle),
      quantityWh: p.bundle === null ? 0 : bundleWh(p.bundle),
    })),
  });
}

export function transferredEvent(ctx: Context, producerId: string, from: string, moved: CertificateBundle): void {
  setEvent(ctx, CertificateEvents.transferred, {
    issuanceId: moved.issuanceId,
    producerId,
    from,
    to: moved.owner,
    bundleId: idOf(moved),
    quantityWh: bundleWh(moved),
  });
}

export function claimedEvent(ctx: Context, producerId: string, claimed: CertificateBundle): void {
  setEvent(ctx, CertificateEvents.claimed, {
    issuanceId: claimed.issuanceId,
    producerId,
    holder: claimed.owner,
    bundleId: idOf(claimed),
    quantityWh: bundleWh(claimed),
  });
}

/** Withdrawn certificate parts, and (a lowered figure) the bundled claims cut from buyers: each holder and buyer is named. */
export function withdrawnEvent(
  ctx: Context,
  producerId: string,
  withdrawn: CertificateBundle[],
  reason: string,
  bundledCut: readonly { buyerId: string; assetId: string; intervalStart: string; energyWh: number }[] = [],
): void {
  setEvent(ctx, CertificateEvents.withdrawn, {
    issuanceId: withdrawn[0]?.issuanceId ?? null,
    producerId,
    reason,
    bundles: withdrawn.map((b) => ({ bundleId: idOf(b), holder: b.owner, quantityWh: bundleWh(b) })),
    bundledClaims: bundledCut.map(({ buyerId, assetId, intervalStart, energyWh }) => ({
      buyerId,
      assetId,
      intervalStart,
      quantityWh: energyWh,
    })),
  });
}

/** A transfer pending the recipient's acceptance (its acceptance is CertificatesTransferred). */
export function reservedEvent(ctx: Context, producerId: string, reserved: CertificateBundle): void {
  setEvent(ctx, CertificateEvents.reserved, {
    issuanceId: reserved.issuanceId,
    producerId,
    from: reserved.owner,
    to: reserved.reservation?.to ?? null,
    bundleId: idOf(reserved),
    quantityWh: bundleWh(reserved),
  });
}

/** A pending transfer called off by `by` (the holder or the recipient). */
export function releasedEvent(ctx: Context, producerId: string, before: CertificateBundle, by: string): void {
  setEvent(ctx, CertificateEvents.released, {
    issuanceId: before.issuanceId,
    producerId,
    from: before.owner,
    to: before.reservation?.to ?? null,
    by,
    bundleId: idOf(before),
    quantityWh: bundleWh(before),
  });
}

/** The expiry record of a holder's bundles (one event per transaction, one holder). */
export function expiredEvent(ctx: Context, holder: string, expired: CertificateBundle[]): void {
  setEvent(ctx, CertificateEvents.expired, {
    holder,
    bundles: expired.map((b) => ({ bundleId: idOf(b), issuanceId: b.issuanceId, owner: b.owner, quantityWh: bundleWh(b) })),
  });
}
