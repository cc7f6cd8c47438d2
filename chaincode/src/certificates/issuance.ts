/**
 * Issuance on the ledger (docs/certificates.md, "Batched issuance"): one asset-hour, or a batch of
 * up to MAX_ISSUANCE_BATCH asset-hours in one transaction. Every item is worked out from the ledger
 * before anything of it is written, so an item refused with a stable code (an open hour, an hour
 * issued with nothing new, an estimated reading, an unverified asset...) writes nothing while the
 * others are issued. Each asset's issuance cursor is advanced once per transaction, over every
 * issuance of that asset in it: the write the Regulator's peer must endorse.
 */
import { Context } from 'fabric-contract-api';
import {
  bundleWh,
  CertificateBundle,
  certificateIdOf,
  ErrorCodes,
  GridLedgerError,
  issuanceIdOf,
  issueHour,
  IssuanceRecord,
} from '@gridledger/core';
import { checkId, parseObjectArgument } from '../args';
import { getRecord, putRecord, txInstant } from '../ledger';
import { isGridLedgerError } from '../respond';
import { batchIssuedEvent, issuedEvent } from './events';
import { loadHour } from './hour';
import { advanceIssuer, ISSUING_BODY_MSP, issuanceKey, issuerKey, readIssuance, StoredIssuance, writeBundles } from './store';

/** The most asset-hours one issuance transaction takes (docs/certificates.md, "Batched issuance"). */
export const MAX_ISSUANCE_BATCH = 100;

/** One asset-hour worked out and ready to write. */
interface Prepared {
  assetId: string;
  hourStart: string;
  producerId: string;
  stored: StoredIssuance;
  bundle: CertificateBundle | null;
}

/** Reads an asset's hour and works out its issuance; writes nothing. Refused like issueHour, and for an asset without a cursor. */
async function prepare(ctx: Context, assetId: string, hourStart: string): Promise<Prepared> {
  const hour = await loadHour(ctx, checkId(assetId, 'assetId'), hourStart);
  const issuanceId = issuanceIdOf(assetId, hourStart);
  const previous = await readIssuance(ctx, assetId, issuanceId);
  const issued = issueHour({
    asset: hour.asset,
    meterAssets: hour.meterAssets,
    hourStart,
    intervalSeconds: hour.intervalSeconds,
    intervals: hour.intervals,
    bundledWh: hour.bundledWh,
    issuingBody: ISSUING_BODY_MSP,
    issuedAt: txInstant(ctx),
    ...(previous !== undefined ? { previous: previous.record } : {}),
  });
  // advanceIssuer refuses an asset without a cursor: checked here, before anything of the item is written.
  if ((await getRecord(ctx, issuerKey(ctx, assetId))) === undefined) {
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED, `asset ${assetId} has no issuance cursor: the regulator opens it`, {
      assetId,
    });
  }
  const txIds = [...(previous?.txIds ?? []), ctx.stub.getTxID()];
  const stored: StoredIssuance = { record: issued.record, attributes: issued.attributes, txIds };
  return { assetId, hourStart, producerId: hour.record.participantId, stored, bundle: issued.bundle };
}

async function write(ctx: Context, p: Prepared): Promise<void> {
  await putRecord(ctx, issuanceKey(ctx, p.assetId, p.stored.record.issuanceId), p.stored);
  if (p.bundle !== null) await writeBundles(ctx, undefined, [p.bundle]);
}

/** One asset's hour (certificates:issue): the issuance, its bundle (null when nothing was left) and the asset's cursor. */
export async function issueOne(ctx: Context, assetId: string, hourStart: string) {
  const p = await prepare(ctx, assetId, hourStart);
  await write(ctx, p);
  const cursor = await advanceIssuer(ctx, assetId, { issuance: p.stored.record, txId: ctx.stub.getTxID() });
  issuedEvent(ctx, p.producerId, p.stored.record.issuanceId, hourStart, p.bundle);
  return { ...p.stored, bundle: p.bundle, cursor };
}

export interface BatchItem {
  assetId: string;
  hourStart: string;
}

/** The items of a batch request `{ items: [{ assetId, hourStart }, ...] }`: 1 to MAX_ISSUANCE_BATCH, each asset-hour once. */
export function batchItems(request: string): BatchItem[] {
  const invalid = (message: string) => new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, message, { field: 'items' });
  const { items } = parseObjectArgument(request, 'the issuance batch');
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_ISSUANCE_BATCH)
    throw invalid(`items must be a list of 1 to ${MAX_ISSUANCE_BATCH} asset-hours`);
  const seen = new Set<string>();
  return items.map((item: unknown) => {
    const { assetId, hourStart } = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof assetId !== 'string' || typeof hourStart !== 'string') throw invalid('each item has an assetId and an hourStart');
    // Fabric reads committed state only: an asset-hour twice in one transaction would be issued twice.
    if (seen.has(`${assetId} ${hourStart}`)) throw invalid(`${assetId} at ${hourStart} is in the batch twice`);
    seen.add(`${assetId} ${hourStart}`);
    return { assetId, hourStart };
  });
}

export type BatchResult =
  | { assetId: string; hourStart: string; status: 'issued'; record: IssuanceRecord; bundleId: string | null; quantityWh: number }
  | { assetId: string; hourStart: string; status: 'refused'; error: { code: string; message: string; details: Record<string, unknown> } };

/**
 * A batch of asset-hours (certificates:issueBatch): each item issued, or refused with its stable
 * code and nothing of it written; the results in the request's order. Each asset's cursor moves
 * once, over the records of all its hours in the batch.
 */
export async function issueBatch(ctx: Context, items: readonly BatchItem[]) {
  const results: BatchResult[] = [];
  const issued: Prepared[] = [];
  for (const { assetId, hourStart } of items) {
    try {
      const p = await prepare(ctx, assetId, hourStart);
      issued.push(p);
      const { bundle } = p;
      const bundleId = bundle === null ? null : certificateIdOf(bundle.issuanceId, bundle.rangeStart);
      results.push({ assetId, hourStart, status: 'issued', record: p.stored.record, bundleId, quantityWh: bundle ? bundleWh(bundle) : 0 });
    } catch (e) {
      if (!isGridLedgerError(e)) throw e;
      results.push({ assetId, hourStart, status: 'refused', error: { code: e.code, message: e.message, details: e.details ?? {} } });
    }
  }
  for (const p of issued) await write(ctx, p);
  const txId = ctx.stub.getTxID();
  const assets = [...new Set(issued.map((p) => p.assetId))].sort();
  const cursors = [];
  for (const assetId of assets) {
    const records = issued.filter((p) => p.assetId === assetId).map((p) => p.stored.record);
    cursors.push(await advanceIssuer(ctx, assetId, { issuances: records, txId }));
  }
  if (issued.length > 0) batchIssuedEvent(ctx, issued);
  return { items: results, issuedCount: issued.length, refusedCount: results.length - issued.length, cursors };
}
