/**
 * The certificate keys (docs/certificates.md, "Keys"): one per asset and hour, per bundle, per
 * holder's bundle and per asset (the issuance cursor). None is written by every transaction.
 *
 * - certIssuance~asset~hour: the hour's IssuanceRecord and its attributes
 * - certBundle~asset~hour~rangeStart: one bundle (rangeStart zero-padded, so key order is number order)
 * - certHolding~owner~asset~hour~rangeStart: an index entry naming the bundle, for listings by holder
 *   (and by the recipient of a pending transfer)
 * - certIssuer~asset: the asset's issuance cursor, endorsed by the Regulator's peer (key-level policy)
 * - certChain~asset~seq: each change of the cursor and the head after it, for the audit to recompute the chain
 */
import { Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';
import {
  CertificateAttributes,
  chainIssuerHead,
  CertificateBundle,
  ErrorCodes,
  GridLedgerError,
  IssuanceRecord,
  issuerChainStart,
  parseCertificateId,
} from '@gridledger/core';
import { key, KeyTypes, seqKeyPart } from '../keys';
import { getRecord, putRecord, txInstant } from '../ledger';

/** The organization whose peer must endorse every change of an issuance cursor. */
export const ISSUING_BODY_MSP = 'RegulatorMSP';

/** The hour's part of a key: the issuance id's hour (`20261121T10Z`), which sorts as time. */
export const hourPart = (issuanceId: string): string => issuanceId.slice(issuanceId.indexOf('@') + 1);

export const issuanceKey = (ctx: Context, assetId: string, issuanceId: string): string =>
  key(ctx, KeyTypes.certIssuance, assetId, hourPart(issuanceId));

export const bundleKey = (ctx: Context, b: Pick<CertificateBundle, 'deviceId' | 'issuanceId' | 'rangeStart'>): string =>
  key(ctx, KeyTypes.certBundle, b.deviceId, hourPart(b.issuanceId), seqKeyPart(b.rangeStart));

export const holdingKey = (ctx: Context, b: Pick<CertificateBundle, 'owner' | 'deviceId' | 'issuanceId' | 'rangeStart'>): string =>
  key(ctx, KeyTypes.certHolding, b.owner, b.deviceId, hourPart(b.issuanceId), seqKeyPart(b.rangeStart));

export const issuerKey = (ctx: Context, assetId: string): string => key(ctx, KeyTypes.certIssuer, assetId);

/** What certIssuance holds: the record and the attributes every bundle of the hour shares. */
export interface StoredIssuance {
  record: IssuanceRecord;
  attributes: CertificateAttributes;
  txIds: string[];
}

/**
 * The asset's issuance cursor: how many issuance transactions touched the asset and a SHA-256
 * chain over what each wrote (`head = sha256(previous head ‖ canonical JSON of the change)`).
 */
export interface IssuerCursor {
  assetId: string;
  openedAt: string;
  openedBy: string;
  changes: number;
  head: string;
}

/**
 * Creates the asset's cursor with the key-level policy "a peer of RegulatorMSP": from then on no
 * transaction that changes the cursor commits without the Regulator's peer among its endorsers.
 */
export async function openIssuer(ctx: Context, assetId: string, openedBy: string): Promise<IssuerCursor> {
  const k = issuerKey(ctx, assetId);
  const existing = await getRecord<IssuerCursor>(ctx, k);
  if (existing !== undefined) return existing;
  const cursor: IssuerCursor = { assetId, openedAt: txInstant(ctx), openedBy, changes: 0, head: issuerChainStart(assetId) };
  await putRecord(ctx, k, cursor);
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', ISSUING_BODY_MSP);
  await ctx.stub.setStateValidationParameter(k, policy.getPolicy());
  return cursor;
}

/** Advances the asset's cursor by one change (an issuance or a withdrawal): the write the Regulator's peer must endorse. */
export async function advanceIssuer(ctx: Context, assetId: string, change: unknown): Promise<IssuerCursor> {
  const k = issuerKey(ctx, assetId);
  const cursor = await getRecord<IssuerCursor>(ctx, k);
  if (cursor === undefined) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED, `asset ${assetId} has no issuance cursor: the regulator opens it`, {
      assetId,
    });
  }
  const next: IssuerCursor = { ...cursor, changes: cursor.changes + 1, head: chainIssuerHead(cursor.head, change) };
  await putRecord(ctx, k, next);
  await putRecord(ctx, key(ctx, KeyTypes.certChain, assetId, seqKeyPart(next.changes)), { seq: next.changes, change, head: next.head });
  return next;
}

export async function readIssuance(ctx: Context, assetId: string, issuanceId: string): Promise<StoredIssuance | undefined> {
  return getRecord<StoredIssuance>(ctx, issuanceKey(ctx, assetId, issuanceId));
}

/** Every bundle of one issuance, in number order. */
export async function bundlesOf(ctx: Context, assetId: string, issuanceId: string): Promise<CertificateBundle[]> {
  const out: CertificateBundle[] = [];
  for await (const e of ctx.stub.getStateByPartialCompositeKey(KeyTypes.certBundle, [assetId, hourPart(issuanceId)])) {
    out.push(JSON.parse(Buffer.from(e.value).toString('utf8')) as CertificateBundle);
  }
  return out;
}

/** The bundle that starts at a certificate id (`pv-1@20261121T10Z-1`), or CERTIFICATE_NOT_FOUND. */
export async function loadBundle(ctx: Context, bundleId: string): Promise<CertificateBundle> {
  const id = parseCertificateId(String(bundleId));
  const found =
    id?.number === undefined
      ? undefined
      : await getRecord<CertificateBundle>(
          ctx,
          bundleKey(ctx, { deviceId: id.deviceId, issuanceId: id.issuanceId, rangeStart: id.number }),
        );
  if (found === undefined)
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_NOT_FOUND, `no bundle starts at ${bundleId}`, { certificateId: String(bundleId) });
  return found;
}

/**
 * Writes bundles that an action changed or made, and their holders' index entries. `before` is
 * the bundle as it was (its holder's entry moves when the owner changed).
 */
export async function writeBundles(
  ctx: Context,
  before: CertificateBundle | undefined,
  bundles: readonly CertificateBundle[],
): Promise<void> {
  if (before !== undefined && !bundles.some((b) => b.rangeStart === before.rangeStart && b.owner === before.owner)) {
    await ctx.stub.deleteState(holdingKey(ctx, before));
  }
  for (const b of bundles) {
    // A pending transfer shows in the recipient's listing too: its entry follows the reservation.
    const was = recipientOf(await getRecord<CertificateBundle>(ctx, bundleKey(ctx, b)));
    const is = recipientOf(b);
    if (was !== undefined && was !== is && was !== b.owner) await ctx.stub.deleteState(holdingKey(ctx, { ...b, owner: was }));
    await putRecord(ctx, bundleKey(ctx, b), b);
    for (const owner of is === undefined ? [b.owner] : [b.owner, is])
      await putRecord(ctx, holdingKey(ctx, { ...b, owner }), { issuanceId: b.issuanceId, rangeStart: b.rangeStart });
  }
}

/** To whom a bundle is reserved while a transfer is pending. */
const recipientOf = (b: CertificateBundle | undefined): string | undefined => (b?.status === 'reserved' ? b.reservation?.to : undefined);
